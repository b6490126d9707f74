"""Transfer (signed): move free collateral to another existing account.

Rule: signature by the sender's key; expiry >= time; nonce == sender nonce (then +1); the receiver
exists and is not the sender; the sender's positions are in markets neither halted nor stale and
amount <= the sender's free collateral (as for a withdrawal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.messages import Signature
from protocol.messages.transfer import TransferMessage
from protocol.records import LeafUpdate, StepKind
from protocol.steps.transfer import TransferData
from sequencer.events import Transferred
from sequencer.ops.common import check_expiry, check_signed_message

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Transfer:
    TYPE: ClassVar[str] = "transfer"

    time: int
    msg: TransferMessage
    sig: Signature

    def validate(self) -> None:
        check_signed_message(self.msg, TransferMessage, self.sig)

    def signed_parts(self, ex: Ledger) -> list[tuple[Any, Any, Any]]:
        acct = ex.account(self.msg.from_id)
        return [((acct.pub_x, acct.pub_y), self.msg, self.sig)]


def apply(ex: Ledger, op: Transfer) -> None:
    msg = op.msg
    src = ex.account(msg.from_id)
    dst = ex.account(msg.to_id)
    if src is dst:
        raise Rejected(ErrorCode.SAME_ACCOUNT, "cannot transfer to the same account")
    check_expiry(msg.expiry, op.time)
    if msg.nonce != src.nonce:
        raise Rejected(ErrorCode.STALE_NONCE, f"nonce {msg.nonce}, account nonce is {src.nonce}")
    if src.nonce + 1 >= (1 << C.NONCE_BITS):
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, "account nonce exhausted")
    ex.check_positions_priced(src, op.time)
    free = ex.risk(src).withdrawable
    if msg.amount > free:
        raise Rejected(ErrorCode.INSUFFICIENT_COLLATERAL, f"amount {msg.amount} above free collateral {free}")
    gb = ex.global_state()
    rec = ex.records_enabled
    sb = src.state() if rec else None
    db = dst.state() if rec else None
    ex.add_collateral(src, -msg.amount)
    ex.add_collateral(dst, msg.amount)
    ex.set_attr(src, "nonce", src.nonce + 1)
    if rec:
        ex.add_step(
            StepKind.TRANSFER,
            (LeafUpdate(src.id, sb, src.state(), None), LeafUpdate(dst.id, db, dst.state(), None)),
            gb,
            TransferData(msg.amount, free),
        )
    ex.emit(Transferred(src.id, dst.id, msg.amount))
