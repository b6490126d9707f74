"""The prover stage's input builder: one spawned local process (a `ProcessPoolExecutor` of one) that
does the CPU-heavy work the node owes the prover pool, so the node's event loop and GIL stay free
for orders.

`init` (the pool's initializer) lowers the process's CPU priority, asks the kernel to kill it
when the node dies (a kill -9 of the node leaves no orphan on), and sets up logging like the
node's.  `load` compiles the batch circuit once, ensures the key set (made once when missing:
minutes at large shapes, logged step by step), hashes the zkey (the jobs name the key by it) and
opens the follower over the node's journal; `build(number)` replays to the batch and returns its
job: the circuit's free inputs (encoded for the wire) and the batch row's `proven` info that does
not depend on the proof (public input and data, validium state diff; protocol.md 11).  The proof
itself is made by a pool worker (sequencer.proving.task) and checked by the node.  State lives in
module globals: one process, one loaded builder.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circuits.batch.batch import BatchCircuit, BatchShape
from prover.formats.json_files import VerifyingKey
from prover.progress import Progress
from prover.verify import check_vk
from sequencer.config import ExchangeConfig
from sequencer.proving.follower import Follower
from sequencer.proving.keys import ensure_keys
from sequencer.proving.task import encode_inputs

__all__ = ["BuildSpec", "Built", "Loaded", "build", "init", "load"]

log = logging.getLogger("zkclear.prover")
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class BuildSpec:
    """What the builder needs to load (sent once, pickled)."""

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
    zkey_sha256: str  # the jobs' name for the proving key
    vk: VerifyingKey  # checked (check_vk): the node verifies each returned proof under it
    made: bool
    n_constraints: int
    load_s: float


@dataclass(frozen=True)
class Built:
    """One closed batch's job, as the builder makes it."""

    number: int
    inputs: bytes  # task.encode_inputs of the circuit's free inputs
    info: dict[str, Any]  # the `proven` info but the proof and its time
    build_s: float


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
class _Builder:
    spec: BuildSpec
    follower: Follower


_state: _Builder | None = None


def init(log_level: int) -> None:
    """The pool's initializer (runs once in the fresh process)."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)  # replay is throughput work: the node's loop and I/O threads come first
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def load(spec: BuildSpec) -> Loaded:
    """Compile the circuit, ensure and hash the keys, open the follower (once per process)."""
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
    with open(keys.zkey, "rb") as fh:
        zkey_sha = hashlib.file_digest(fh, "sha256").hexdigest()
    vk = check_vk(keys.vk)  # once: each proof's verification then skips the key's point checks
    _state = _Builder(spec, Follower(spec.config, spec.data_dir, spec.shape))
    return Loaded(
        keys.dir, keys.r1cs_sha256, zkey_sha, vk, keys.made, program.n_constraints, time.perf_counter() - t
    )


def build(number: int) -> Built:
    """Closed batch `number`'s job: replayed to the batch, its circuit inputs and known info."""
    st = _state
    if st is None:
        raise RuntimeError("the input builder is not loaded")
    t = time.perf_counter()
    b = st.follower.batch(number)
    info = b.row_info(st.spec.shape)
    return Built(number, encode_inputs(b.inputs.inputs), info, time.perf_counter() - t)
