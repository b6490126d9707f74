"""A Dask preload for test-only bad prover workers (`zkclear prover-worker --preload
tests.proving.evil_worker`), as a worker running modified code could behave; the mode comes from
the environment variable ZKCLEAR_EVIL_WORKER:
- `corrupt` (default): the proofs it returns have their A point's x coordinate changed;
- `hang`: it never returns (its task sleeps for an hour);
- `pickle`: at once, without proving, it answers with an object whose unpickling would create the
  file named by ZKCLEAR_EVIL_MARKER (code run in whoever loads the answer).
The node must reject the first, give up on the second at the job's deadline, and refuse the third
without loading it."""

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


class _Trap:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (open, (self.marker, "w"))


class _TrapAnswer:
    def to_wire(self) -> _Trap:
        return _Trap(os.environ["ZKCLEAR_EVIL_MARKER"])


def _pickle(self: ProverPlugin, task: ProofTask) -> Any:
    return _TrapAnswer()


def _hang(self: ProverPlugin, task: ProofTask) -> ProofResult:
    time.sleep(3600)
    raise AssertionError("unreachable in a test")


def dask_setup(worker: Any) -> None:
    mode = os.environ.get("ZKCLEAR_EVIL_WORKER", "corrupt")
    ProverPlugin.prove = {"corrupt": _corrupt, "hang": _hang, "pickle": _pickle}[mode]  # type: ignore[method-assign]
