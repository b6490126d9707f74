"""The public data of a closed batch from its records alone (protocol.records types; no node code):
the accounts section's record of every slot (7.5: the slot's account and position after it, in
slot order); the withdrawals; the queue records; the global state after the batch.  Pure functions: the node, the prover's witness code and the tests
call them on `Batch.records`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import NamedTuple

from protocol.pubdata.account_diff import EMPTY, SlotRecord, record_of
from protocol.pubdata.batch import PublicData
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.queue import QueueRecord
from protocol.pubdata.steps import deposit, forced_withdrawal, withdraw
from protocol.pubdata.withdrawals import Withdrawal
from protocol.records import AccountState, GlobalState, LeafWitness, OpRecord, Step, StepKind
from protocol.slots import roles_of

# the step kinds whose slots select the step's market (data.market_id); every other kind's slots
# select market 0 (what the circuit's witness sets, circuits/batch/witness.py)
MARKET_KINDS = (StepKind.TRADE, StepKind.LIQUIDATION, StepKind.DELEVERAGE)


class BatchEffects(NamedTuple):
    withdrawals: tuple[Withdrawal, ...]  # step order
    queue: tuple[QueueRecord, ...]  # queue order
    queue_indices: tuple[int, ...]  # the queue index of each queue record
    global_after: GlobalState | None  # the last step's global state; None for a batch without steps


def steps_of(records: Iterable[OpRecord]) -> list[Step]:
    return [s for r in records for s in r.steps]


def collect(records: Sequence[OpRecord]) -> BatchEffects:
    wds: list[Withdrawal] = []
    qrecs: list[QueueRecord] = []
    qidx: list[int] = []
    g: GlobalState | None = None
    for step in steps_of(records):
        if step.kind == StepKind.DEPOSIT:
            qrecs.append(deposit.record_of(step))
            qidx.append(step.data.queue_index)
        elif step.kind == StepKind.FORCED_WITHDRAWAL:
            qrecs.append(forced_withdrawal.record_of(step))
            qidx.append(step.data.queue_index)
        elif step.kind == StepKind.WITHDRAW:
            wds.append(withdraw.record_of(step))
        g = step.global_after
    for a, b in pairwise(qidx):
        if b != a + 1:
            raise PubdataError(f"queue entries consumed out of order: {b} after {a}")
    return BatchEffects(tuple(wds), tuple(qrecs), tuple(qidx), g)


def slot_records(
    records: Sequence[OpRecord], orders_roots: Sequence[Sequence[int]], slots: int | None = None
) -> tuple[SlotRecord, ...]:
    """The accounts section's records (7.5): one per slot, in slot order (protocol.slots.roles_of:
    a step's k-th leaf update is its k-th slot), padded with empty records to `slots` (the batch
    shape's slot count; None: the batch's own).  `orders_roots[i][k]` is the orders_root after the
    i-th step's k-th leaf update (`orders_roots(batch.witnesses)`)."""
    steps = steps_of(records)
    if len(orders_roots) != len(steps):
        raise PubdataError(f"{len(orders_roots)} steps of orders roots for {len(steps)} steps")
    last: dict[int, AccountState] = {}
    out: list[SlotRecord] = []
    for step, roots in zip(steps, orders_roots, strict=True):
        roles = roles_of(step)
        if len(step.updates) > len(roles) or len(roots) != len(step.updates):
            raise PubdataError(f"{step.kind.name}: {len(step.updates)} leaf updates for {len(roles)} slots")
        market = step.data.market_id if step.kind in MARKET_KINDS else 0
        for k in range(len(roles)):
            upd = step.updates[k] if k < len(step.updates) else None
            if upd is None or upd.after is None:
                if upd is not None and upd.before is not None:
                    raise PubdataError(f"account {upd.account_id}: a leaf update cannot empty a leaf")
                out.append(EMPTY)  # no account, or a proof that the leaf is empty
                continue
            aid = upd.account_id
            if aid in last and last[aid] != upd.before:
                raise PubdataError(f"account {aid}: a step starts from another state than the previous left")
            last[aid] = upd.after
            out.append(record_of(aid, upd.after, roots[k], market))
    if slots is not None:
        if len(out) > slots:
            raise PubdataError(f"the batch needs {len(out)} slots, the shape has {slots}")
        out += [EMPTY] * (slots - len(out))
    return tuple(out)


def orders_roots(witnesses: Iterable[Iterable[object]]) -> tuple[tuple[int, ...], ...]:
    """Per step of the batch (`Batch.witnesses`: per record, per step, a StepWitness), the
    orders_root after each of its leaf updates."""
    out: list[tuple[int, ...]] = []
    for per_record in witnesses:
        for sw in per_record:
            roots = []
            for lw in getattr(sw, "leaves", ()):
                assert isinstance(lw, LeafWitness)
                roots.append(lw.orders_root_after)
            out.append(tuple(roots))
    return tuple(out)


def public_data(
    mode: Mode,
    records: Sequence[OpRecord],
    orders_roots: Sequence[Sequence[int]],
    global_before: GlobalState,
    slots: int | None = None,
) -> PublicData:
    """The batch's public data from its records; `orders_roots` per step, the orders_root after
    each leaf update (`orders_roots(batch.witnesses)`); `global_before` is the global state before
    the batch (what a batch without steps publishes); `slots` the batch shape's slot count (rollup:
    the accounts section has one record per slot; None: the batch's own slot count)."""
    fx = collect(records)
    if mode == Mode.VALIDIUM:
        return PublicData(Mode.VALIDIUM, fx.queue, fx.withdrawals, None, ())
    accounts = slot_records(records, orders_roots, slots)
    g = global_before if fx.global_after is None else fx.global_after
    return PublicData(Mode.ROLLUP, fx.queue, fx.withdrawals, g, accounts)
