"""Matching an incoming order against one market's book, and settling each fill.

Price-time priority; fills at the maker's price; partial fills.  Before a fill settles both sides
must pass the trade margin rule (Exchange.fill_allowed); a maker that fails is cancelled and matching
goes on, a taker that fails stops matching.  A fill is applied tentatively and undone through the
exchange's undo log when a check after it fails, so the checks see exactly the post-fill state.

Each fill is one circuit step (StepKind.TRADE, or LIQUIDATION for a book-close liquidation) with
both leaves' preimages before and after, the signed orders and every amount the circuit re-derives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocol.constants import PPM
from protocol.errors import ErrorCode
from protocol.messages.order import SelfTrade
from protocol.records import LeafUpdate, SlotChange, StepKind, new_record
from protocol.steps.trade import TradeData
from sequencer.book import BUY, RestingOrder
from sequencer.events import FILLED as _FILLED
from sequencer.events import Fill, OrderUpdate

if TYPE_CHECKING:
    from sequencer.account import Account
    from sequencer.exchange import Exchange
    from sequencer.market import Market


def reducible(size: int, side: int) -> int:
    """How much an order on `side` can trade without increasing |size| or flipping it."""
    if side == BUY:
        return -size if size < 0 else 0
    return size if size > 0 else 0


def fee_of(notional: int, rate_ppm: int) -> int:
    """ceil(notional * rate / 10^6): charges round up, rebates (negative rates) round toward zero."""
    return -((-notional * rate_ppm) // PPM)


@dataclass(slots=True)
class MatchOutcome:
    filled: int
    stop: ErrorCode | None  # why matching stopped before the limit was reached (None: limit or size)


def match(
    ex: Exchange,
    mk: Market,
    taker: Account,
    side: int,
    limit: int,
    qty: int,
    *,
    order: RestingOrder | None,
    stp: int = SelfTrade.CANCEL_RESTING,
    reduce_only: bool = False,
    liquidation: bool = False,
) -> MatchOutcome:
    """Match `qty` of `taker` on `side` up to price `limit`.  `order` is the taker's signed order
    (None for a liquidation, where the taker pays the liquidation penalty instead of the taker fee
    and the fill must keep the account's deficit within what the insurance fund can cover)."""
    m = mk.id
    opp = mk.book.opposite(side)
    undo = ex._undo
    events = ex._events
    rec = ex.records_enabled
    remaining = qty
    filled = 0
    stop: ErrorCode | None = None
    sign = 1 if side == BUY else -1
    kind = StepKind.LIQUIDATION if liquidation else StepKind.TRADE
    keys, levels = opp.keys, opp.levels  # the best level is levels[keys[-1]] (BookSide.best)
    while remaining > 0:
        if not keys:
            stop = ErrorCode.NO_LIQUIDITY
            break
        level = levels[keys[-1]]
        price = level.price
        if (price > limit) if side == BUY else (price < limit):
            if filled == 0:
                stop = ErrorCode.NO_LIQUIDITY
            break
        maker = level.orders[0]
        if not maker.live:
            opp.pop_dead_front(level, undo)
            continue
        if not mk.band_lo <= price <= mk.band_hi:
            ex.cancel_order(maker, ErrorCode.PRICE_OUT_OF_BAND)
            continue
        if maker.account_id == taker.id:
            if liquidation or stp == SelfTrade.CANCEL_RESTING:
                ex.cancel_order(maker, ErrorCode.SELF_TRADE)
                continue
            if stp == SelfTrade.CANCEL_BOTH:
                ex.cancel_order(maker, ErrorCode.SELF_TRADE)
            stop = ErrorCode.SELF_TRADE
            break
        mk_acct = ex.accounts[maker.account_id]
        q = min(remaining, maker.remaining)
        if maker.reduce_only:
            r = reducible(mk_acct.sizes[m], maker.side)
            if r == 0:
                ex.cancel_order(maker, ErrorCode.REDUCE_ONLY_WOULD_INCREASE)
                continue
            q = min(q, r)
        if reduce_only:
            r = reducible(taker.sizes[m], side)
            if r == 0:
                stop = ErrorCode.REDUCE_ONLY_WOULD_INCREASE
                break
            q = min(q, r)

        # ---- tentative fill -----------------------------------------------------------------------
        save = len(undo)
        gb = ex.global_state() if rec else None
        mb = mk_acct.state() if rec else None
        tb = taker.state() if rec else None
        ms_before, ts_before = mk_acct.sizes[m], taker.sizes[m]
        notional = q * price * mk.mult
        maker_fee = -((-notional * mk.maker_fee) // PPM)  # fee_of, inlined on the hot path
        if liquidation:
            # no taker fee to fund a rebate: the liquidated side pays the penalty to the fund instead
            maker_fee = max(maker_fee, 0)
            taker_fee = 0
        else:
            taker_fee = -((-notional * mk.taker_fee) // PPM)
        m_fund, m_real = ex.apply_leg(mk_acct, mk, -sign * q, price, maker_fee)
        t_fund, t_real = ex.apply_leg(taker, mk, sign * q, price, taker_fee)
        oi_before = mk.open_interest
        oi = (
            oi_before
            + max(mk_acct.sizes[m], 0)
            - max(ms_before, 0)
            + max(taker.sizes[m], 0)
            - max(ts_before, 0)
        )
        if oi > mk.oi_cap and oi > oi_before:
            ex.rollback_to(save)
            stop = ErrorCode.OPEN_INTEREST_CAP
            break
        v, _, im, mm = ex.risk_tuple(mk_acct)
        if v < im and not _reduced_above_maintenance(mk_acct.sizes[m], ms_before, v, mm):
            ex.rollback_to(save)
            ex.cancel_order(maker, ErrorCode.INSUFFICIENT_MARGIN)
            continue
        if liquidation:
            v = ex.risk_tuple(taker)[0]
            if v < -ex.insurance_fund:
                ex.rollback_to(save)
                stop = ErrorCode.INSURANCE_INSUFFICIENT
                break
            full = fee_of(notional, mk.liq_fee)
            taker_fee = min(full, max(v, 0))
            if taker_fee:
                ex.add_collateral(taker, -taker_fee)
                ex.add_insurance(taker_fee)
        else:
            v, _, im, mm = ex.risk_tuple(taker)
            if v < im and not _reduced_above_maintenance(taker.sizes[m], ts_before, v, mm):
                ex.rollback_to(save)
                stop = ErrorCode.INSUFFICIENT_MARGIN
                break
        if oi != oi_before:
            undo.append((setattr, mk, "open_interest", oi_before))
            mk.open_interest = oi
            ex._gcache = None
        fees = maker_fee if liquidation else maker_fee + taker_fee  # >= 0: the rebate never exceeds the fee
        if fees:
            ex.add_fees(fees)

        # ---- commit the fill ---------------------------------------------------------------------
        m_slot = _fill_order(ex, mk_acct, maker, q, rec)
        t_slot = _fill_order(ex, taker, order, q, rec) if order is not None else None
        opp.reduce(maker, q, undo)
        if maker.remaining == 0:
            maker.live = False
            del mk_acct.live[maker.order_id]
            undo.append((ex._unclose, maker))
            events.append(OrderUpdate(maker.account_id, maker.order_id, m, _FILLED, maker.filled, 0))
        events.append(
            Fill(
                m,
                price,
                q,
                side,
                maker.account_id,
                maker.order_id,
                taker.id,
                order.order_id if order is not None else 0,
                maker_fee,
                taker_fee,
            )
        )
        if rec:
            ex.add_step(
                kind,
                (
                    new_record(LeafUpdate, (mk_acct.id, mb, mk_acct.state(), m_slot)),
                    new_record(LeafUpdate, (taker.id, tb, taker.state(), t_slot)),
                ),
                gb,  # type: ignore[arg-type]
                TradeData(
                    m,
                    price,
                    q,
                    side,
                    mk.oracle_price,
                    maker.op,
                    order.op if order is not None else None,
                    maker_fee,
                    taker_fee,
                    m_fund,
                    t_fund,
                    m_real,
                    t_real,
                    oi_before,
                    oi,
                ),
            )
        remaining -= q
        filled += q
    return MatchOutcome(filled, stop)


def _reduced_above_maintenance(size: int, size_before: int, value: int, maintenance: int) -> bool:
    """The second branch of the trade rule: the fill only reduced |position| (no flip) and the
    account still meets maintenance margin."""
    return abs(size) < abs(size_before) and size * size_before >= 0 and value >= maintenance


def _fill_order(ex: Exchange, acct: Account, order: RestingOrder, q: int, rec: bool) -> SlotChange | None:
    """Advance an order's fill and its committed slot (order_id, filled); the slot change for the
    step record when `rec`."""
    slots, slot = acct.slots, order.slot
    before = slots.get(slot)
    filled = order.filled
    slots[slot] = after = (order.order_id, filled + q)
    order.filled = filled + q
    order.remaining -= q
    ex._undo.append((_unfill_order, slots, slot, before, order, q))
    if rec:
        return new_record(SlotChange, (slot, (0, 0) if before is None else before, after))
    return None


def _unfill_order(
    slots: dict[int, tuple[int, int]], slot: int, before: tuple[int, int] | None, order: RestingOrder, q: int
) -> None:
    if before is None:
        del slots[slot]
    else:
        slots[slot] = before
    order.filled -= q
    order.remaining += q
