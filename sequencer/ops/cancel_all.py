"""Cancel all (signed): cancel every live order of the account with id <= nonce (in one market or in
all) and refuse ids <= nonce in that scope from now on.  Sequencer-enforced like a cancel (no
circuit step).  Rule: signature by the account's key; expiry >= time; the market exists (or 255)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protocol.constants import ALL_MARKETS
from protocol.messages import Signature
from protocol.messages.cancel_all import CancelAllMessage
from sequencer.ops.common import check_expiry, check_signed_message

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class CancelAll:
    TYPE: ClassVar[str] = "cancel_all"

    time: int
    msg: CancelAllMessage
    sig: Signature

    def validate(self) -> None:
        check_signed_message(self.msg, CancelAllMessage, self.sig)

    def signed_parts(self, ex: Ledger) -> list[tuple[Any, Any, Any]]:
        acct = ex.account(self.msg.account_id)
        return [((acct.pub_x, acct.pub_y), self.msg, self.sig)]


def apply(ex: Ledger, op: CancelAll) -> None:
    msg = op.msg
    acct = ex.account(msg.account_id)
    check_expiry(msg.expiry, op.time)
    everywhere = msg.market_id == ALL_MARKETS
    if not everywhere:
        ex.market(msg.market_id)
    doomed = [
        o
        for o in acct.live.values()
        if o.order_id <= msg.nonce and (everywhere or o.market_id == msg.market_id)
    ]
    for order in sorted(doomed, key=lambda o: o.seq):
        ex.cancel_order(order, None)
    if everywhere:
        if msg.nonce > acct.floor_all:
            ex.set_attr(acct, "floor_all", msg.nonce)
    elif msg.nonce > acct.floor_market.get(msg.market_id, 0):
        ex.set_item(acct.floor_market, msg.market_id, msg.nonce)
