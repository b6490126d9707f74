"""Forced withdrawal (L1 priority queue): the account's owner asks L1 for its collateral, so a
censoring sequencer cannot keep funds; batches must consume the queue in order.

Rule: queue_index == next queue index; always consumed.  When the account exists and its owner is
the requesting L1 address, it withdraws min(amount, free collateral) (free collateral as for a
signed withdrawal); otherwise nothing (reason UNKNOWN_ACCOUNT or NOT_OWNER).  No nonce is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.pubdata.queue import chain_hash
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalEntry, encode_entry
from protocol.records import LeafUpdate, StepKind
from protocol.steps.forced_withdrawal import ForcedWithdrawalData
from sequencer.events import Withdrawn
from sequencer.ops.common import check_int

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class ForcedWithdrawal:
    TYPE: ClassVar[str] = "forced_withdrawal"

    time: int
    queue_index: int
    account_id: int
    owner: int  # L1 address that sent the request
    amount: int

    def validate(self) -> None:
        check_int(self.queue_index, 0, (1 << 64) - 1, "queue_index")
        check_int(self.account_id, 0, (1 << C.ACCOUNT_ID_BITS) - 1, "account_id")
        check_int(self.owner, 0, (1 << C.ADDRESS_BITS) - 1, "owner")
        check_int(self.amount, 1, (1 << C.AMOUNT_BITS) - 1, "amount")


def apply(ex: Ledger, op: ForcedWithdrawal) -> None:
    if op.queue_index != ex.queue_next:
        raise Rejected(
            ErrorCode.QUEUE_OUT_OF_ORDER, f"expected queue index {ex.queue_next}, got {op.queue_index}"
        )
    ex.set_attr(ex, "queue_next", ex.queue_next + 1)
    entry = encode_entry(ForcedWithdrawalEntry(op.owner, op.account_id, op.amount))
    ex.set_attr(ex, "queue_hash", chain_hash(ex.queue_hash, entry))
    gb = ex.global_state()
    rec = ex.records_enabled
    acct = ex.accounts.get(op.account_id)
    if acct is None:
        reason: ErrorCode | None = ErrorCode.UNKNOWN_ACCOUNT
        if rec:
            ex.add_step(
                StepKind.FORCED_WITHDRAWAL,
                (LeafUpdate(op.account_id, None, None, None),),
                gb,
                ForcedWithdrawalData(op.queue_index, op.owner, op.amount, 0, 0),
            )
        ex.emit(Withdrawn(op.account_id, 0, op.owner, forced=True, queue_index=op.queue_index, reason=reason))
        return
    before = acct.state() if rec else None
    free = ex.risk(acct).withdrawable
    if acct.owner != op.owner:
        amount, reason = 0, ErrorCode.NOT_OWNER
    else:
        amount = min(op.amount, free)
        reason = None if amount == op.amount else ErrorCode.INSUFFICIENT_COLLATERAL
    if amount:
        ex.add_collateral(acct, -amount)
        ex.set_attr(ex, "total_withdrawals", ex.total_withdrawals + amount)
    if rec:
        ex.add_step(
            StepKind.FORCED_WITHDRAWAL,
            (LeafUpdate(acct.id, before, acct.state(), None),),
            gb,
            ForcedWithdrawalData(op.queue_index, op.owner, op.amount, amount, free),
        )
    ex.emit(Withdrawn(acct.id, amount, op.owner, forced=True, queue_index=op.queue_index, reason=reason))
