"""Withdraw (signed): move free collateral out to an L1 address.

Rule: signature by the account's key; expiry >= time; recipient != 0 (BAD_RECIPIENT: the L1 zero
address would burn the funds); nonce == account nonce (then +1); no market the account holds a
position in is halted (MARKET_HALTED) or stale (ORACLE_STALE): the withdrawal waits until its prices
are usable again (protocol.md 4.9, 4.11); amount <= free collateral (at mark prices) =
min(collateral - pending funding, account value) - initial margin, so
unrealised profit never leaves and the account still meets initial margin afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.messages import Signature
from protocol.messages.withdraw import WithdrawMessage
from protocol.records import LeafUpdate, StepKind
from protocol.steps.withdraw import WithdrawData
from sequencer.events import Withdrawn
from sequencer.ops.common import check_expiry, check_signed_message

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Withdraw:
    TYPE: ClassVar[str] = "withdraw"

    time: int
    msg: WithdrawMessage
    sig: Signature

    def validate(self) -> None:
        check_signed_message(self.msg, WithdrawMessage, self.sig)

    def signed_parts(self, ex: Ledger) -> list[tuple[Any, Any, Any]]:
        acct = ex.account(self.msg.account_id)
        return [((acct.pub_x, acct.pub_y), self.msg, self.sig)]


def apply(ex: Ledger, op: Withdraw) -> None:
    msg = op.msg
    acct = ex.account(msg.account_id)
    check_expiry(msg.expiry, op.time)
    if msg.recipient == 0:
        raise Rejected(ErrorCode.BAD_RECIPIENT, "a withdrawal to the zero address would burn the funds")
    if msg.nonce != acct.nonce:
        raise Rejected(ErrorCode.STALE_NONCE, f"nonce {msg.nonce}, account nonce is {acct.nonce}")
    if acct.nonce + 1 >= (1 << C.NONCE_BITS):
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, "account nonce exhausted")
    ex.check_positions_priced(acct, op.time)
    free = ex.risk(acct).withdrawable
    if msg.amount > free:
        raise Rejected(ErrorCode.INSUFFICIENT_COLLATERAL, f"amount {msg.amount} above free collateral {free}")
    gb = ex.global_state()
    before = acct.state() if ex.records_enabled else None
    ex.add_collateral(acct, -msg.amount)
    ex.set_attr(acct, "nonce", acct.nonce + 1)
    ex.set_attr(ex, "total_withdrawals", ex.total_withdrawals + msg.amount)
    if ex.records_enabled:
        ex.add_step(
            StepKind.WITHDRAW,
            (LeafUpdate(acct.id, before, acct.state(), None),),
            gb,
            WithdrawData(msg.amount, msg.recipient, free),
        )
    ex.emit(Withdrawn(acct.id, msg.amount, msg.recipient))
