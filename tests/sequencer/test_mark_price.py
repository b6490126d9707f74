"""Manipulation resistance (protocol.md 4.12, 4.6): margin at a mark price that one thin order
cannot move (median of the oracle price, the oracle price plus the time-averaged book premium, and
the last trade), the risk caches kept right when it moves, and open interest tied to the fund."""

from __future__ import annotations

from dataclasses import replace

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from tests.sequencer.world import BTC, BTC_MARKET, BUY, ETH_MARKET, SELL, USD, World, make_config

P = 5_000_000


def caches_right(w: World) -> bool:
    return all(w.ex.risk_tuple(a) == w.ex.compute_risk(a) for a in w.ex.accounts.values())


def test_one_thin_order_does_not_move_the_mark() -> None:
    w = World().funded(4).priced()
    assert w.order(1, BTC, SELL, P, 10_000).ok
    assert w.order(0, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok  # 0 long 1 BTC
    before = w.ex.risk(w.acct(0))
    # a thin trade at the band edge (last trade 55,000) and a thin book around it
    assert w.order(2, BTC, BUY, 5_500_000, 10).ok
    assert w.order(3, BTC, SELL, 5_500_000, 10, tif=TimeInForce.IOC).ok
    assert w.order(2, BTC, BUY, 5_490_000, 10).ok
    assert w.order(3, BTC, SELL, 5_500_000, 10).ok
    w.refresh()  # the next oracle update samples the book: mid 54,950 (+9.9%)
    mk = w.ex.markets[BTC]
    # premium average: +9.9% * 1 s / 300 s = +0.033%; median(50,000, 50,016.5, 55,000)
    assert mk.premium_ema == 99_000_000 // 300 and mk.mark_price == P + P * mk.premium_ema // 10**9
    assert mk.mark_price - P < P // 1_000
    after = w.ex.risk(w.acct(0))
    assert after.value - before.value < 20 * USD  # one snapshot at the last trade: +5,000 USD
    assert caches_right(w)
    # held for the whole window, the premium moves the mark (bounded by the band and, per update,
    # by the largest oracle move)
    for _ in range(15):
        w.tick(20)
        w.refresh()
    assert P * 1.06 < mk.mark_price < P * 1.1  # 1 - (14/15)^15 = 64.5% of the way after one window
    assert caches_right(w)


def test_mark_moves_at_most_the_oracle_bound_per_update() -> None:
    w = World().funded(4).priced()
    assert w.order(2, BTC, BUY, 5_490_000, 10).ok
    assert w.order(3, BTC, SELL, 5_500_000, 20).ok
    assert w.order(2, BTC, BUY, 5_500_000, 10).ok  # last trade at the band edge, mid 54,950
    mk = w.ex.markets[BTC]
    w.tick(600)  # a whole window at once: the average takes the sample in full
    w.refresh()
    assert mk.mark_price == P * 1025 // 1000  # clamped: +2.5% of the previous mark


def test_open_interest_is_tied_to_the_insurance_fund() -> None:
    """An illiquid market cannot build more open interest than its share of the fund can carry:
    notional OI <= oi_fund_multiple * insurance fund (here 10 x 1,000 USD: 0.2 BTC at 50,000)."""
    cfg = make_config(
        markets=(replace(BTC_MARKET, oi_fund_multiple=10), ETH_MARKET), insurance_fund=1_000 * USD
    )
    w = World(cfg).funded(3).priced()
    assert w.order(1, BTC, SELL, P, 3_000).ok
    assert w.order(0, BTC, BUY, P, 1_000, tif=TimeInForce.IOC).ok  # 0.1 BTC: 5,000 USD of OI
    res = w.order(0, BTC, BUY, P, 1_010, tif=TimeInForce.IOC)  # 10,050 USD > 10,000 USD
    assert not res.ok and res.code == ErrorCode.OPEN_INTEREST_CAP
    assert w.order(0, BTC, BUY, P, 1_000, tif=TimeInForce.IOC).ok  # exactly 10,000 USD
    assert w.ex.markets[BTC].open_interest == 2_000
    # reducing is always possible
    assert w.order(0, BTC, SELL, P, 10).ok  # rests (no bids)
    assert w.order(1, BTC, BUY, P, 10, tif=TimeInForce.IOC).ok  # the short buys back from the long
    assert w.ex.markets[BTC].open_interest == 1_990
