"""A data-availability committee member for validium mode (protocol.md 7.8): `zkclear dac-member`
receives each batch's state diff from the node, stores it durably, checks it against its own copy
of the state, signs its hash and serves the data (and any account's exit path) to anyone."""
