"""EndAuction: end the liquidation auction of an account that recovered (the keeper's operation),
so that a later fall starts a fresh auction at the mark price instead of resuming an old one
part of the way to the bankruptcy price.

Rule (protocol.md 4.8): the account's auction_start != 0, and its value V >= its maintenance margin
MM (at mark prices) or it holds no position; while it holds one, no market it holds a position in
is stale (ORACLE_STALE: recovery is judged on usable prices, as the start was).  Its leaf's auction_start becomes 0 (an AUCTION_END step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.records import LeafUpdate, StepKind
from protocol.steps.auction_end import AuctionEndData
from sequencer.ops.common import check_int

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class EndAuction:
    TYPE: ClassVar[str] = "end_auction"

    time: int
    account_id: int

    def validate(self) -> None:
        check_int(self.account_id, 0, (1 << C.ACCOUNT_ID_BITS) - 1, "account_id")


def apply(ex: Ledger, op: EndAuction) -> None:
    acct = ex.account(op.account_id)
    start = acct.auction_start
    if not start:
        raise Rejected(ErrorCode.NO_AUCTION, f"account {acct.id} has no auction")
    v, _, _, mm = ex.risk_tuple(acct)
    if v < mm and acct.has_positions():
        raise Rejected(ErrorCode.AUCTION_LIVE, f"account {acct.id} is still liquidatable: {v} < {mm}")
    ex.check_positions_fresh(acct, op.time)
    rec = ex.records_enabled
    gb = ex.global_state()
    before = acct.state() if rec else None
    ex.set_auction_start(acct, 0)
    if rec:
        ex.add_step(
            StepKind.AUCTION_END,
            (LeafUpdate(acct.id, before, acct.state(), None),),
            gb,
            AuctionEndData(start, v, mm),
        )
