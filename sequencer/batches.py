"""Batches: sealing the pending records and applying them to the committed state trees.

`close_batch` = `seal_batch` (cheap: fix the records, number and L1 queue range) then `hash_batch`
(the expensive part: every step's Merkle paths with witness=True, else only the new root, each
touched node hashed once).  A node may seal, go on applying operations (they never touch the trees)
and hash later, on another thread, in sealing order.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.records import OpRecord, StepWitness
from sequencer.state import State


@dataclass(frozen=True, slots=True)
class SealedBatch:
    number: int
    records: tuple[OpRecord, ...]
    queue_start: int
    queue_end: int


@dataclass(slots=True)
class Batch:
    number: int
    old_root: int
    new_root: int
    records: tuple[OpRecord, ...]
    witnesses: tuple[tuple[StepWitness, ...], ...] | None  # per record, per step (None: batched mode)
    queue_start: int  # L1 priority queue indices consumed: [queue_start, queue_end)
    queue_end: int


def seal_batch(st: State) -> SealedBatch:
    """Fix the batch's records, number and L1 queue range and start the next batch."""
    if not st.records_enabled:
        raise RuntimeError("this Exchange was created with records=False")
    sealed = SealedBatch(st.batch_number, tuple(st.pending), st.batch_queue_start, st.queue_next)
    st.pending = []
    st.batch_number += 1
    st.batch_queue_start = st.queue_next
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
        sealed.number, old_root, trees.root, records, witnesses, sealed.queue_start, sealed.queue_end
    )


def current_root(st: State) -> int:
    """Root of the current state (pending records included), computed on a scratch copy of the
    committed trees; costs a batched hashing of the pending changes."""
    trees = st.trees.scratch_copy()
    trees.apply_batched([s for r in st.pending for s in r.steps])
    return trees.root
