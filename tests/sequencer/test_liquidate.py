"""Liquidation: below maintenance margin, closed against the book (penalty to the insurance fund) or
taken over by a liquidator's signed order at the oracle price (penalty to the liquidator); deficits
covered by the insurance fund."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.events import InsuranceCovered, Liquidated, OrderUpdate
from sequencer.ops import Liquidate
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, SELL, USD, World, make_config

P = 5_000_000


def leveraged_long(insurance: int = 0) -> World:
    """Trader 2: 3,000 USD, 1 BTC long from 50,000 (taker fee 25 USD -> collateral 2,975)."""
    w = World(make_config(insurance_fund=insurance)).funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    assert w.acct(2).collateral == 2_975 * USD
    return w


def move(w: World, price: int) -> None:
    w.tick()
    assert w.oracle(BTC, price).ok


def test_not_liquidatable_above_maintenance() -> None:
    w = leveraged_long()
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000), ErrorCode.NOT_LIQUIDATABLE)
    move(w, 4_940_000)  # value 2,375 >= MM 1,482
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000), ErrorCode.NOT_LIQUIDATABLE)


def test_close_against_the_book_worked() -> None:
    w = leveraged_long()
    assert w.order(2, BTC, SELL, 5_100_000, 1_000).ok  # an open order of the account
    move(w, 4_790_000)  # value 2,975 - 2,100 = 875 < MM 1,437
    assert w.ex.risk(w.acct(2)).liquidatable and w.ex.liquidatable_accounts() == [w.aid(2)]
    assert w.order(1, BTC, BUY, 4_780_000, 10_000).ok
    res = w.apply(Liquidate(w.time, w.aid(2), BTC, 10_000))
    assert res.ok
    cancelled = [e for e in res.events if isinstance(e, OrderUpdate) and e.reason == ErrorCode.LIQUIDATED]
    assert len(cancelled) == 1
    # sold at 47,800: realised -2,200 -> 775; penalty 1% of 47,800 = 478 to the fund -> 297
    acct = w.acct(2)
    assert acct.sizes[BTC] == 0 and acct.collateral == 297 * USD
    assert w.ex.insurance_fund == 478 * USD
    assert [s.kind for s in res.record.steps] == [StepKind.LIQUIDATION]
    assert [e for e in res.events if isinstance(e, Liquidated)] == [
        Liquidated(w.aid(2), BTC, 10_000, 0, None, 478 * USD)
    ]
    assert w.acct(1).collateral == 100_000 * USD  # the maker: no rebate on a liquidation fill


def test_book_close_stops_where_the_fund_cannot_cover() -> None:
    w = leveraged_long()
    move(w, 4_700_000)  # value -25: bankrupt, empty fund
    assert w.order(1, BTC, BUY, 4_690_000, 10_000).ok
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000), ErrorCode.INSURANCE_INSUFFICIENT)


def test_insurance_fund_covers_the_deficit() -> None:
    w = leveraged_long(insurance=1_000 * USD)
    move(w, 4_700_000)
    assert w.order(1, BTC, BUY, 4_690_000, 10_000).ok
    res = w.apply(Liquidate(w.time, w.aid(2), BTC, 10_000))
    # sold at 46,900: realised -3,100 -> -125; no penalty (value < 0); the fund pays 125
    assert [s.kind for s in res.record.steps] == [StepKind.LIQUIDATION, StepKind.INSURANCE_COVER]
    assert InsuranceCovered(w.aid(2), 125 * USD) in res.events
    assert w.acct(2).collateral == 0 and w.ex.insurance_fund == 875 * USD


def test_takeover_by_a_liquidator() -> None:
    w = leveraged_long()
    move(w, 4_790_000)
    liq_order = w.order_op(1, BTC, BUY, 4_790_000, 20_000, tif=TimeInForce.IOC)
    res = w.apply(Liquidate(w.time, w.aid(2), BTC, 10_000, liq_order))
    assert res.ok
    # at the oracle price 47,900: realised -2,100 -> 875; penalty 479 to the liquidator
    assert w.acct(2).collateral == 396 * USD and w.acct(2).sizes[BTC] == 0
    assert w.acct(1).collateral == 100_479 * USD and w.acct(1).sizes[BTC] == 10_000
    assert w.acct(1).slots[liq_order.msg.order_id & 1023] == (liq_order.msg.order_id, 10_000)
    # the liquidator's order is spent
    again = Liquidate(w.time, w.aid(2), BTC, 10_000, liq_order)
    assert not w.ex.apply(again).ok


def test_takeover_rules() -> None:
    w = leveraged_long()
    move(w, 4_790_000)
    low = w.order_op(1, BTC, BUY, 4_780_000, 10_000, tif=TimeInForce.IOC)  # below the oracle price
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000, low), ErrorCode.PRICE_OUT_OF_BAND)
    wrong_side = w.order_op(1, BTC, SELL, 4_790_000, 10_000, tif=TimeInForce.IOC)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000, wrong_side), ErrorCode.MALFORMED)
    own = w.order_op(2, BTC, BUY, 4_790_000, 10_000, tif=TimeInForce.IOC)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000, own), ErrorCode.SAME_ACCOUNT)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_005), ErrorCode.BAD_SIZE_STEP)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(1), BTC, 10), ErrorCode.NO_POSITION)
    assert w.deposit(3, 10 * USD).ok
    poor = w.order_op(3, BTC, BUY, 4_790_000, 10_000, tif=TimeInForce.IOC)
    assert_rejected_unchanged(
        w, Liquidate(w.time, w.aid(2), BTC, 10_000, poor), ErrorCode.INSUFFICIENT_MARGIN
    )
