"""The node's prover stage: closed batches proven in number order (protocol.md 11, "Proving stage").

- `keys`: the key set for the node's batch shape (made once, or an operator's; checked);
- `replay`: the journal replayed to a closed batch with witnesses (also `zkclear batch witness`);
- `follower`: that replay beside the live node, from a snapshot after a restart;
- `worker`: the prover process (circuit, keys, follower, prove, verify);
- `stage`: `ProverStage`, the node's side (statuses, retries, the `batches` stream).
"""
