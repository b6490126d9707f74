"""Placing orders: acceptance rules, matching (price-time priority, maker price, partial fills,
fees), time in force, reduce-only, self-trade prevention, margin at fill time, open-interest cap."""

from __future__ import annotations

from dataclasses import replace

import pytest

from protocol.errors import ErrorCode
from protocol.messages.order import SelfTrade, TimeInForce
from sequencer.events import Fill, OrderState, OrderUpdate
from sequencer.exchange import Result
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BTC_MARKET, BUY, ETH, SELL, USD, World, make_config, trader_signer

P = 5_000_000  # 50,000.00 USD, BTC's oracle price in the fixture
ONE_BTC = 10_000


def fills(res: Result) -> list[Fill]:
    return [e for e in res.events if isinstance(e, Fill)]


def status(res: Result) -> OrderUpdate:
    return [e for e in res.events if isinstance(e, OrderUpdate)][-1]


def test_fill_at_maker_price_with_fees_worked(world: World) -> None:
    assert world.order(0, BTC, SELL, P, ONE_BTC).ok  # ask 1 BTC at 50,000
    res = world.order(1, BTC, BUY, P + 10_000, 4_000)  # buy 0.4 BTC, limit 50,100
    assert res.ok
    (f,) = fills(res)
    assert (f.price, f.size, f.taker_side) == (P, 4_000, BUY)  # the maker's price
    # notional 4,000 * 5,000,000 * 1 = 20,000 USD; taker 0.05% = 10 USD; maker rebate 0.01% = 2 USD
    assert f.taker_fee == 10 * USD
    assert f.maker_fee == -2 * USD
    assert world.ex.fee_pool == 8 * USD
    buyer, seller = world.acct(1), world.acct(0)
    assert buyer.sizes[BTC] == 4_000 and buyer.costs[BTC] == 20_000 * USD
    assert seller.sizes[BTC] == -4_000 and seller.costs[BTC] == -20_000 * USD
    assert buyer.collateral == 100_000 * USD - 10 * USD
    assert seller.collateral == 100_000 * USD + 2 * USD
    assert status(res).state == OrderState.FILLED
    assert world.ex.markets[BTC].open_interest == 4_000
    # the maker rests with 0.6 BTC left; both slots hold (order_id, filled)
    assert world.ex.book_levels(BTC)["asks"] == [(P, 6_000)]
    assert seller.slots[1] == (1, 4_000) and buyer.slots[1] == (1, 4_000)


def test_price_time_priority(world: World) -> None:
    assert world.order(0, BTC, SELL, P + 100, 1_000).ok  # worse price, first
    assert world.order(2, BTC, SELL, P, 1_000).ok  # best price
    assert world.order(0, BTC, SELL, P, 1_000).ok  # best price, later
    res = world.order(1, BTC, BUY, P + 100, 2_500)
    got = [(f.maker_account, f.price, f.size) for f in fills(res)]
    assert got == [(world.aid(2), P, 1_000), (world.aid(0), P, 1_000), (world.aid(0), P + 100, 500)]
    assert world.ex.book_levels(BTC)["asks"] == [(P + 100, 500)]


def test_partial_fill_rests_the_rest(world: World) -> None:
    assert world.order(0, BTC, SELL, P, 1_000).ok
    res = world.order(1, BTC, BUY, P, 3_000)
    assert [f.size for f in fills(res)] == [1_000]
    st = status(res)
    assert (st.state, st.filled, st.remaining) == (OrderState.RESTING, 1_000, 2_000)
    assert world.ex.book_levels(BTC)["bids"] == [(P, 2_000)]
    assert not world.ex.markets[BTC].book.is_crossed()


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"price": P + 1}, ErrorCode.BAD_PRICE_TICK),
        ({"size": 15}, ErrorCode.BAD_SIZE_STEP),
        ({"price": int(P * 1.11) // 100 * 100}, ErrorCode.PRICE_OUT_OF_BAND),
        ({"price": int(P * 0.89) // 100 * 100}, ErrorCode.PRICE_OUT_OF_BAND),
        ({"expiry": 1}, ErrorCode.EXPIRED),
        ({"tif": TimeInForce.GTT, "market_order": True}, ErrorCode.BAD_ORDER_FLAGS),
        ({"flags": 3 << 4}, ErrorCode.BAD_ORDER_FLAGS),
        ({"flags": 1 << 6}, ErrorCode.VALUE_OUT_OF_RANGE),
        ({"size": 0}, ErrorCode.VALUE_OUT_OF_RANGE),
        ({"order_id": 0}, ErrorCode.VALUE_OUT_OF_RANGE),
    ],
)
def test_acceptance_rules(world: World, kw: dict, code: ErrorCode) -> None:
    args = {"price": P, "size": 1_000, **kw}
    price, size = args.pop("price"), args.pop("size")
    assert_rejected_unchanged(world, world.order_op(0, BTC, BUY, price, size, **args), code)


def test_unknown_market_account_and_bad_signature(world: World) -> None:
    op = world.order_op(0, BTC, BUY, P, 1_000)
    msg = replace(op.msg, market_id=5)
    bad_market = type(op)(op.time, msg, trader_signer(0).sign(msg.hash(world.domain)))
    assert_rejected_unchanged(world, bad_market, ErrorCode.UNKNOWN_MARKET)
    bad_account = type(op)(op.time, replace(op.msg, account_id=999), op.sig)
    assert_rejected_unchanged(world, bad_account, ErrorCode.UNKNOWN_ACCOUNT)
    other_key = type(op)(op.time, op.msg, trader_signer(2).sign(op.msg.hash(world.domain)))
    assert_rejected_unchanged(world, other_key, ErrorCode.BAD_SIGNATURE)
    wrong_domain = type(op)(op.time, op.msg, trader_signer(0).sign(op.msg.hash(world.domain + 1)))
    assert_rejected_unchanged(world, wrong_domain, ErrorCode.BAD_SIGNATURE)
    assert world.ex.apply(op).ok


def test_order_ids_slots_and_replay(world: World) -> None:
    op = world.order_op(0, BTC, BUY, P - 1_000, 1_000, order_id=7)
    assert world.apply(op).ok
    assert_rejected_unchanged(world, op, ErrorCode.ORDER_ID_USED)  # a replay
    lower = world.order_op(0, BTC, BUY, P - 1_000, 1_000, order_id=7)
    assert_rejected_unchanged(world, lower, ErrorCode.ORDER_ID_USED)
    same_slot = world.order_op(0, BTC, BUY, P - 1_000, 1_000, order_id=7 + 1024)
    assert_rejected_unchanged(world, same_slot, ErrorCode.ORDER_SLOT_BUSY)
    assert world.cancel(0, 7).ok
    assert world.apply(same_slot).ok  # the slot is free once 7 is gone
    # the filled amount of a resting order survives partial fills: never over-filled
    assert world.order(1, BTC, SELL, P - 1_000, 400).ok
    assert world.order(1, BTC, SELL, P - 1_000, 900).ok
    acct = world.acct(0)
    assert acct.slots[7] == (7 + 1024, 1_000)  # slot 7 = (order id, filled = its whole size)
    assert 7 + 1024 not in acct.live


def test_post_only(world: World) -> None:
    assert world.order(0, BTC, SELL, P, 1_000).ok
    assert_rejected_unchanged(
        world,
        world.order_op(1, BTC, BUY, P, 1_000, tif=TimeInForce.POST_ONLY),
        ErrorCode.POST_ONLY_WOULD_CROSS,
    )
    res = world.order(1, BTC, BUY, P - 100, 1_000, tif=TimeInForce.POST_ONLY)
    assert status(res).state == OrderState.RESTING


def test_ioc_and_market_orders(world: World) -> None:
    assert world.order(0, BTC, SELL, P, 1_000).ok
    assert world.order(0, BTC, SELL, P + 1_000, 1_000).ok
    res = world.order(1, BTC, BUY, P, 3_000, tif=TimeInForce.IOC)
    assert [f.size for f in fills(res)] == [1_000]
    st = status(res)
    assert (st.state, st.remaining, st.reason) == (OrderState.CANCELLED, 2_000, ErrorCode.NO_LIQUIDITY)
    assert world.ex.book_levels(BTC)["bids"] == []
    # a market buy with an absurd worst price is clamped to the band and takes the 50,010 level
    res = world.order(1, BTC, BUY, 900_000_000, 3_000, tif=TimeInForce.IOC, market_order=True)
    assert [(f.price, f.size) for f in fills(res)] == [(P + 1_000, 1_000)]
    # nothing left: accepted (the id is used) and cancelled for lack of liquidity
    res = world.order(1, BTC, BUY, P, 1_000, tif=TimeInForce.IOC)
    assert res.ok and status(res).reason == ErrorCode.NO_LIQUIDITY and not fills(res)


def test_fok_fills_completely_or_changes_nothing(world: World) -> None:
    assert world.order(0, BTC, SELL, P, 1_000).ok
    assert world.order(2, BTC, SELL, P + 100, 1_000).ok
    assert_rejected_unchanged(
        world, world.order_op(1, BTC, BUY, P + 100, 2_500, tif=TimeInForce.FOK), ErrorCode.FOK_NOT_FILLED
    )
    res = world.order(1, BTC, BUY, P + 100, 2_000, tif=TimeInForce.FOK)
    assert [f.size for f in fills(res)] == [1_000, 1_000]


def test_reduce_only(world: World) -> None:
    assert_rejected_unchanged(
        world, world.order_op(0, BTC, SELL, P, 1_000, reduce_only=True), ErrorCode.REDUCE_ONLY_WOULD_INCREASE
    )
    assert world.order(0, BTC, SELL, P, 500).ok
    assert world.order(1, BTC, BUY, P, 500).ok  # trader 1 long 0.05 BTC
    assert world.order(2, BTC, BUY, P, 2_000).ok  # bid 0.2 BTC
    res = world.order(1, BTC, SELL, P, 2_000, reduce_only=True, tif=TimeInForce.IOC)
    assert [f.size for f in fills(res)] == [500]  # clipped to the position
    assert status(res).reason == ErrorCode.REDUCE_ONLY_WOULD_INCREASE
    assert world.acct(1).sizes[BTC] == 0


@pytest.mark.parametrize(
    ("stp", "maker_left", "taker_fills", "taker_state"),
    [
        (SelfTrade.CANCEL_RESTING, False, [1_000], OrderState.FILLED),
        (SelfTrade.CANCEL_INCOMING, True, [], OrderState.CANCELLED),
        (SelfTrade.CANCEL_BOTH, False, [], OrderState.CANCELLED),
    ],
)
def test_self_trade_prevention(
    world: World, stp: SelfTrade, maker_left: bool, taker_fills: list[int], taker_state: OrderState
) -> None:
    assert world.order(0, BTC, SELL, P, 1_000).ok  # own resting ask, best
    assert world.order(2, BTC, SELL, P + 100, 1_000).ok
    res = world.order(0, BTC, BUY, P + 100, 1_000, tif=TimeInForce.IOC, stp=stp)
    assert res.ok
    assert [f.size for f in fills(res)] == taker_fills
    assert (1 in world.acct(0).live) == maker_left
    assert status(res).state == taker_state
    assert all(f.maker_account != f.taker_account for f in fills(res))


def test_taker_margin_checked_at_fill(world: World) -> None:
    w = World().funded(2).priced()
    assert w.deposit(2, 1_000 * USD).ok  # 1,000 USD: at 5% IM it carries 20,000 USD notional
    assert w.order(0, BTC, SELL, P, ONE_BTC).ok
    # GTT: refused up front (a full fill would need 2,500 USD initial margin)
    assert_rejected_unchanged(w, w.order_op(2, BTC, BUY, P, ONE_BTC), ErrorCode.INSUFFICIENT_MARGIN)
    # IOC: the first fill fails the rule -> rejected, nothing changes
    assert_rejected_unchanged(
        w, w.order_op(2, BTC, BUY, P, ONE_BTC, tif=TimeInForce.IOC), ErrorCode.INSUFFICIENT_MARGIN
    )
    # 0.3 BTC = 15,000 USD notional, IM 750 USD: fine
    assert w.order(2, BTC, BUY, P, 3_000, tif=TimeInForce.IOC).ok


def test_reducing_fill_allowed_between_maintenance_and_initial() -> None:
    w = World().funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok  # 1 BTC long, taker fee 25 USD
    # BTC -2%: value = 2,975 - 1,000 = 1,975 USD; IM at 49,000 = 2,450, MM = 1,470
    w.tick()
    assert w.oracle(BTC, 4_900_000).ok
    r = w.ex.risk(w.acct(2))
    assert (r.value, r.initial, r.maintenance) == (1_975 * USD, 2_450 * USD, 1_470 * USD)
    assert w.order(1, BTC, BUY, 4_900_000, 5_000).ok
    assert w.order(0, BTC, SELL, 4_900_100, 1_000).ok
    assert_rejected_unchanged(
        w, w.order_op(2, BTC, BUY, 4_900_100, 1_000, tif=TimeInForce.IOC), ErrorCode.INSUFFICIENT_MARGIN
    )  # increasing: refused
    res = w.order(2, BTC, SELL, 4_900_000, 5_000, tif=TimeInForce.IOC)  # reducing: allowed
    assert [f.size for f in fills(res)] == [5_000]


def test_maker_failing_margin_is_cancelled_and_matching_goes_on() -> None:
    w = World().funded(2).priced()
    assert w.deposit(2, 600 * USD).ok
    assert w.order(2, BTC, SELL, P, 2_000).ok  # 10,000 USD notional needs 500 USD: rests
    assert w.order(0, BTC, SELL, P + 100, 2_000).ok
    assert w.withdraw(2, 200 * USD).ok  # now 400 USD: the resting order would break the rule
    res = w.order(1, BTC, BUY, P + 100, 2_000, tif=TimeInForce.IOC)
    cancelled = [e for e in res.events if isinstance(e, OrderUpdate) and e.account_id == w.aid(2)]
    assert cancelled[0].reason == ErrorCode.INSUFFICIENT_MARGIN
    assert [(f.maker_account, f.size) for f in fills(res)] == [(w.aid(0), 2_000)]


def test_open_interest_cap() -> None:
    small = replace(BTC_MARKET, open_interest_cap=20_000)
    w = World(make_config((small,))).funded(3)
    assert w.oracle(BTC, P).ok
    assert w.order(0, BTC, SELL, P, 30_000).ok
    assert w.order(1, BTC, BUY, P, 15_000).ok
    assert w.ex.markets[BTC].open_interest == 15_000
    assert_rejected_unchanged(
        w, w.order_op(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC), ErrorCode.OPEN_INTEREST_CAP
    )
    # trades that reduce open interest are always allowed: the short (trader 0) buys back from the long
    assert w.cancel(0, 1).ok
    assert w.order(0, BTC, BUY, P - 100, 5_000).ok
    res = w.order(1, BTC, SELL, P - 100, 5_000, tif=TimeInForce.IOC)
    assert res.ok and w.ex.markets[BTC].open_interest == 10_000


def test_resting_order_expires(world: World) -> None:
    assert world.order(0, BTC, SELL, P, 1_000, expiry=world.time + 10).ok
    world.tick(11)
    res = world.order(1, BTC, BUY, P, 1_000, tif=TimeInForce.IOC)
    expired = [e for e in res.events if isinstance(e, OrderUpdate) and e.reason == ErrorCode.EXPIRED]
    assert len(expired) == 1 and not fills(res)
    assert world.ex.book_levels(BTC)["asks"] == []


def test_two_markets_are_independent(world: World) -> None:
    assert world.order(0, ETH, SELL, 300_000, 1_000).ok  # 1 ETH at 3,000
    res = world.order(1, ETH, BUY, 300_000, 1_000)
    (f,) = fills(res)
    # ETH multiplier 10: notional 1,000 * 300,000 * 10 = 3,000 USD; taker 0.1% = 3 USD, maker 0
    assert (f.taker_fee, f.maker_fee) == (3 * USD, 0)
    assert world.acct(1).sizes[:2] == [0, 1_000]
    assert world.ex.book_levels(BTC) == {"bids": [], "asks": []}
