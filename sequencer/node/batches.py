"""Batch closing: the open batch's journal range, when it is due, and closing it.

Replaying (no hasher): `Exchange.close_batch(witness=False)` at once.  Live: the batch is sealed at
once on the loop thread (its records, number and L1 queue range are fixed by the journal position,
exactly as close_batch does), and the state-tree hashing, the expensive part, runs in order on the
hashing thread while the loop keeps applying new operations (they never touch the trees).  The
batch row is published (`on_batch`) when its root is known.  Whatever reads the trees first awaits
`idle()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor

from sequencer.exchange import Exchange
from sequencer.journal.store import BatchRow
from sequencer.node.latency import LatencyTrace

log = logging.getLogger("zkclear.node")

# Account proofs stay answerable against this many closed batches back (the state-tree history
# costs memory per batch; without L1 finality tracking this is the retention window).
PROOF_HISTORY_BATCHES = 1024


class Batches:
    def __init__(self, ex: Exchange) -> None:
        self.ex = ex
        # the open batch (snapshotted with the node state)
        self.first_seq = 0  # first journal seq of the open batch (0: no op yet)
        self.first_ts = 0  # ms
        self.ops = 0
        self.on_batch: Callable[[BatchRow], None] = lambda row: None
        self.hasher: Executor | None = None  # set by the live node: batch hashing off the loop thread
        self.trace: LatencyTrace | None = None  # set by a devnet node: stage and stall samples
        self.committed_root: int = ex.state_root  # root of the last closed (hashed) batch
        self.last: BatchRow | None = None  # the last closed (hashed) batch
        self._hashing: asyncio.Future[tuple[int, int]] | None = None

    def note_op(self, seq: int, ts_ms: int) -> None:
        """An operation was applied as journal entry `seq` (it joins the open batch)."""
        if self.ops == 0:
            self.first_seq, self.first_ts = seq, ts_ms
        self.ops += 1

    def due(self, now_ms: int, max_ops: int, max_age_ms: int) -> bool:
        return self.ops > 0 and (self.ops >= max_ops or now_ms - self.first_ts >= max_age_ms)

    def close(self, seq: int, ts_ms: int) -> int:
        """Close the open batch as journal entry `seq`; returns its number."""
        first_seq = self.first_seq or seq
        self.first_seq, self.first_ts, self.ops = 0, 0, 0
        ex = self.ex
        if self.hasher is None:
            b = ex.close_batch(witness=False)
            ex.trees.forget_before(b.number - PROOF_HISTORY_BATCHES)
            qs, qe, times = b.queue_start, b.queue_end, (b.time_start, b.time_end)
            self._finish(
                b.number, first_seq, seq, ts_ms, len(b.records), qs, qe, times, b.old_root, b.new_root
            )
            return b.number
        trace = self.trace
        t = time.perf_counter()
        sealed = ex.seal_batch()
        number = sealed.number
        if trace is not None:
            trace.add("batch_seal", time.perf_counter() - t)

        def hash_batch() -> tuple[int, int]:
            t = time.perf_counter()
            b = ex.hash_batch(sealed)
            ex.trees.forget_before(b.number - PROOF_HISTORY_BATCHES)
            if trace is not None:
                trace.add("batch_hash_thread", time.perf_counter() - t)
            return b.old_root, b.new_root

        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self.hasher, hash_batch)
        self._hashing = fut

        def done(f: asyncio.Future[tuple[int, int]]) -> None:
            if self._hashing is f:
                self._hashing = None
            if f.cancelled() or f.exception() is not None:
                log.error("hashing batch %d failed: %r", number, None if f.cancelled() else f.exception())
                return
            old, new = f.result()
            qs, qe, times = sealed.queue_start, sealed.queue_end, (sealed.time_start, sealed.time_end)
            self._finish(number, first_seq, seq, ts_ms, len(sealed.records), qs, qe, times, old, new)

        fut.add_done_callback(done)
        return number

    def _finish(
        self,
        number: int,
        first_seq: int,
        seq: int,
        ts_ms: int,
        n_ops: int,
        qs: int,
        qe: int,
        times: tuple[int, int],
        old: int,
        new: int,
    ) -> None:
        row = BatchRow(
            number=number,
            first_seq=first_seq,
            last_seq=seq,
            old_root=str(old),
            new_root=str(new),
            closed_ts=ts_ms,
            n_ops=n_ops,
            status="closed",
            info={
                "queue_start": qs,
                "queue_end": qe,
                "time_start": times[0],
                "time_end": times[1],
                "proof": None,
                "l1_tx": None,
            },
        )
        self.committed_root = new
        self.last = row
        self.on_batch(row)

    @property
    def busy(self) -> bool:
        """A batch's state-tree hashing is in flight (the trees must not be read or snapshotted)."""
        return self._hashing is not None

    async def idle(self) -> None:
        """Wait until no batch hashing is in flight."""
        while self._hashing is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._hashing)
            await asyncio.sleep(0)  # let the done callback run
