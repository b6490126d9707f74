"""The node's prover stage: closed batches proven in number order, `closed -> proving -> proven`
(the batch pipeline contract, protocol.md 11 "Proving stage").

The work runs in one spawned worker process (sequencer.proving.worker): the node's process only
reads and writes batch rows (on one thread of its own) and publishes their changes.  The stage starts in the background: the
node serves at once while the worker compiles the circuit and opens (or makes, once) the key set;
batches stay `closed` until then.  Every status change is committed (its own SQLite connection,
a short UPDATE beside the journal writer) before it is published on the `batches` stream:
- before proving, the row becomes `proving` (prove_attempts counts the attempt);
- a proof, verified in the worker, makes it `proven` with its info;
- a failure returns it to `closed` with prove_error and prove_attempts, logged, and the same batch
  is tried again after an exponential back-off (a dead worker process is replaced first).
After a kill -9 the next start finds the first batch not proven: `proving` or `closed` is proved
(again); `proven` and later never are.  Keys refused for this circuit (ProverKeyError) stop the
stage with the error logged and shown by `GET /v1/health`; the node keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar

from sequencer.config import ExchangeConfig
from sequencer.journal.store import BatchRow, Store
from sequencer.node import models as M
from sequencer.node.answers import batch_json
from sequencer.node.config import NodeConfig
from sequencer.node.stream import StreamHub
from sequencer.proving import worker
from sequencer.proving.keys import ProverKeyError, key_dir

__all__ = ["ProverStage"]

log = logging.getLogger("zkclear.prover")
T = TypeVar("T")

TO_PROVE = ("closed", "proving")
POLL_S = 1.0  # look for new batches at least this often (a closed batch also wakes the stage)
BACKOFF_S = 1.0  # first retry delay after a failure, doubled per failure of the same batch
BACKOFF_MAX_S = 300.0


class ProverStage:
    def __init__(
        self,
        config: NodeConfig,
        exchange_config: ExchangeConfig,
        hub: StreamHub,
        durable_seq: Callable[[], int],
        written: Callable[[], Awaitable[None]],
    ) -> None:
        self.config = config
        self.shape = config.shape
        self.hub = hub
        self._durable_seq = durable_seq
        self._written = written
        keys = config.prover_keys
        self.spec = worker.WorkerSpec(
            exchange_config,
            config.data_dir,
            self.shape,
            keys if keys is not None else key_dir(config.data_dir, self.shape),
            make_keys=keys is None,
            test_key=config.prover_test_key,
        )
        self.state: Literal["loading", "ready", "failed", "stopped"] = "loading"
        self.error: str | None = None
        self.loaded: worker.Loaded | None = None
        self.last_proven: int | None = None
        self._store: Store | None = None
        # the stage's SQLite connection lives on one thread: a write cut off by stop() finishes
        # before the connection is closed behind it
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prover-db")
        self._pool: ProcessPoolExecutor | None = None
        self._worker_pid: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._next = 0  # every batch below this is proven (or later)

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        self._store = await self._on_db(Store, self.config.journal_path)
        self._task = asyncio.create_task(self._run(), name="prover-stage")

    async def stop(self) -> None:
        """Stop at once: a proof in flight is abandoned (its batch stays `proving`, proved again at
        the next start), the worker process killed rather than waited for."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._drop_pool()
        if self._store is not None:
            await self._on_db(self._store.close)
            self._store = None
        self._db.shutdown(wait=True)
        self.state = "stopped"

    def kick(self) -> None:
        """A batch was closed: look for work now."""
        self._wake.set()

    def health(self) -> M.ProverHealth:
        return {
            "state": self.state,
            "shape": self.shape.name,
            "error": self.error,
            "last_proven": self.last_proven,
        }

    async def _on_db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    # -- the worker process ----------------------------------------------------------------------
    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.init,
            initargs=(logging.getLogger().getEffectiveLevel(),),
        )

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = self._new_pool()
            # the worker's pid first (it has run its initializer): stop() kills it by its id
            self._worker_pid = await loop.run_in_executor(self._pool, os.getpid)
        return await loop.run_in_executor(self._pool, fn, *args)

    async def _drop_pool(self) -> None:
        """Kill the worker (a proof or a key being made can take minutes) and shut the pool down."""
        pool, self._pool = self._pool, None
        pid, self._worker_pid = self._worker_pid, None
        self.loaded = None
        if pool is None:
            return
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def _load(self) -> None:
        """Start the worker and load the prover, retrying (with back-off) anything but refused keys."""
        failures = 0
        while True:
            self.state = "loading"
            try:
                self.loaded = await self._call(worker.load, self.spec)
            except ProverKeyError:
                raise
            except Exception as exc:  # a dead worker, a full disk while making keys, ...
                failures += 1
                self.error = f"{type(exc).__name__}: {exc}"
                log.error("prover: loading failed (%s); retrying", self.error)
                await self._drop_pool()
                await asyncio.sleep(_backoff(failures))
                continue
            self.error = None
            ld = self.loaded
            log.info(
                "prover: %s ready in %.1fs (%d constraints, keys %s%s)",
                self.shape.name,
                ld.load_s,
                ld.n_constraints,
                ld.keys_dir,
                ", made now" if ld.made else "",
            )
            self.state = "ready"
            return

    # -- proving -------------------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            await self._load()
            while True:
                row = await self._next_batch()
                await self._prove(row)
        except ProverKeyError as exc:
            self.state, self.error = "failed", str(exc)
            log.error("prover: refusing the proving keys: %s", exc)
            await self._drop_pool()
        except Exception as exc:  # the stage's own database writes failed: stop, loudly
            self.state, self.error = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("prover: the stage stopped")
            await self._drop_pool()

    async def _next_batch(self) -> BatchRow:
        assert self._store is not None
        store = self._store
        while True:
            await self._written()  # batch rows the node has closed so far are committed
            row = await self._on_db(store.first_batch_in, TO_PROVE, self._next)
            if row is not None:
                return row
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_S)
            self._wake.clear()

    async def _prove(self, row: BatchRow) -> None:
        n = row.number
        attempts = int(row.info.get("prove_attempts") or 0) + 1
        await self._set(n, "proving", {"prove_attempts": attempts})
        t = time.perf_counter()
        try:
            if self.loaded is None:
                await self._load()
            info = await self._call(worker.prove_batch, n)
        except ProverKeyError:
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, BrokenProcessPool):
                error = f"the prover process died ({exc})"
                await self._drop_pool()
            self.error = error
            await self._set(n, "closed", {"prove_error": error, "prove_attempts": attempts})
            delay = _backoff(attempts)
            log.error("prover: batch %d, attempt %d failed: %s; retrying in %.0fs", n, attempts, error, delay)
            await asyncio.sleep(delay)
            return
        await self._set(n, "proven", {**info, "prove_error": None, "prove_attempts": attempts})
        self.error = None
        self.last_proven = n
        self._next = n + 1
        log.info("prover: batch %d proven in %.2fs", n, time.perf_counter() - t)

    async def _set(self, number: int, status: str, info: dict[str, Any]) -> None:
        """Commit the status, then publish the row on the `batches` stream."""
        assert self._store is not None
        store = self._store

        def write() -> BatchRow | None:
            store.set_batch_status(number, status, info)
            return store.batch(number)

        row = await self._on_db(write)
        if row is not None:
            self.hub.publish(row.last_seq, "batches", {"type": "batch", **batch_json(row)})
            self.hub.on_durable(self._durable_seq())


def _backoff(failures: int) -> float:
    return float(min(BACKOFF_MAX_S, BACKOFF_S * 2 ** max(0, failures - 1)))
