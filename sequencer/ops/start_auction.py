"""StartAuction: open the liquidation auction of an account below maintenance margin (the keeper's
operation, after a partial liquidation against the book could not restore the account).

Rule (protocol.md 4.8): the account's value V < its maintenance margin MM (at mark prices) and it
holds a position; no market it holds a position in is stale (ORACLE_STALE: an auction's clock does
not start on an expired price; reduce-only and halted markets are fresh and do not hold it back);
no auction is live (auction_start = 0, or time >= auction_start + 2 * auction_duration_s: an old
auction is over and starts again).  The account's open orders are cancelled and its leaf's
auction_start becomes the operation time (an AUCTION_START step).  From then on any account may
take its positions over (`Liquidate` with a liquidator order) at a price moving from the mark
price to the bankruptcy price over auction_duration_s; once that time has passed the keeper may
deleverage it (`Deleverage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.records import LeafUpdate, StepKind
from protocol.steps.auction_start import AuctionStartData
from sequencer.events import AuctionStarted
from sequencer.ops.common import check_int

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class StartAuction:
    TYPE: ClassVar[str] = "start_auction"

    time: int
    account_id: int

    def validate(self) -> None:
        check_int(self.account_id, 0, (1 << C.ACCOUNT_ID_BITS) - 1, "account_id")


def apply(ex: Ledger, op: StartAuction) -> None:
    acct = ex.account(op.account_id)
    if not acct.has_positions():
        raise Rejected(ErrorCode.NO_POSITION, f"account {acct.id} has no position")
    v, _, _, mm = ex.risk_tuple(acct)
    if v >= mm:
        raise Rejected(ErrorCode.NOT_LIQUIDATABLE, f"value {v} >= maintenance margin {mm}")
    ex.check_positions_fresh(acct, op.time)
    start = acct.auction_start
    if start and op.time < start + 2 * ex.config.auction_duration_s:
        raise Rejected(ErrorCode.AUCTION_LIVE, f"account {acct.id}: its auction started at {start}")
    ex.cancel_account_orders(acct, ErrorCode.LIQUIDATED)
    rec = ex.records_enabled
    gb = ex.global_state()
    before = acct.state() if rec else None
    ex.set_auction_start(acct, op.time)
    if rec:
        ex.add_step(
            StepKind.AUCTION_START,
            (LeafUpdate(acct.id, before, acct.state(), None),),
            gb,
            AuctionStartData(op.time, start, v, mm),
        )
    ex.emit(AuctionStarted(acct.id, op.time, v, mm))
