"""Batches: sealing the pending records and applying them to the committed state trees.

`close_batch` = `seal_batch` (cheap: fix the records, number, L1 queue range and time range) then
`hash_batch` (the expensive part: every step's Merkle paths with witness=True, else only the new
root, each touched node hashed once).  A node may seal, go on applying operations (they never touch the trees)
and hash later, on another thread, in sealing order.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.pubdata.header import BatchHeader
from protocol.records import OpRecord, StepWitness
from sequencer.state import State


@dataclass(frozen=True, slots=True)
class SealedBatch:
    number: int
    records: tuple[OpRecord, ...]
    queue_start: int
    queue_end: int
    time_start: int
    time_end: int


@dataclass(slots=True)
class Batch:
    number: int
    old_root: int
    new_root: int
    records: tuple[OpRecord, ...]
    witnesses: tuple[tuple[StepWitness, ...], ...] | None  # per record, per step (None: batched mode)
    queue_start: int  # L1 priority queue indices consumed: [queue_start, queue_end)
    queue_end: int
    # the batch's time range (protocol.md 7.1): time_start is the previous batch's time_end (0 for
    # the first batch), time_end the time of the batch's last operation with steps (time_start for a
    # batch without steps); the circuit proves every step inside it, L1 chains the ranges
    time_start: int
    time_end: int

    def header(self, chain_id: int) -> BatchHeader:
        """The batch's header (protocol.md 7.1) on the chain `chain_id`."""
        return BatchHeader(
            self.old_root,
            self.new_root,
            self.number,
            chain_id,
            self.queue_start,
            self.queue_end,
            self.time_start,
            self.time_end,
        )


def seal_batch(st: State) -> SealedBatch:
    """Fix the batch's records, number, L1 queue range and time range and start the next batch.

    time_end is the last record's operation time, not `st.now`: an operation without steps (a
    cancel, an order that rests) advances `now` but is not in the batch, and the circuit's last
    step cannot prove a later time once the batch has no padding slot left.  Every later operation
    is at or after `now` >= time_end, so the next batch still starts at or after it."""
    if not st.records_enabled:
        raise RuntimeError("this Exchange was created with records=False")
    records = tuple(st.pending)
    time_start = st.batch_time_start
    time_end = records[-1].op.time if records else time_start
    sealed = SealedBatch(st.batch_number, records, st.batch_queue_start, st.queue_next, time_start, time_end)
    st.pending = []
    st.batch_number += 1
    st.batch_queue_start = st.queue_next
    st.batch_time_start = time_end
    return sealed


def hash_batch(st: State, sealed: SealedBatch, *, witness: bool = False) -> Batch:
    """Apply a sealed batch to the state trees and record it in the per-batch history.  Sealed
    batches must be hashed in order."""
    trees = st.trees
    if sealed.number != trees.batch + 1:
        raise RuntimeError(f"batch {sealed.number} hashed out of order (trees at {trees.batch})")
    records = sealed.records
    old_root = trees.root
    steps = [s for r in records for s in r.steps]
    witnesses = None
    if witness:
        flat = trees.apply_sequential(steps)
        it = iter(flat)
        witnesses = tuple(tuple(next(it) for _ in r.steps) for r in records)
    else:
        trees.apply_batched(steps)
    trees.end_batch(sealed.number)
    return Batch(
        sealed.number,
        old_root,
        trees.root,
        records,
        witnesses,
        sealed.queue_start,
        sealed.queue_end,
        sealed.time_start,
        sealed.time_end,
    )


def current_root(st: State) -> int:
    """Root of the current state (pending records included), computed on a scratch copy of the
    committed trees; costs a batched hashing of the pending changes."""
    trees = st.trees.scratch_copy()
    trees.apply_batched([s for r in st.pending for s in r.steps])
    return trees.root
