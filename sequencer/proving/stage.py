"""The node's prover stage: every closed batch becomes a job of the prover pool and its row moves
`closed -> proving -> proven` (the batch pipeline contract, protocol.md 11 "Proving stage" and
"Prover pool").

Three parts, all driven from the node's event loop:
- the input builder, one spawned local process (sequencer.proving.builder): compiles the circuit,
  opens (or makes, once) the key set, follows the journal and turns each closed batch, in number
  order, into a job (its circuit inputs and the row's `proven` info but the proof), stored in the
  `prove_job` table (sequencer.proving.jobs) before it is dispatched;
- the pool (sequencer.proving.pool): Dask distributed, an embedded LocalCluster or an operator's
  scheduler; up to `capacity` jobs (the workers' task threads) run at once, dispatched lowest batch
  first, and complete in any order (the L1 submitter sends batches in number order);
- the check: a returned proof is verified here, under the key set's verification key, for the
  public input the node built itself, before its row becomes `proven` (a worker is not trusted).
A failed attempt (an error on the worker, a proof rejected, workers killed more often than Dask's
allowed failures, no result within the job's deadline) returns the row to `closed` with
`prove_error`, and the job is dispatched again after an exponential back-off under a new task key,
away from a worker whose proof was rejected.  Every change is committed before it is published on
the `batches` stream.  After a kill -9 the next start dispatches every job not `done` again from
its stored inputs and builds jobs for the batches that have none; a `proven` row is never proved
again.  Keys refused for this circuit (ProverKeyError) stop the stage with the error logged and
shown by `GET /v1/health`; the node keeps serving.
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

from distributed import Future
from distributed.scheduler import KilledWorker

from prover.formats.json_files import proof_from_json
from prover.verify import verify
from sequencer.config import ExchangeConfig
from sequencer.node import models as M
from sequencer.node.answers import batch_json
from sequencer.node.config import NodeConfig
from sequencer.node.stream import StreamHub
from sequencer.proving import builder
from sequencer.proving.jobs import Job, JobStore
from sequencer.proving.keys import ProverKeyError, key_dir
from sequencer.proving.pool import ProverPool
from sequencer.proving.task import ProofResult, ProofTask

__all__ = ["ProverStage"]

log = logging.getLogger("zkclear.prover")
T = TypeVar("T")

TO_PROVE = ("closed", "proving")
POLL_S = 1.0  # look for new batches and workers at least this often (a closed batch also wakes it)
BACKOFF_S = 1.0  # first retry delay after a failure, doubled per failure of the same batch
BACKOFF_MAX_S = 300.0
AHEAD = 2  # jobs built beyond the pool's capacity, so a freed worker never waits for a replay
JOB_TIMEOUT_MIN_S = 600.0  # the automatic per-job deadline: at least this, and 10x the slowest proof


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
        self.spec = builder.BuildSpec(
            exchange_config,
            config.data_dir,
            self.shape,
            keys if keys is not None else key_dir(config.data_dir, self.shape),
            make_keys=keys is None,
            test_key=config.prover_test_key,
        )
        self.state: Literal["loading", "ready", "failed", "stopped"] = "loading"
        self.error: str | None = None
        self.loaded: builder.Loaded | None = None
        self.pool: ProverPool | None = None
        self.last_proven: int | None = None
        self.job_bytes: int | None = None  # the last job's size on the wire (its pickled task)
        self._store: JobStore | None = None
        # the stage's SQLite connection lives on one thread: a write cut off by stop() finishes
        # before the connection is closed behind it
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prover-db")
        self._builder: ProcessPoolExecutor | None = None
        self._builder_pid: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._jobs: dict[int, asyncio.Task[None]] = {}  # a task per job not done, by batch
        self._in_flight: dict[int, Future | None] = {}  # None: a thread taken, not yet submitted
        self._waiting: set[int] = set()  # jobs waiting for a free worker thread
        self._wake = asyncio.Event()  # a batch closed
        # waiters for a thread freed or a job ended (several at once: each is woken, none misses it)
        self._freed: set[asyncio.Future[None]] = set()
        self._next = 0  # the builder's position: every batch below it has a job (or is proven)
        self._slowest_s = 0.0
        self._reconnecting = asyncio.Lock()
        self._refreshed_at = 0.0  # when the pool's workers were last looked up (monotonic)

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        self._store = await self._on_db(JobStore, self.config.journal_path)
        self._task = asyncio.create_task(self._run(), name="prover-stage")

    async def stop(self) -> None:
        """Stop at once: jobs in flight are abandoned (their rows stay `proving`, their jobs
        `running`, dispatched again at the next start), the builder process killed."""
        tasks = [t for t in (self._task, *self._jobs.values()) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._task = None
        self._jobs.clear()
        pool, self.pool = self.pool, None
        if pool is not None:
            for fut in list(self._in_flight.values()):
                if fut is not None:
                    await pool.cancel(fut)
            await pool.close()
        self._in_flight.clear()
        await self._drop_builder()
        if self._store is not None:
            await self._on_db(self._store.close)
            self._store = None
        self._db.shutdown(wait=True)
        self.state = "stopped"

    def kick(self) -> None:
        """A batch was closed: look for work now."""
        self._wake.set()

    def health(self) -> M.ProverHealth:
        out: M.ProverHealth = {
            "state": self.state,
            "shape": self.shape.name,
            "error": self.error,
            "last_proven": self.last_proven,
        }
        if self.pool is not None:
            info = self.pool.info()
            out["pool"] = {
                "scheduler": info.scheduler,
                "embedded": info.embedded,
                "workers": len(info.workers),
                "threads": sum(w.nthreads for w in info.workers.values()),
                "in_flight": len(self._in_flight),
                "queued": len(self._jobs) - len(self._in_flight),
                "job_bytes": self.job_bytes,
            }
        return out

    async def _on_db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    # -- the builder process -------------------------------------------------------------------
    def _new_builder(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=builder.init,
            initargs=(logging.getLogger().getEffectiveLevel(),),
        )

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        if self._builder is None:
            self._builder = self._new_builder()
            # its pid first (it has run its initializer): stop() kills it by its id
            self._builder_pid = await loop.run_in_executor(self._builder, os.getpid)
        return await loop.run_in_executor(self._builder, fn, *args)

    async def _drop_builder(self) -> None:
        """Kill the builder (a replay or a key being made can take minutes) and shut it down."""
        pool, self._builder = self._builder, None
        pid, self._builder_pid = self._builder_pid, None
        self.loaded = None
        if pool is None:
            return
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def _load(self) -> None:
        """Start the builder and load it, retrying (with back-off) anything but refused keys."""
        failures = 0
        while True:
            self.state = "loading"
            try:
                self.loaded = await self._call(builder.load, self.spec)
            except ProverKeyError:
                raise
            except Exception as exc:  # a dead process, a full disk while making keys, ...
                failures += 1
                self.error = f"{type(exc).__name__}: {exc}"
                log.error("prover: loading failed (%s); retrying", self.error)
                await self._drop_builder()
                await asyncio.sleep(_backoff(failures))
                continue
            self.error = None
            ld = self.loaded
            log.info(
                "prover: %s ready in %.1fs (%d constraints, keys %s%s, zkey sha256 %s)",
                self.shape.name,
                ld.load_s,
                ld.n_constraints,
                ld.keys_dir,
                ", made now" if ld.made else "",
                ld.zkey_sha256[:16],
            )
            return

    async def _connect(self) -> ProverPool:
        """The pool: the operator's scheduler, else an embedded cluster; retried with back-off."""
        assert self.loaded is not None
        failures = 0
        where = self.config.prover_scheduler
        while True:
            try:
                if where:
                    pool = await ProverPool.connect(where)
                else:
                    pool = await ProverPool.embedded(self.loaded.keys_dir)
                await pool.refresh()
            except Exception as exc:
                failures += 1
                self.error = f"prover pool: {type(exc).__name__}: {exc}"
                log.error("prover: %s; retrying", self.error)
                await asyncio.sleep(_backoff(failures))
                continue
            self.error = None
            info = pool.info()
            log.info(
                "prover: pool at %s (%s), %d workers, %d threads",
                info.scheduler,
                "embedded" if info.embedded else "external",
                len(info.workers),
                pool.capacity,
            )
            return pool

    # -- the stage -----------------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            await self._load()
            self.pool = await self._connect()
            self.state = "ready"
            await self._recover()
            await self._build_loop()
        except ProverKeyError as exc:
            self.state, self.error = "failed", str(exc)
            log.error("prover: refusing the proving keys: %s", exc)
            await self._drop_builder()
        except Exception as exc:  # the stage's own database writes failed: stop, loudly
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.state, self.error = "failed", f"{type(exc).__name__}: {exc}"
        log.error("prover: the stage stopped", exc_info=exc)
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()

    async def _recover(self) -> None:
        """After a restart: every job not done is dispatched again (a job of another shape is
        dropped and built again; one for another key of this shape names the current key)."""
        assert self._store is not None and self.loaded is not None
        store, sha = self._store, self.loaded.zkey_sha256
        for job in await self._on_db(store.unfinished_jobs):
            if job.shape != self.shape.name:
                await self._on_db(store.drop_job, job.batch)
                continue
            if job.key_sha256 != sha:
                await self._on_db(store.rekey, job.batch, sha)
                rekeyed = await self._on_db(store.job, job.batch)
                assert rekeyed is not None
                job = rekeyed
            log.info(
                "prover: batch %d: its job (attempt %d) is dispatched again", job.batch, job.attempts + 1
            )
            self._spawn(job)

    def _spawn(self, job: Job) -> None:
        t = asyncio.create_task(self._run_job(job), name=f"prove-{job.batch}")
        self._jobs[job.batch] = t

        def done(t: asyncio.Task[None]) -> None:
            if self._jobs.get(job.batch) is t:
                del self._jobs[job.batch]
            self._free()
            if not t.cancelled() and t.exception() is not None:
                self._failed(t.exception())  # type: ignore[arg-type]

        t.add_done_callback(done)

    async def _build_loop(self) -> None:
        assert self._store is not None and self.loaded is not None and self.pool is not None
        store = self._store
        failures = 0
        while True:
            while len(self._jobs) >= self.pool.capacity + AHEAD:  # far enough ahead of the workers
                await self._wait(None)
            row = await self._on_db(store.first_batch_without_job, TO_PROVE, self._next)
            if row is None:
                await self._written()  # batch rows the node has closed so far are committed
                row = await self._on_db(store.first_batch_without_job, TO_PROVE, self._next)
            if row is None:
                await self._wait(self._wake)
                continue
            try:
                if self.loaded is None:
                    await self._load()
                built = await self._call(builder.build, row.number)
            except ProverKeyError:
                raise
            except Exception as exc:
                failures += 1
                error = f"{type(exc).__name__}: {exc}"
                if isinstance(exc, BrokenProcessPool):
                    error = f"the input builder process died ({exc})"
                    await self._drop_builder()
                self.error = error
                await self._on_db(store.set_batch_status, row.number, row.status, {"prove_error": error})
                await self._publish(row.number)
                delay = _backoff(failures)
                log.error(
                    "prover: batch %d: building its job failed: %s; retrying in %.0fs",
                    row.number,
                    error,
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            failures = 0
            assert self.loaded is not None
            job = await self._on_db(
                store.add_job, row.number, self.shape.name, self.loaded.zkey_sha256, built.inputs, built.info
            )
            self._next = row.number + 1
            self._spawn(job)

    def _free(self) -> None:
        """Wake every task waiting for a freed thread or an ended job."""
        for f in self._freed:
            if not f.done():
                f.set_result(None)
        self._freed.clear()

    async def _wait(self, ev: asyncio.Event | None) -> None:
        """Until `ev` is set (None: a thread freed or a job ended), at most POLL_S; then the
        pool's workers are looked up again (and its scheduler reconnected if it was lost)."""
        if ev is None:
            f = asyncio.get_running_loop().create_future()
            self._freed.add(f)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(f, POLL_S)
            self._freed.discard(f)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ev.wait(), POLL_S)
            ev.clear()
        if self.pool is None:
            return
        if self.pool.lost:  # the client gave up on the scheduler: a new client, when it is back
            async with self._reconnecting:
                if self.pool.lost:
                    log.error("prover: lost the pool's scheduler %s; reconnecting", self.pool.scheduler)
                    old, self.pool = self.pool, await self._connect()
                    await old.close()
        if time.monotonic() - self._refreshed_at >= POLL_S:
            self._refreshed_at = time.monotonic()
            with contextlib.suppress(Exception):  # the scheduler away: the last known workers
                await self.pool.refresh()

    async def _slot(self, number: int) -> None:
        """Wait for a free worker thread and take it (the lowest waiting batch goes first)."""
        assert self.pool is not None
        self._waiting.add(number)
        try:
            while len(self._in_flight) >= self.pool.capacity or number != min(self._waiting):
                await self._wait(None)
            self._in_flight[number] = None  # taken now: no await between the check and this
        finally:
            self._waiting.discard(number)
            self._free()  # the next waiting batch looks again

    def _deadline(self) -> float:
        if self.config.prover_job_timeout_s > 0:
            return self.config.prover_job_timeout_s
        return max(JOB_TIMEOUT_MIN_S, 10 * self._slowest_s)

    async def _run_job(self, job: Job) -> None:
        """Dispatch the job until its proof is verified and committed."""
        assert self._store is not None
        store = self._store
        task = ProofTask(job.batch, job.shape, job.key_sha256, job.inputs)
        self.job_bytes = task.wire_bytes()
        avoid: set[str] = set()
        failures = 0
        n = job.batch
        while True:
            await self._slot(n)
            try:
                attempt = await self._on_db(store.start_attempt, n)
                await self._publish(n)
                error, worker = await self._attempt(job, task, attempt, avoid)
            finally:
                self._in_flight.pop(n, None)
                self._free()
            if error is None:
                return
            failures += 1
            self.error = error
            await self._on_db(store.fail_attempt, n, error, worker)
            await self._publish(n)
            delay = _backoff(failures)
            log.error("prover: batch %d, attempt %d failed: %s; retrying in %.0fs", n, attempt, error, delay)
            await asyncio.sleep(delay)

    async def _attempt(
        self, job: Job, task: ProofTask, attempt: int, avoid: set[str]
    ) -> tuple[str | None, str | None]:
        """One dispatch of the job: (why it failed, None once proven and committed; the worker).
        A worker whose proof is rejected, or that holds the job past its deadline (then restarted by
        its nanny: a thread stuck in a proof cannot be stopped), is avoided, by name, by the job's
        later attempts while there are other workers."""
        assert self._store is not None and self.pool is not None
        n, pool, deadline = job.batch, self.pool, self._deadline()
        with contextlib.suppress(Exception):  # the workers now (one may have joined since)
            await pool.refresh()
        fut = pool.submit(task, attempt, avoid)
        self._in_flight[n] = fut
        t = time.perf_counter()
        try:
            answer, worker = await asyncio.wait_for(pool.result(fut), deadline)
        except TimeoutError:
            hung = await pool.running_on(fut)
            await pool.cancel(fut)
            if hung is not None:
                avoid.add(pool.name_of(hung))
                await pool.restart(hung)
            return (
                f"no result within {deadline:.0f}s from worker {hung} (hung?); cancelled, worker restarted",
                hung,
            )
        except KilledWorker as exc:
            return f"the workers running it died ({exc})", None
        except asyncio.CancelledError:
            me = asyncio.current_task()
            if me is not None and me.cancelling():
                raise  # the stage stops
            return "the pool cancelled the job (its scheduler lost?)", None
        except Exception as exc:  # raised on the worker (an unknown key, ...) or the scheduler lost
            return f"{type(exc).__name__}: {exc}", None
        try:
            res = ProofResult.from_wire(answer)
        except ValueError as exc:
            if worker is not None:
                avoid.add(pool.name_of(worker))
            return f"the answer of worker {worker} was rejected: {exc}", worker
        worker = worker or res.worker
        why = await asyncio.to_thread(self._check, job, res)
        if why is not None:
            if worker is not None:
                avoid.add(pool.name_of(worker))
            return f"the proof from worker {worker} was rejected: {why}", worker
        info = {**job.info, "proof": res.proof, "prove_s": res.prove_s, "prove_worker": worker}
        if await self._on_db(self._store.finish, n, info, worker):
            self._slowest_s = max(self._slowest_s, res.prove_s)
            self.error = None
            self.last_proven = n if self.last_proven is None else max(self.last_proven, n)
            log.info(
                "prover: batch %d proven on %s in %.2fs (%.2fs on the worker, attempt %d)",
                n,
                worker,
                time.perf_counter() - t,
                res.prove_s,
                attempt,
            )
            await self._publish(n)
        return None, worker

    def _check(self, job: Job, res: ProofResult) -> str | None:
        """Why the worker's result is not a proof of the job's batch (None: it is)."""
        assert self.loaded is not None
        want = job.info["public_input"]
        if res.batch != job.batch or res.public != [want]:
            return f"it proves batch {res.batch} with public input {res.public}, not {want}"
        try:
            ok = verify(self.loaded.vk, [int(want)], proof_from_json(res.proof), vk_checked=True)
        except Exception as exc:  # a point off the curve, a malformed field, ...
            return f"it does not verify: not a proof ({type(exc).__name__}: {exc})"
        return None if ok else "it does not verify under the node's verification key"

    async def _publish(self, number: int) -> None:
        """Publish the row (committed) on the `batches` stream."""
        assert self._store is not None
        row = await self._on_db(self._store.batch, number)
        if row is not None:
            self.hub.publish(row.last_seq, "batches", {"type": "batch", **batch_json(row)})
            self.hub.on_durable(self._durable_seq())


def _backoff(failures: int) -> float:
    return float(min(BACKOFF_MAX_S, BACKOFF_S * 2 ** max(0, failures - 1)))
