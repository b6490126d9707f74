"""The public data of a closed batch from its records alone (protocol.records types; no node code):
the accounts whose leaf changed, with their final state; the withdrawals; the queue records; the
global state after the batch.  Pure functions: the node, the prover's witness code and the tests
call them on `Batch.records`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import NamedTuple

from protocol.pubdata.account_diff import AccountDiff, diff_of
from protocol.pubdata.batch import PublicData
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.queue import QueueRecord
from protocol.pubdata.steps import deposit, forced_withdrawal, withdraw
from protocol.pubdata.withdrawals import Withdrawal
from protocol.records import AccountState, GlobalState, LeafWitness, OpRecord, Step, StepKind


class Touched(NamedTuple):
    account_id: int
    state: AccountState  # final state in the batch
    created: bool  # the leaf was empty before the batch


class BatchEffects(NamedTuple):
    touched: tuple[Touched, ...]  # accounts whose leaf changed, ascending id
    withdrawals: tuple[Withdrawal, ...]  # step order
    queue: tuple[QueueRecord, ...]  # queue order
    queue_indices: tuple[int, ...]  # the queue index of each queue record
    global_after: GlobalState | None  # the last step's global state; None for a batch without steps


def steps_of(records: Iterable[OpRecord]) -> list[Step]:
    return [s for r in records for s in r.steps]


def collect(records: Sequence[OpRecord]) -> BatchEffects:
    first: dict[int, AccountState | None] = {}
    last: dict[int, AccountState] = {}
    slots: dict[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]] = {}
    wds: list[Withdrawal] = []
    qrecs: list[QueueRecord] = []
    qidx: list[int] = []
    g: GlobalState | None = None
    for step in steps_of(records):
        for upd in step.updates:
            if upd.after is None:
                if upd.before is not None:
                    raise PubdataError(f"account {upd.account_id}: a leaf update cannot empty a leaf")
                continue  # a proof that the leaf is empty
            aid = upd.account_id
            if aid not in first:
                first[aid] = upd.before
            elif last[aid] != upd.before:
                raise PubdataError(f"account {aid}: a step starts from another state than the previous left")
            last[aid] = upd.after
            if upd.slot is not None:
                key = (aid, upd.slot.slot)
                sb0 = slots[key][0] if key in slots else upd.slot.before
                slots[key] = (sb0, upd.slot.after)
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
    slot_changed = {aid for (aid, _), (sb, sa) in slots.items() if sa != sb}
    touched = tuple(
        Touched(aid, last[aid], first[aid] is None)
        for aid in sorted(last)
        if last[aid] != first[aid] or aid in slot_changed
    )
    return BatchEffects(touched, tuple(wds), tuple(qrecs), tuple(qidx), g)


def orders_roots(witnesses: Iterable[Iterable[object]]) -> dict[int, int]:
    """Each account's final orders_root from a batch's witnesses (`Batch.witnesses`: per record,
    per step, a StepWitness): the last leaf witness of the account wins."""
    out: dict[int, int] = {}
    for per_record in witnesses:
        for sw in per_record:
            for lw in getattr(sw, "leaves", ()):
                assert isinstance(lw, LeafWitness)
                out[lw.account_id] = lw.orders_root_after
    return out


def public_data(
    mode: Mode,
    records: Sequence[OpRecord],
    orders_root: Mapping[int, int],
    global_before: GlobalState,
) -> PublicData:
    """The batch's public data from its records; `orders_root` maps every touched account to its
    final orders_root (`orders_roots(batch.witnesses)` or the node's trees); `global_before` is the
    global state before the batch (what a batch without steps publishes)."""
    fx = collect(records)
    if mode == Mode.VALIDIUM:
        return PublicData(Mode.VALIDIUM, fx.queue, fx.withdrawals, None, ())
    diffs: list[AccountDiff] = []
    for t in fx.touched:
        if t.account_id not in orders_root:
            raise PubdataError(f"no orders_root given for touched account {t.account_id}")
        diffs.append(diff_of(t.account_id, t.state, orders_root[t.account_id]))
    g = global_before if fx.global_after is None else fx.global_after
    return PublicData(Mode.ROLLUP, fx.queue, fx.withdrawals, g, tuple(diffs))
