"""The prover pool's worker side: what one proof job sends, the Dask worker plugin that holds the
compiled circuits and proving keys, and the task a worker runs (protocol.md 11, "Prover pool").

A `ProofTask` is the only thing that travels per job: the batch number, its shape, the proving
key's sha256 and the circuit's free inputs (pickled, zlib-compressed: a few KB); never the proving
key.  `ProverPlugin` (installed on each worker by `zkclear prover-worker` or by the node's embedded
cluster) finds a key by its sha256 among the key sets in its folder (`<dir>/batch.zkey` or
`<dir>/<shape>/batch.zkey`, the layout sequencer.proving.keys writes), and keeps, per key, the
compiled circuit and the opened (memory-mapped) zkey, so each is loaded once per worker process.
`prove_task` solves the full assignment from the inputs and proves; the node verifies the result
itself (a worker is not trusted).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import threading
import time
import zlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from distributed import Worker, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from circuits.batch.batch import BatchCircuit, BatchShape
from circuits.dsl import Program
from native._lib import lib
from native.engine import get_engine
from protocol.pubdata.fields import Mode
from prover.formats.json_files import proof_to_json
from prover.formats.zkey import ZKey, read_zkey
from prover.prove import prove

__all__ = [
    "PLUGIN_NAME",
    "ProofResult",
    "ProofTask",
    "ProverPlugin",
    "UnknownProvingKey",
    "decode_inputs",
    "encode_inputs",
    "prove_task",
    "shape_from_name",
]

log = logging.getLogger("zkclear.prover")
PLUGIN_NAME = "zkclear-prover"
KEY_FILE = "batch.zkey"


def encode_inputs(inputs: dict[str, Any]) -> bytes:
    return zlib.compress(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL), 6)


def decode_inputs(blob: bytes) -> dict[str, Any]:
    out = pickle.loads(zlib.decompress(blob))
    if not isinstance(out, dict):
        raise ValueError("the job's inputs are not a mapping")
    return out


def shape_from_name(name: str) -> BatchShape:
    """The inverse of BatchShape.name (`batch_s<slots>_q<queue>_w<withdrawals>_<mode>`)."""
    try:
        _, s, q, w, mode = name.split("_")
        if s[0] != "s" or q[0] != "q" or w[0] != "w":
            raise ValueError
        shape = BatchShape(int(s[1:]), int(q[1:]), int(w[1:]), Mode[mode.upper()])
    except (ValueError, KeyError, IndexError):
        raise ValueError(f"not a batch shape name: {name!r}") from None
    if shape.name != name:
        raise ValueError(f"not a batch shape name: {name!r}")
    return shape


@dataclass(frozen=True)
class ProofTask:
    """One job as it travels to a worker."""

    batch: int
    shape: str
    key_sha256: str
    inputs: bytes

    def wire_bytes(self) -> int:
        """Its size as it travels (pickled by Dask's client)."""
        return len(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))


@dataclass(frozen=True)
class ProofResult:
    batch: int
    proof: dict[str, Any]  # snarkjs proof.json
    public: list[str]  # the public signals the prover computed (decimal)
    prove_s: float  # solving and proving on the worker (not loading the circuit and key)
    worker: str  # the address the worker reports (the node records the scheduler's view first)

    def to_wire(self) -> dict[str, Any]:
        """What a worker sends back: plain data, which Dask moves as msgpack (never a pickle the
        node would have to load: the node's client deserializes results with msgpack only)."""
        return asdict(self)

    @classmethod
    def from_wire(cls, obj: object) -> ProofResult:
        """A worker's answer, checked for shape (its proof is checked by the node afterwards);
        ValueError when it is not one."""
        names = [f.name for f in fields(cls)]
        plain = _lists(obj)
        if not isinstance(plain, dict) or set(plain) != set(names):
            raise ValueError("the worker's answer is not a proof result")
        batch, proof, public, prove_s, worker = (plain[k] for k in names)
        if (
            type(batch) is not int
            or not isinstance(proof, dict)
            or not (isinstance(public, list) and all(isinstance(x, str) for x in public))
            or type(prove_s) not in (int, float)
            or not isinstance(worker, str)
        ):
            raise ValueError("the worker's answer has fields of the wrong types")
        return cls(batch, proof, public, float(prove_s), worker)


def _lists(obj: object) -> object:
    """msgpack gives tuples where the worker sent lists: back to JSON's shapes."""
    if isinstance(obj, tuple | list):
        return [_lists(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _lists(v) for k, v in obj.items()}
    return obj


class UnknownProvingKey(LookupError):
    """The worker's key folder holds no proving key with the job's sha256."""


class _Loaded:
    def __init__(self, program: Program, zkey: ZKey) -> None:
        self.program = program
        self.zkey = zkey


def _sha256_file(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class ProverPlugin(WorkerPlugin):
    """Per worker process: the key folder, each zkey's sha256 (hashed once per file version) and the
    circuits and keys loaded so far."""

    name = PLUGIN_NAME

    def __init__(self, keys: Path, zk_threads: int = 0, nice: int = 0) -> None:
        self.keys = Path(keys)
        self.zk_threads = zk_threads  # native threads per proof (0: ZK_THREADS or every core)
        self.nice = nice
        self._lock = threading.Lock()
        self._hashes: dict[tuple[Path, int, int], str] = {}
        self._loaded: dict[str, _Loaded] = {}

    def __getstate__(self) -> dict[str, Any]:  # sent to spawned workers: settings only
        return {"keys": self.keys, "zk_threads": self.zk_threads, "nice": self.nice}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def setup(self, worker: Worker) -> None:
        if self.zk_threads > 0:
            lib.zk_set_num_threads(self.zk_threads)
        if self.nice:
            with contextlib.suppress(OSError):
                os.nice(self.nice)  # the embedded pool: the node's loop and I/O threads come first

    def teardown(self, worker: Worker) -> None:
        with self._lock:
            for ld in self._loaded.values():
                ld.zkey.close()
            self._loaded.clear()

    def _find(self, sha: str) -> Path:
        candidates = [self.keys / KEY_FILE, *sorted(self.keys.glob(f"*/{KEY_FILE}"))]
        for path in candidates:
            try:
                st = path.stat()
            except OSError:
                continue
            mark = (path, st.st_size, st.st_mtime_ns)
            if mark not in self._hashes:
                self._hashes[mark] = _sha256_file(path)
            if self._hashes[mark] == sha:
                return path
        raise UnknownProvingKey(f"no proving key with sha256 {sha[:16]}.. under {self.keys}")

    def loaded(self, shape_name: str, sha: str) -> _Loaded:
        with self._lock:  # a worker with several threads loads each key once
            got = self._loaded.get(sha)
            if got is None:
                t = time.perf_counter()
                path = self._find(sha)
                program = BatchCircuit(shape_from_name(shape_name)).program
                got = self._loaded[sha] = _Loaded(program, read_zkey(path))
                log.info("prover worker: loaded %s (%s) in %.1fs", shape_name, path, time.perf_counter() - t)
            return got

    def prove(self, task: ProofTask) -> ProofResult:
        ld = self.loaded(task.shape, task.key_sha256)
        t = time.perf_counter()
        solved = ld.program.solve(decode_inputs(task.inputs))
        res = prove(ld.zkey, solved.to_wtns(), get_engine())
        return ProofResult(
            task.batch,
            proof_to_json(res.proof),
            [str(x) for x in res.public],
            round(time.perf_counter() - t, 3),
            get_worker().address,
        )


def prove_task(task: ProofTask) -> dict[str, Any]:
    """The task a worker runs for one job (through its ProverPlugin); its ProofResult's wire form."""
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, ProverPlugin):
        raise RuntimeError(
            f"this Dask worker has no {PLUGIN_NAME} plugin (start it with `zkclear prover-worker`)"
        )
    return plugin.prove(task).to_wire()
