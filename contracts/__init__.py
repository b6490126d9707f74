"""The Ethereum side of zkclear: Solidity sources (contracts/src, test-only contracts in
contracts/test), their committed artifacts (contracts/artifacts, package data: the installed
package never needs node or solc) and the Python code that deploys and reads them."""
