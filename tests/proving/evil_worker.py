"""A Dask preload for test-only bad prover workers (`zkclear prover-worker --preload
tests.proving.evil_worker`), as a worker running modified code could behave; the mode comes from
the environment variable ZKCLEAR_EVIL_WORKER:
- `corrupt` (default): the proofs it returns have their A point's x coordinate changed;
- `hang`: it never returns (its task sleeps for an hour).
The node must reject the first and give up on the second at the job's deadline."""

from __future__ import annotations

import os
import time
from typing import Any

from sequencer.proving.task import ProofResult, ProofTask, ProverPlugin

_honest = ProverPlugin.prove


def _corrupt(self: ProverPlugin, task: ProofTask) -> ProofResult:
    res = _honest(self, task)
    proof = dict(res.proof)
    pi_a = list(proof["pi_a"])
    pi_a[0] = str(int(pi_a[0]) + 1)
    proof["pi_a"] = pi_a
    return ProofResult(res.batch, proof, res.public, res.prove_s, res.worker)


def _hang(self: ProverPlugin, task: ProofTask) -> ProofResult:
    time.sleep(3600)
    raise AssertionError("unreachable in a test")


def dask_setup(worker: Any) -> None:
    mode = os.environ.get("ZKCLEAR_EVIL_WORKER", "corrupt")
    ProverPlugin.prove = {"corrupt": _corrupt, "hang": _hang}[mode]  # type: ignore[method-assign]
