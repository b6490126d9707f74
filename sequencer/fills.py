"""Settling one fill of matching: trying it, then committing it.

`try_fill` applies a fill tentatively (both legs at the maker's price, fees, the liquidation
penalty) and checks it: the open-interest cap, the trade margin rule for both sides
(Margin.fill_allowed's rule, with the risk already at hand), a liquidation's deficit within the
insurance fund; a fill that fails is rolled back to its savepoint.  `commit_fill` then advances
both orders' committed slots (`fill_order`), the book, the events and the step record (TRADE, or
LIQUIDATION for a book-close liquidation: both leaves' preimages before and after, the signed
orders and every amount the circuit re-derives).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocol.constants import PPM
from protocol.errors import ErrorCode
from protocol.records import AccountState, GlobalState, LeafUpdate, SlotChange, StepKind, new_record
from protocol.steps.trade import TradeData
from sequencer.book import BUY, BookSide, RestingOrder
from sequencer.events import Fill

if TYPE_CHECKING:
    from sequencer.account import Account
    from sequencer.ledger import Ledger
    from sequencer.market import Market


def fee_of(notional: int, rate_ppm: int) -> int:
    """ceil(notional * rate / 10^6): charges round up, rebates (negative rates) round toward zero."""
    return -((-notional * rate_ppm) // PPM)


@dataclass(slots=True)
class SettledFill:
    """A fill that passed its checks (`try_fill`), with what its record needs."""

    maker: RestingOrder
    maker_account: Account
    price: int
    qty: int
    maker_fee: int
    taker_fee: int  # the liquidation penalty for a liquidation
    maker_funding: int
    taker_funding: int
    maker_realised: int
    taker_realised: int
    oi_before: int
    oi: int
    global_before: GlobalState | None  # None with records off
    maker_before: AccountState | None
    taker_before: AccountState | None


def try_fill(
    ex: Ledger,
    mk: Market,
    maker: RestingOrder,
    taker: Account,
    side: int,
    price: int,
    q: int,
    liquidation: bool,
) -> tuple[SettledFill | None, ErrorCode | None]:
    """Apply a fill of `q` at `price` tentatively (both legs, fees, the liquidation penalty) and
    check it: (fill, None) when it stands; (None, None) when the maker failed the trade rule and
    was cancelled; (None, code) when matching stops (open-interest cap, the taker's margin, a
    liquidation beyond the insurance fund).  A failed fill is rolled back."""
    m = mk.id
    rec = ex.records_enabled
    mk_acct = ex.accounts[maker.account_id]
    save = ex.savepoint()
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
    sign = 1 if side == BUY else -1
    m_fund, m_real = ex.apply_leg(mk_acct, mk, -sign * q, price, maker_fee)
    t_fund, t_real = ex.apply_leg(taker, mk, sign * q, price, taker_fee)
    oi_before = mk.open_interest
    oi = oi_before + max(mk_acct.sizes[m], 0) - max(ms_before, 0) + max(taker.sizes[m], 0) - max(ts_before, 0)
    if oi > oi_before and (
        oi > mk.oi_cap
        # protocol.md 4.6: the open interest a market may build is tied to the insurance fund
        or (mk.oi_fund_k and oi * mk.mark_price * mk.mult > mk.oi_fund_k * ex.insurance_fund)
    ):
        ex.rollback_to(save)
        return None, ErrorCode.OPEN_INTEREST_CAP
    v, _, im, mm = ex.risk_tuple(mk_acct)
    if v < im and not _reduced_above_maintenance(mk_acct.sizes[m], ms_before, v, mm):
        ex.rollback_to(save)
        ex.cancel_order(maker, ErrorCode.INSUFFICIENT_MARGIN)
        return None, None
    if liquidation:
        v = ex.risk_tuple(taker)[0]
        if v < -ex.fund_for(taker):
            ex.rollback_to(save)
            return None, ErrorCode.INSURANCE_INSUFFICIENT
        full = fee_of(notional, mk.liq_fee)
        taker_fee = min(full, max(v, 0))
        if taker_fee:
            ex.add_collateral(taker, -taker_fee)
            ex.add_insurance(taker_fee)
        ex.end_auction_if_flat(taker)
    else:
        v, _, im, mm = ex.risk_tuple(taker)
        if v < im and not _reduced_above_maintenance(taker.sizes[m], ts_before, v, mm):
            ex.rollback_to(save)
            return None, ErrorCode.INSUFFICIENT_MARGIN
    if oi != oi_before:
        ex.set_open_interest(mk, oi)
    fees = maker_fee if liquidation else maker_fee + taker_fee  # >= 0: the rebate never exceeds the fee
    if fees:
        ex.add_fees(fees)
    fill = SettledFill(
        maker,
        mk_acct,
        price,
        q,
        maker_fee,
        taker_fee,
        m_fund,
        t_fund,
        m_real,
        t_real,
        oi_before,
        oi,
        gb,
        mb,
        tb,
    )
    return fill, None


def commit_fill(
    ex: Ledger,
    mk: Market,
    opp: BookSide,
    fill: SettledFill,
    taker: Account,
    order: RestingOrder | None,
    side: int,
    liquidation: bool,
) -> None:
    """Advance both orders' fills and slots (a liquidation's taker has no order), take the quantity
    off the book (a maker filled completely leaves it), emit the Fill and record the step
    (TRADE, or LIQUIDATION for a book-close liquidation)."""
    rec = ex.records_enabled
    maker, mk_acct, q = fill.maker, fill.maker_account, fill.qty
    m_slot = fill_order(ex, mk_acct, maker, q, rec)
    t_slot = fill_order(ex, taker, order, q, rec) if order is not None else None
    opp.reduce(maker, q, ex.undo)
    ex.set_last_trade(mk, fill.price)
    if maker.remaining == 0:
        ex.finish_order(maker)
    ex.events.append(
        Fill(
            mk.id,
            fill.price,
            q,
            side,
            maker.account_id,
            maker.order_id,
            taker.id,
            order.order_id if order is not None else 0,
            fill.maker_fee,
            fill.taker_fee,
        )
    )
    if rec:
        gb = fill.global_before
        assert gb is not None  # recorded by try_fill with records on
        ex.add_step(
            StepKind.LIQUIDATION if liquidation else StepKind.TRADE,
            (
                new_record(LeafUpdate, (mk_acct.id, fill.maker_before, mk_acct.state(), m_slot)),
                new_record(LeafUpdate, (taker.id, fill.taker_before, taker.state(), t_slot)),
            ),
            gb,
            TradeData(
                mk.id,
                fill.price,
                q,
                side,
                mk.oracle_price,
                maker.op,
                order.op if order is not None else None,
                fill.maker_fee,
                fill.taker_fee,
                fill.maker_funding,
                fill.taker_funding,
                fill.maker_realised,
                fill.taker_realised,
                fill.oi_before,
                fill.oi,
            ),
        )


def _reduced_above_maintenance(size: int, size_before: int, value: int, maintenance: int) -> bool:
    """The second branch of the trade rule: the fill only reduced |position| (no flip) and the
    account still meets maintenance margin."""
    return abs(size) < abs(size_before) and size * size_before >= 0 and value >= maintenance


def fill_order(ex: Ledger, acct: Account, order: RestingOrder, q: int, rec: bool) -> SlotChange | None:
    """Advance an order's fill and its committed slot (order_id, filled), logged; the slot change
    for the step record when `rec`.  (Fills of resting and incoming orders, and a liquidator's
    takeover order.)"""
    slots, slot = acct.slots, order.slot
    before = slots.get(slot)
    filled = order.filled
    slots[slot] = after = (order.order_id, filled + q)
    order.filled = filled + q
    order.remaining -= q
    ex.undo.append((_unfill_order, slots, slot, before, order, q))
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
