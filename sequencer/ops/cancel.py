"""Cancel one order (signed).  Cancels are enforced by the sequencer (the order leaves the book and
its id cannot be submitted again); the state root does not change, so a cancel has no circuit step.
An order still signed and unexpired could be filled by a dishonest sequencer: that is why every
order carries an expiry, and cancel-all also revokes ids not yet submitted.

Rule: signature by the account's key; expiry >= time; the order is live."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protocol.errors import ErrorCode, Rejected
from protocol.messages import Signature
from protocol.messages.cancel import CancelMessage
from sequencer.ops.common import check_expiry, check_signed_message

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class CancelOrder:
    TYPE: ClassVar[str] = "cancel"

    time: int
    msg: CancelMessage
    sig: Signature

    def validate(self) -> None:
        check_signed_message(self.msg, CancelMessage, self.sig)

    def signed_parts(self, ex: Ledger) -> list[tuple[Any, Any, Any]]:
        acct = ex.account(self.msg.account_id)
        return [((acct.pub_x, acct.pub_y), self.msg, self.sig)]


def apply(ex: Ledger, op: CancelOrder) -> None:
    msg = op.msg
    acct = ex.accounts.get(msg.account_id)
    if acct is None:
        raise Rejected(ErrorCode.UNKNOWN_ACCOUNT, f"no account {msg.account_id}")
    check_expiry(msg.expiry, op.time)
    order = acct.live.get(msg.order_id)
    if order is None:
        raise Rejected(ErrorCode.ORDER_NOT_OPEN, f"order {msg.order_id} is not open")
    ex.cancel_order(order, None)
