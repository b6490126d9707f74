"""Deleverage (auto-deleveraging, ADL): close a liquidatable account's position against the
top-ranked opposite position at the oracle price, moving to the liquidated account the share of
its deficit that the insurance fund cannot cover.

Rule: the account's value V < its maintenance margin; the counterparty holds a position of the
other sign in the market and is first in the ADL ranking (below); 0 < size <= min(|both
positions|), a multiple of the step.  The account's open orders are cancelled.  Both positions
move by size at the oracle price P (no fees).  With uncovered = max(0, -V - insurance fund) and N
the account's total notional sum(|s_m| * P_m * mult_m), the counterparty pays
loss = min(uncovered, ceil(uncovered * size * P * mult / N)) to the account, so when its last
position is closed the account's deficit is exactly what the fund covers.  The counterparty
pays at most the PnL it realises on this close and at most its account value:
loss = min(share, max(0, realised), max(0, value after the close)); anything left when the account
is flat falls to the insurance fund, then the fee pool (Margin.cover_from_insurance).

Ranking (sequencer policy, not provable in the circuit): by unrealised-PnL fraction times leverage,
score = upnl * notional / (max(|cost|, 1) * max(value, 1)) of the counterparty's position and
account, highest first, ties to the lower account id.  The keeper (sequencer.liquidation) uses ADL
only when closing against the book or by a liquidator is not possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.fixedpoint import cdiv
from protocol.records import LeafUpdate, StepKind
from protocol.steps.deleverage import DeleverageData
from sequencer.events import Deleveraged
from sequencer.margin import adl_ranking
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
    p = mk.oracle_price
    uncovered = max(0, -v - ex.insurance_fund)
    total = sum(abs(acct.sizes[x.id]) * x.oracle_price * x.mult for x in ex.active)
    share = min(uncovered, cdiv(uncovered * op.size * p * mk.mult, total)) if uncovered else 0
    rec = ex.records_enabled
    gb = ex.global_state()
    ab = acct.state() if rec else None
    cb = cp.state() if rec else None
    delta = -op.size if s > 0 else op.size
    oi_before = mk.open_interest
    fa, ra = ex.apply_leg(acct, mk, delta, p, 0)
    fc, rc = ex.apply_leg(cp, mk, -delta, p, 0)
    oi = oi_before + max(acct.sizes[m], 0) - max(s, 0) + max(cp.sizes[m], 0) - max(cs, 0)
    # the counterparty gives up at most the profit it realises here and never more than its value
    loss = min(share, max(0, rc), max(0, ex.risk_tuple(cp)[0])) if share else 0
    if loss:
        ex.add_collateral(cp, -loss)
        ex.add_collateral(acct, loss)
    if oi != oi_before:
        ex.set_open_interest(mk, oi)
    if rec:
        ex.add_step(
            StepKind.DELEVERAGE,
            (LeafUpdate(acct.id, ab, acct.state(), None), LeafUpdate(cp.id, cb, cp.state(), None)),
            gb,
            DeleverageData(m, p, op.size, uncovered, total, share, loss, fa, fc, ra, rc, oi_before, oi),
        )
    ex.emit(Deleveraged(acct.id, m, cp.id, -delta, p, loss))
    ex.cover_from_insurance(acct)
    ex.cover_from_insurance(cp)  # a counterparty that was itself under water and is now flat
