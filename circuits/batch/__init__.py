"""The batch circuit: one Groth16 statement per batch of steps (docs/protocol.md section 7.13).

`vars` holds the state as circuit values, `state` its hashes, `tree` the Merkle updates, `risk`
and `position` the margin and fill arithmetic every account slot shares, `steps/` one rule module per
step kind, `slot` the universal slot that applies one leaf update, `batch` the whole circuit and
`witness` the assignment built from the exchange core's records.
"""
