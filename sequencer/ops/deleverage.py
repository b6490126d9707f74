"""Deleverage (auto-deleveraging, ADL): close a liquidatable account's position against the
top-ranked opposite position at the bankruptcy price, after the backstops failed.

Rule (protocol.md 4.8): the account's value V < its maintenance margin MM; the backstop is spent:
V < -insurance fund (no liquidation can be covered) or the account's auction has run its course
and holds at the bankruptcy price (auction_start != 0 and auction_start + auction_duration_s <=
time < auction_start + 2 * auction_duration_s; later, the auction must start again); the counterparty holds a
position of the other sign in the market and is first in the ADL ranking (below); 0 < size <=
min(|both positions|), a multiple of the step; the market's price is fresh (ORACLE_STALE; reduce-only
and halted markets deleverage).  The account's open orders are cancelled.  Both positions move by
size at the mark price M (no fees; V, MM and mm_m are at M too, as margin is), then, at the
bankruptcy price:
- V < 0: the counterparty pays the account min(-V, max(0, its value after the close)): the whole
  deficit, wherever it arose, as far as the counterparty's value goes (never below zero);
- V >= 0: the account pays the counterparty its bankruptcy discount
  floor(V * size * mm_m / (|s| * MM)), mm_m the position's term of MM (the auction's end price).
Then the insurance fund covers what is still negative (Margin.cover_from_insurance), and an
account left flat ends its auction (auction_start = 0).

Ranking (sequencer policy, not provable in the circuit): by unrealised-PnL fraction times leverage
at M, score = upnl * notional / (max(|cost|, 1) * max(value, 1)) of the counterparty's position and
account, highest first, ties to the lower account id.  The keeper (sequencer.liquidation) picks
the market whose first-ranked counterparty has the most value first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.records import LeafUpdate, StepKind
from protocol.steps.deleverage import DeleverageData
from sequencer.events import Deleveraged
from sequencer.margin import adl_ranking, bankruptcy_discount, position_maintenance
from sequencer.ops.common import check_int

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Deleverage:
    TYPE: ClassVar[str] = "deleverage"

    time: int
    account_id: int
    market_id: int
    counterparty_id: int
    size: int

    def validate(self) -> None:
        check_int(self.account_id, 0, (1 << C.ACCOUNT_ID_BITS) - 1, "account_id")
        check_int(self.market_id, 0, C.MAX_MARKETS - 1, "market_id")
        check_int(self.counterparty_id, 0, (1 << C.ACCOUNT_ID_BITS) - 1, "counterparty_id")
        check_int(self.size, 1, (1 << C.SIZE_BITS) - 1, "size")


def apply(ex: Ledger, op: Deleverage) -> None:
    acct = ex.account(op.account_id)
    mk = ex.priced_market(op.market_id)
    m = mk.id
    s = acct.sizes[m]
    if s == 0:
        raise Rejected(ErrorCode.NO_POSITION, f"account {acct.id} has no position in market {m}")
    v, _, _, mm = ex.risk_tuple(acct)
    if v >= mm:
        raise Rejected(ErrorCode.NOT_LIQUIDATABLE, f"value {v} >= maintenance margin {mm}")
    duration = ex.config.auction_duration_s
    start = acct.auction_start
    if not (v < -ex.fund_for(acct) or (start and start + duration <= op.time < start + 2 * duration)):
        raise Rejected(
            ErrorCode.AUCTION_LIVE, f"account {acct.id}: the fund covers it and its auction has not ended"
        )
    cp = ex.account(op.counterparty_id)
    if cp is acct:
        raise Rejected(ErrorCode.SAME_ACCOUNT, "an account cannot deleverage against itself")
    cs = cp.sizes[m]
    if cs * s >= 0:
        raise Rejected(ErrorCode.ADL_COUNTERPARTY, f"account {cp.id} holds no opposite position")
    if op.size > min(abs(s), abs(cs)) or op.size % mk.step:
        raise Rejected(
            ErrorCode.BAD_SIZE_STEP, f"size {op.size}: a multiple of {mk.step} up to both positions"
        )
    ranking = adl_ranking(ex, m, -1 if s > 0 else 1)
    if ranking[0] != cp.id:
        raise Rejected(ErrorCode.ADL_COUNTERPARTY, f"account {ranking[0]} ranks first, not {cp.id}")
    ex.cancel_account_orders(acct, ErrorCode.LIQUIDATED)
    p = mk.mark_price  # ADL settles at the price margin is measured at (protocol.md 4.8)
    pos_mm = position_maintenance(mk, s)
    rec = ex.records_enabled
    gb = ex.global_state()
    ab = acct.state() if rec else None
    cb = cp.state() if rec else None
    delta = -op.size if s > 0 else op.size
    oi_before = mk.open_interest
    fa, ra = ex.apply_leg(acct, mk, delta, p, 0)
    fc, rc = ex.apply_leg(cp, mk, -delta, p, 0)
    oi = oi_before + max(acct.sizes[m], 0) - max(s, 0) + max(cp.sizes[m], 0) - max(cs, 0)
    cpv = ex.risk_tuple(cp)[0]
    if v < 0:
        # the bankruptcy price: the counterparty makes the account whole, wherever the deficit
        # arose, as far as its own value goes
        transfer = min(-v, max(0, cpv))
    else:
        transfer = -bankruptcy_discount(v, op.size, s, pos_mm, mm, 1, 1)
    if transfer:
        ex.add_collateral(cp, -transfer)
        ex.add_collateral(acct, transfer)
    if oi != oi_before:
        ex.set_open_interest(mk, oi)
    ex.end_auction_if_flat(acct)
    ex.end_auction_if_flat(cp)
    if rec:
        ex.add_step(
            StepKind.DELEVERAGE,
            (LeafUpdate(acct.id, ab, acct.state(), None), LeafUpdate(cp.id, cb, cp.state(), None)),
            gb,
            DeleverageData(
                m, p, op.size, v, mm, pos_mm, abs(s), cpv, transfer, fa, fc, ra, rc, oi_before, oi
            ),
        )
    ex.emit(Deleveraged(acct.id, m, cp.id, -delta, p, transfer))
    ex.cover_from_insurance(acct)
    ex.cover_from_insurance(cp)  # a counterparty that was itself under water
