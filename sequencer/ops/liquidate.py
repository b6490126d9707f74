"""Liquidate: close (part of) one position of an account below maintenance margin, against the
book (a partial liquidation) or by a takeover in the account's liquidation auction.

Rule (protocol.md 4.8): the account's value V < its maintenance margin MM (at mark prices M,
pending funding counted, as margin is); the market has a fresh price (ORACLE_STALE otherwise; a
reduce-only or halted market does not stop a liquidation, 4.11); 0 < size <= |position|, a
multiple of the step.  All the account's open orders are cancelled.  Then either
- the position is closed against the book (liquidator None): size <= the restoring size
  (`sequencer.margin.restore_size`: what brings V back to LIQUIDATION_TARGET_PPM of MM at M,
  penalty paid); a liquidation order matched like an IOC order with its worst price at the edge
  of the band around the oracle price P, each fill keeping value >= -insurance fund, paying the
  penalty min(ceil(q * p * mult * liquidation_fee / 10^6), max(value, 0)) to the insurance fund
  instead of the taker fee; makers are charged their fee but get no rebate; or
- a liquidator takes the position over in the account's auction (auction_start != 0 and
  time < auction_start + 2 * auction_duration_s): the liquidator's signed order (other side, same
  market, limit no worse than the mark price M; its id is used as for any order; with the
  reduce-only flag it takes at most what reduces its own position) fills q = min(size, its size)
  at M, and the account pays the liquidator the auction discount
  floor(max(V, 0) * q * mm_m * elapsed / (|s| * MM * auction_duration_s)), elapsed =
  min(time - auction_start, auction_duration_s): the price moves from M to the bankruptcy price;
  the liquidator must pass the trade margin rule; if V < 0 the insurance fund must cover -V.  A
  takeover is accepted in a reduce-only or halted market even when it increases the liquidator's
  position: it is how the book is replaced once a breaker has emptied it.
Then the insurance fund pays at once whatever value is left negative (an INSURANCE_COVER step), and
an account left flat ends its auction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.messages.order import FLAG_REDUCE_ONLY
from protocol.records import LeafUpdate, StepKind
from protocol.steps.liquidation import TakeoverData
from sequencer.book import BUY, SELL, RestingOrder
from sequencer.events import Liquidated
from sequencer.fills import fill_order
from sequencer.margin import bankruptcy_discount, position_maintenance, restore_size
from sequencer.matching import match, reducible
from sequencer.ops.common import check_int
from sequencer.ops.order import PlaceOrder, check_order_basics

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Liquidate:
    TYPE: ClassVar[str] = "liquidate"

    time: int
    account_id: int
    market_id: int
    size: int
    liquidator: PlaceOrder | None = None

    def validate(self) -> None:
        check_int(self.account_id, 0, (1 << C.ACCOUNT_ID_BITS) - 1, "account_id")
        check_int(self.market_id, 0, C.MAX_MARKETS - 1, "market_id")
        check_int(self.size, 1, (1 << C.SIZE_BITS) - 1, "size")
        if self.liquidator is not None:
            if not isinstance(self.liquidator, PlaceOrder):
                raise Rejected(ErrorCode.MALFORMED, "liquidator must be a signed PlaceOrder or None")
            self.liquidator.validate()

    def signed_parts(self, ex: Ledger) -> list[tuple[Any, Any, Any]]:
        return [] if self.liquidator is None else self.liquidator.signed_parts(ex)


def apply(ex: Ledger, op: Liquidate) -> None:
    acct = ex.account(op.account_id)
    mk = ex.priced_market(op.market_id)
    m = mk.id
    s = acct.sizes[m]
    if s == 0:
        raise Rejected(ErrorCode.NO_POSITION, f"account {acct.id} has no position in market {m}")
    if op.size > abs(s) or op.size % mk.step:
        raise Rejected(ErrorCode.BAD_SIZE_STEP, f"size {op.size}: a multiple of {mk.step} up to {abs(s)}")
    v, _, _, mm = ex.risk_tuple(acct)
    if v >= mm:
        raise Rejected(ErrorCode.NOT_LIQUIDATABLE, f"value {v} >= maintenance margin {mm}")
    ex.cancel_account_orders(acct, ErrorCode.LIQUIDATED)
    side = SELL if s > 0 else BUY
    if op.liquidator is None:
        most = restore_size(v, mm, mk, s)
        if op.size > most:
            raise Rejected(ErrorCode.LIQUIDATION_TOO_LARGE, f"size {op.size} above the restoring size {most}")
        fund_before = ex.insurance_fund
        limit = mk.band_lo if side == SELL else mk.band_hi
        out = match(ex, mk, acct, side, limit, op.size, order=None, liquidation=True)
        if out.filled == 0:
            raise Rejected(out.stop or ErrorCode.NO_LIQUIDITY, "nothing could be closed against the book")
        signed = out.filled if s > 0 else -out.filled
        ex.emit(Liquidated(acct.id, m, signed, 0, None, ex.insurance_fund - fund_before))
    else:
        _takeover(ex, op, acct, mk, side, v, mm)
    ex.cover_from_insurance(acct)


def _takeover(ex: Ledger, op: Liquidate, acct: Any, mk: Any, side: int, v: int, mm: int) -> None:
    lop = op.liquidator
    assert lop is not None
    lmsg = lop.msg
    m = mk.id
    liq = ex.account(lmsg.account_id)
    start, duration = acct.auction_start, ex.config.auction_duration_s
    if not start or op.time >= start + 2 * duration:
        raise Rejected(ErrorCode.NO_AUCTION, f"account {acct.id} has no live liquidation auction")
    if liq is acct:
        raise Rejected(ErrorCode.SAME_ACCOUNT, "an account cannot take over its own position")
    if lmsg.market_id != m or lmsg.side == side:
        raise Rejected(ErrorCode.MALFORMED, "the liquidator's order must take the other side of this market")
    # no market-status check: a takeover is accepted in a reduce-only or halted market, even when
    # it increases the liquidator's position (protocol.md 4.8, 4.11)
    check_order_basics(ex, liq, mk, lmsg, op.time)
    p = mk.mark_price  # takeovers settle at the price margin is measured at (protocol.md 4.8)
    if (lmsg.side == BUY and lmsg.price < p) or (lmsg.side == SELL and lmsg.price > p):
        raise Rejected(ErrorCode.PRICE_OUT_OF_BAND, f"mark price {p} is beyond the liquidator's limit")
    fund = ex.fund_for(acct)
    if v < 0 and fund < -v:
        raise Rejected(ErrorCode.INSURANCE_INSUFFICIENT, f"deficit {-v} above the fund it may use, {fund}")
    q = min(op.size, lmsg.size)
    if lmsg.flags & FLAG_REDUCE_ONLY:
        q = min(q, reducible(liq.sizes[m], lmsg.side))
        if q == 0:
            raise Rejected(ErrorCode.REDUCE_ONLY_WOULD_INCREASE, "the liquidator's order is reduce-only")
    rec = ex.records_enabled
    gb = ex.global_state()
    ab = acct.state() if rec else None
    lb = liq.state() if rec else None
    order = RestingOrder(lop, ex.seq, 0)
    ex.set_item(liq.slot_last, order.slot, lmsg.order_id)
    a_before, l_before = acct.sizes[m], liq.sizes[m]
    pos_mm = position_maintenance(mk, a_before)
    elapsed = min(op.time - start, duration)
    delta = q if side == BUY else -q
    fa, ra = ex.apply_leg(acct, mk, delta, p, 0)
    fl, rl = ex.apply_leg(liq, mk, -delta, p, 0)
    oi_before = mk.open_interest
    oi = oi_before + max(acct.sizes[m], 0) - max(a_before, 0) + max(liq.sizes[m], 0) - max(l_before, 0)
    if oi > mk.oi_cap and oi > oi_before:
        raise Rejected(ErrorCode.OPEN_INTEREST_CAP, "the takeover would exceed the open-interest cap")
    # the Dutch auction: from the oracle price (elapsed 0) to the bankruptcy price (the duration)
    penalty = bankruptcy_discount(v, q, a_before, pos_mm, mm, elapsed, duration)
    if penalty:
        ex.add_collateral(acct, -penalty)
        ex.add_collateral(liq, penalty)
    if not ex.fill_allowed(liq, m, l_before):
        raise Rejected(ErrorCode.INSUFFICIENT_MARGIN, "the liquidator would break the margin rule")
    if oi != oi_before:
        ex.set_open_interest(mk, oi)
    slot = fill_order(ex, liq, order, q, rec)
    ex.end_auction_if_flat(acct)
    ex.end_auction_if_flat(liq)
    if rec:
        ex.add_step(
            StepKind.LIQUIDATION,
            (LeafUpdate(acct.id, ab, acct.state(), None), LeafUpdate(liq.id, lb, liq.state(), slot)),
            gb,
            TakeoverData(
                m,
                p,
                q,
                side,
                lop,
                penalty,
                fa,
                fl,
                ra,
                rl,
                oi_before,
                oi,
                op.time,
                elapsed,
                v,
                mm,
                pos_mm,
                abs(a_before),
            ),
        )
    ex.emit(Liquidated(acct.id, m, -delta, p, liq.id, penalty))
