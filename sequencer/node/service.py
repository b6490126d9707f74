"""The running node: opens the journal, rebuilds the state (snapshot + journal replay), and runs the
pipeline, batch closing, snapshots and the stream hub until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from protocol.slots import Usage
from sequencer.config import ExchangeConfig
from sequencer.exchange import Exchange
from sequencer.journal import Journal, JournalError, JournalIntegrityError, SnapshotDir
from sequencer.journal.store import BatchRow
from sequencer.l1.calls import Committee
from sequencer.l1.dac_client import committee_for
from sequencer.l1.stage import L1Stage
from sequencer.node.answers import batch_json
from sequencer.node.auth import TokenVerifier
from sequencer.node.config import NodeConfig
from sequencer.node.drafts import Draft
from sequencer.node.engine import Engine
from sequencer.node.errors import ApiError
from sequencer.node.gcpolicy import GcPolicy
from sequencer.node.latency import LatencyTrace
from sequencer.node.pipeline import Outcome, Pipeline
from sequencer.node.ratelimit import RateLimiter
from sequencer.node.stream import StreamHub
from sequencer.proving.stage import ProverStage

log = logging.getLogger("zkclear.node")

BATCH_TICK_S = 0.25
OPERATOR_TICK_S = 1.0
KEEPER_BATCH = 64  # liquidations submitted per round
KEEPER_ROUNDS = 16


def genesis_id(config: ExchangeConfig) -> str:
    """Identifies the genesis a data dir belongs to: domain and the genesis root (which commits to
    every market and exchange parameter)."""
    return f"{config.chain_id}:{config.rollup_address:#042x}:{Exchange(config).state_root}"


class Node:
    def __init__(self, config: NodeConfig, exchange_config: ExchangeConfig) -> None:
        self.config = config
        self.exchange_config = exchange_config
        self.journal: Journal | None = None
        self.engine: Engine | None = None
        self.pipeline: Pipeline | None = None
        self.hub = StreamHub()
        self.tokens: TokenVerifier | None = None
        self.prover: ProverStage | None = None
        # per-stage latency samples (GET /v1/devnet/latency); devnet nodes only
        self.trace: LatencyTrace | None = LatencyTrace() if config.devnet else None
        self.started_at = time.time()
        self.replayed = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._closing_batch = False
        self._last_snapshot_seq = 0
        self._snap_pid: int | None = None
        self.snapshots = SnapshotDir(config.data_dir / "snapshots")
        self._stopping = False
        self.gc = GcPolicy()  # when garbage is collected (sequencer.node.gcpolicy)
        self._keeper_kick = asyncio.Event()
        self.l1: L1Stage | None = None  # with an L1 (config.l1_rpc / l1_web3)
        self.committee: Committee | None = None  # validium: the data-availability committee
        self._hasher = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="batch-hash", initializer=_lower_priority
        )

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        cfg = self.config
        if cfg.l1_rpc is not None or cfg.l1_web3 is not None:  # options checked before anything starts
            self.l1 = L1Stage(
                cfg, self.exchange_config, self._queue_state, self.submit, self.committee, self._publish_batch
            )
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        journal = Journal(cfg.journal_path, fault_commit_delay_s=cfg.fault_commit_delay_ms / 1000)
        gid = genesis_id(self.exchange_config)
        have = journal.store.get_meta("genesis")
        if have is None:
            journal.store.set_meta("genesis", gid)
        elif have != gid:
            raise JournalError(
                f"{cfg.journal_path} belongs to another genesis ({have}); this node is configured for {gid}"
            )
        self.journal = journal
        if self.l1 is not None and self.committee is None:  # validium: --dac-member URLs
            ec = self.exchange_config
            self.committee = committee_for(cfg, ec.rollup_address, ec.chain_id, journal.store)
            self.l1.committee = self.committee
        t0 = time.perf_counter()
        self.engine = self._rebuild(journal)
        shape = cfg.shape
        self.engine.ex.batch_capacity = Usage(shape.slots, shape.queue, shape.withdrawals)
        log.info(
            "state rebuilt: %d journal entries replayed in %.2fs, last seq %d",
            self.replayed,
            time.perf_counter() - t0,
            journal.last_seq,
        )
        engine = self.engine
        engine.history.publish = self.hub.publish
        engine.batches.on_batch = self._on_batch
        engine.batches.hasher = self._hasher
        engine.batches.trace = self.trace
        journal.trace = self.trace
        journal.add_listener(self.hub.on_durable)
        journal.start()
        key_limiter = RateLimiter(cfg.key_rate, cfg.key_burst) if cfg.key_rate > 0 else None
        self.pipeline = Pipeline(
            engine, journal, key_limiter=key_limiter, on_applied=self._on_applied, trace=self.trace
        )
        self.pipeline.last_ts_ms = journal_last_ts(journal)
        self.pipeline.start()
        self.tokens = TokenVerifier(engine.domain, engine.pubkey_of)
        self._last_snapshot_seq = journal.last_seq
        self.gc.start()
        self._tasks.append(asyncio.create_task(self._batch_timer(), name="batch-timer"))
        self._tasks.append(asyncio.create_task(self._operator(), name="operator"))
        if self.trace is not None:
            self.trace.start_probe()
        if self.l1 is not None:
            await self.l1.start()
        if cfg.prove:  # in the background: the node serves while the prover loads (or makes) keys
            self.prover = ProverStage(
                cfg, self.exchange_config, self.hub, lambda: journal.durable_seq, journal.wait_written
            )
            await self.prover.start()

    def _rebuild(self, journal: Journal) -> Engine:
        store = journal.store
        # only a snapshot whose journal entries are all present (durable) may be restored
        snap = self.snapshots.latest(at_most=store.last_seq())
        if snap is not None:
            engine = Engine.restore(self.exchange_config, snap.state)
            if engine.batches.committed_root != snap.root:
                raise JournalIntegrityError(
                    f"snapshot {snap.seq}: its state's committed root is not the root in its header"
                )
            after = snap.seq
        else:
            engine = Engine(self.exchange_config)
            after = 0
        self._replay_batches: list[BatchRow] = []
        engine.batches.on_batch = self._replay_batches.append
        n = 0
        try:
            for entry in store.entries(after=after):
                engine.replay(entry)
                n += 1
        except (RuntimeError, sqlite3.DatabaseError) as exc:  # JournalError is a RuntimeError
            raise JournalIntegrityError(
                f"{store.path}: replaying the journal after seq {after + n} failed ({exc}); refusing to serve"
            ) from exc
        self.replayed = n
        # Batches closed after the snapshot are in the journal, so replay re-derived them; their rows
        # were committed with them (INSERT OR IGNORE keeps any status the prover set).
        if self._replay_batches:
            store.write([], self._replay_batches)
        return engine

    async def stop(self) -> None:
        self._stopping = True
        for t in self._tasks:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks.clear()
        if self.l1 is not None:
            await self.l1.stop()
        if self.prover is not None:
            await self.prover.stop()
        if self.trace is not None:
            await self.trace.stop_probe()
        if self.pipeline is not None:
            await self.pipeline.stop()
        if self.engine is not None:
            await self.engine.batches.idle()
        self._hasher.shutdown(wait=True)
        if self._snap_pid is not None:
            await asyncio.get_running_loop().run_in_executor(None, os.waitpid, self._snap_pid, 0)
            self._snap_pid = None
        if self.journal is not None:
            if self.journal.failed is None and self.engine is not None:
                await self.journal.flush()
                if self.journal.last_seq > self._last_snapshot_seq:
                    self._snapshot(background=False)
            await self.journal.close()

    # -- hooks ---------------------------------------------------------------------------------
    def _collect_garbage(self) -> None:
        """Keep full collections off the request path (sequencer.node.gcpolicy)."""
        t = time.perf_counter()
        self.gc.after_batch()
        if self.trace is not None:
            self.trace.add("gc_after_batch", time.perf_counter() - t)

    def _on_batch(self, row: BatchRow) -> None:
        self._collect_garbage()
        assert self.journal is not None
        self.journal.add_batch(row)
        self.hub.publish(row.last_seq, "batches", {"type": "batch", **batch_json(row)})
        if self.journal.durable_seq >= row.last_seq:  # hashed after its entry became durable
            self.hub.on_durable(self.journal.durable_seq)
        if self.prover is not None:
            self.prover.kick()

    def _on_applied(self, seq: int) -> None:
        engine, cfg = self.engine, self.config
        assert engine is not None
        if engine.batches.ops >= cfg.batch_max_ops and not self._closing_batch:
            self._closing_batch = True
            asyncio.get_running_loop().create_task(self.close_batch())
        if seq - self._last_snapshot_seq >= cfg.snapshot_every and not engine.batches.busy:
            self._snapshot()

    def _snapshot(self, background: bool = True) -> None:
        """Write a snapshot of the state after the last applied entry.

        In the background (the default while serving), a forked child serializes its
        copy-on-write image of the state and writes the file, so the loop does not stall for the
        serialization (hundreds of ms for a large book); the parent only pays for the fork.  The
        child touches nothing but the state and plain file calls (no SQLite, no locks, no loop) and
        leaves with os._exit.  Never while a batch is being hashed (the trees would be mid-update)."""
        assert self.journal is not None and self.engine is not None
        engine = self.engine
        seq, root = self.journal.last_seq, engine.batches.committed_root
        if not background or not hasattr(os, "fork"):
            self.snapshots.write(seq, root, engine.snapshot())
            self.snapshots.prune()
            self._last_snapshot_seq = seq
            return
        if self._snap_pid is not None or engine.batches.busy:
            return
        t = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                self.snapshots.write(seq, root, engine.snapshot())
                code = 0
            finally:
                os._exit(code)
        self._snap_pid = pid
        self._last_snapshot_seq = seq
        if self.trace is not None:
            self.trace.add("snapshot_fork", time.perf_counter() - t)

    def _reap_snapshot(self) -> None:
        if self._snap_pid is None:
            return
        pid, status = os.waitpid(self._snap_pid, os.WNOHANG)
        if pid == 0:
            return
        self._snap_pid = None
        if status != 0:
            log.warning("the snapshot child failed (status %d); the next snapshot is due at once", status)
            self._last_snapshot_seq = 0
        self.snapshots.prune()

    async def close_batch(self) -> dict[str, Any] | None:
        """Close the open batch now (through the pipeline, so it is ordered and journaled)."""
        assert self.pipeline is not None and self.engine is not None
        try:
            if self.engine.batches.ops == 0:
                return None
            [out] = await self.pipeline.submit([(self.engine.batch_close_draft(), None)])
            if not out.ok:
                assert out.error is not None
                raise out.error
            await self.engine.batches.idle()
            row = self.engine.batches.last
            return {"batch": batch_json(row)} if row is not None else out.result
        finally:
            self._closing_batch = False

    async def _batch_timer(self) -> None:
        cfg = self.config
        while True:
            await asyncio.sleep(BATCH_TICK_S)
            self._reap_snapshot()
            if self.gc.tick() and self.trace is not None:  # frees what closed connections left frozen
                self.trace.add("gc_release", self.gc.last_pause_s)
            engine = self.engine
            if engine is None or self._closing_batch or self.journal is None or self.journal.failed:
                continue
            if engine.batches.due(
                int(time.time() * 1000), cfg.batch_max_ops, int(cfg.batch_max_age_s * 1000)
            ):
                self._closing_batch = True
                try:
                    await self.close_batch()
                except ApiError as err:
                    log.warning("closing a batch failed: %s", err)

    def _publish_batch(self, row: BatchRow) -> None:
        """A batch row whose status a stage changed, on the `batches` stream."""
        if self.journal is not None:
            self.hub.publish(row.last_seq, "batches", {"type": "batch", **batch_json(row)})
            self.hub.on_durable(self.journal.durable_seq)

    def _queue_state(self) -> tuple[int, int]:
        """The exchange's L1 queue position and hash chain (the L1 stage's queue watch)."""
        assert self.engine is not None
        return self.engine.ex.queue_next, self.engine.ex.queue_hash

    def kick_keeper(self) -> None:
        """Run the liquidation keeper soon (after oracle updates and funding ticks)."""
        self._keeper_kick.set()

    async def _operator(self) -> None:
        """The operator's duties: a funding tick once per interval, and the liquidation keeper
        whenever prices moved (and every OPERATOR_TICK_S regardless)."""
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._keeper_kick.wait(), OPERATOR_TICK_S)
            self._keeper_kick.clear()
            engine = self.engine
            if engine is None or self.pipeline is None or self._stopping:
                continue
            try:
                if engine.funding_due(self.now()):
                    await self.submit([engine.funding_draft()])
                for _ in range(KEEPER_ROUNDS):
                    ids = engine.ex.keeper_accounts()[:KEEPER_BATCH]
                    if not ids:
                        break
                    outs = await self.submit([engine.keeper_draft(a) for a in ids])
                    if not any(o.ok for o in outs):
                        break
            except ApiError as err:
                log.warning("operator step failed: %s", err)

    # -- used by routes ------------------------------------------------------------------------
    async def submit(self, drafts: list[Draft], received: float | None = None) -> list[Outcome]:
        """Apply drafts through the pipeline; `received`: the request's arrival (latency trace)."""
        if self._stopping or self.pipeline is None:
            raise ApiError("unavailable", "the node is shutting down")
        return await self.pipeline.submit([(d, d.account_id) for d in drafts], received)

    async def durable_barrier(self) -> None:
        """Wait until everything applied so far is durable (call after computing a read answer)."""
        assert self.journal is not None
        await self.journal.wait_durable(self.journal.last_seq)

    async def batches_barrier(self) -> None:
        """Wait until every batch closed so far is hashed and its row committed."""
        assert self.journal is not None and self.engine is not None
        await self.durable_barrier()
        await self.engine.batches.idle()
        await self.journal.wait_written()

    def now(self) -> int:
        return int(time.time())


def _lower_priority() -> None:
    """Batch hashing is throughput work: run it (and the native threads it starts, which inherit the
    nice value) below the loop and signature threads, so request latency does not wait on it."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def journal_last_ts(journal: Journal) -> int:
    row = journal.store.conn.execute("SELECT ts FROM journal ORDER BY seq DESC LIMIT 1").fetchone()
    return 0 if row is None else int(row[0])
