"""The node's prover stage: closed batches proven as jobs of a Dask prover pool (protocol.md 11,
"Proving stage" and "Prover pool").

- `keys`: the key set for the node's batch shape (made once, or an operator's; checked);
- `replay`: the journal replayed to a closed batch with witnesses (also `zkclear batch witness`);
- `follower`: that replay beside the live node, from a snapshot after a restart;
- `builder`: the node's local process (circuit, keys, follower) that turns a batch into a job;
- `jobs`: the durable `prove_job` table beside the batch rows;
- `task`: what travels per job, the workers' plugin (keys by sha256) and the task they run;
- `pool`: the Dask client (an operator's scheduler or an embedded LocalCluster);
- `stage`: `ProverStage`, the node's side (jobs, dispatch, verification, retries, the stream).
"""
