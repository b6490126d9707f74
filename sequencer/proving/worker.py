"""The prover process: everything CPU-heavy of the prover stage, in one spawned worker process
(a `ProcessPoolExecutor` of one), so the node's event loop and GIL stay free for orders.

`init` (the pool's initializer) lowers the process's CPU priority, asks the kernel to kill it
when the node dies (a kill -9 of the node leaves no orphan proving on), and sets up logging like
the node's.  `load` compiles the batch circuit once, ensures the key set (made once when missing:
minutes at large shapes, logged step by step) and opens the zkey once (memory-mapped) with the
follower over the node's journal; `prove_batch(number)` replays to the batch, solves its witness,
proves, verifies the proof against the key set's verification key, and returns the batch row's
`proven` info (the pipeline contract, protocol.md 11).  A proof that does not verify is an error,
never a result.  State lives in module globals: one worker, one loaded prover.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circuits.batch.batch import BatchCircuit, BatchShape
from circuits.dsl import Program
from native.engine import get_engine
from prover.formats.json_files import VerifyingKey, proof_to_json
from prover.formats.zkey import ZKey, read_zkey
from prover.progress import Progress
from prover.prove import prove
from prover.verify import check_vk, verify
from sequencer.config import ExchangeConfig
from sequencer.proving.follower import Follower
from sequencer.proving.keys import ensure_keys

__all__ = ["Loaded", "WorkerSpec", "init", "load", "prove_batch"]

log = logging.getLogger("zkclear.prover")
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class WorkerSpec:
    """What the worker needs to load (sent once, pickled)."""

    config: ExchangeConfig
    data_dir: Path
    shape: BatchShape
    keys_dir: Path
    make_keys: bool  # False: an operator's folder (--prover-keys), never written
    test_key: bool


@dataclass(frozen=True)
class Loaded:
    """What `load` reports back to the stage."""

    keys_dir: Path
    r1cs_sha256: str
    made: bool
    n_constraints: int
    load_s: float


class LogProgress(Progress):
    """Key making's progress as log lines (the node's log; one line per step, with its time)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._step: tuple[str, float] | None = None

    def step(self, name: str, total: float = 1) -> Progress:
        self._end()
        self._step = (name, time.perf_counter())
        log.warning("%s: %s ...", self.what, name)
        return self

    def _end(self) -> None:
        if self._step is not None:
            name, t = self._step
            log.warning("%s: %s done in %.1fs", self.what, name, time.perf_counter() - t)
            self._step = None

    def done(self) -> None:
        self._end()


@dataclass
class _Prover:
    spec: WorkerSpec
    program: Program
    zkey: ZKey
    vk: VerifyingKey
    follower: Follower


_state: _Prover | None = None


def init(log_level: int) -> None:
    """The pool's initializer (runs once in the fresh worker process)."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)  # proving is throughput work: the node's loop and I/O threads come first
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def load(spec: WorkerSpec) -> Loaded:
    """Compile the circuit, ensure and open the keys, open the follower (once per worker)."""
    global _state
    t = time.perf_counter()
    program = BatchCircuit(spec.shape).program
    progress = LogProgress(f"making the proving key of {spec.shape.name} (single-party: devnets only)")
    keys = ensure_keys(
        spec.keys_dir,
        spec.shape,
        program,
        progress,
        make=spec.make_keys,
        test_key=spec.test_key,
    )
    zkey = read_zkey(keys.zkey)
    vk = check_vk(keys.vk)  # once: each proof's verification then skips the key's point checks
    _state = _Prover(spec, program, zkey, vk, Follower(spec.config, spec.data_dir, spec.shape))
    return Loaded(keys.dir, keys.r1cs_sha256, keys.made, program.n_constraints, time.perf_counter() - t)


class ProofRejected(RuntimeError):
    """Our own verifier refused a proof the prover just made (a bad key or a prover bug)."""


def prove_batch(number: int) -> dict[str, Any]:
    """Prove closed batch `number`; the row's `proven` info (protocol.md 11)."""
    st = _state
    if st is None:
        raise RuntimeError("the prover worker is not loaded")
    t = time.perf_counter()
    b = st.follower.batch(number)
    ci = b.inputs
    solved = st.program.solve(ci.inputs)
    res = prove(st.zkey, solved.to_wtns(), get_engine())
    if res.public != [ci.public_input] or not verify(st.vk, res.public, res.proof, vk_checked=True):
        raise ProofRejected(f"batch {number}: the proof does not verify under the key set's verification key")
    shape = st.spec.shape
    info: dict[str, Any] = {
        "shape": shape.name,
        "slots": shape.slots,
        "mode": shape.mode.name.lower(),
        "public_input": str(ci.public_input),
        "public_data": "0x" + ci.data.hex(),
        "proof": proof_to_json(res.proof),
        "prove_s": round(time.perf_counter() - t, 3),
    }
    if b.state_diff is not None and b.state_diff_hash is not None:
        info["state_diff"] = "0x" + b.state_diff.hex()
        info["state_diff_hash"] = "0x" + b.state_diff_hash.hex()
    return info
