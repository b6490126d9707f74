"""The node's L1 client (protocol.md 7.12.1): the rollup contract through web3.py, the submitter
key, the priority queue into the exchange and proven batches onto L1."""
