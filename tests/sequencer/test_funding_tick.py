"""Funding: premium from the book mid vs the oracle sampled at every oracle update and averaged over
the interval, capped rate, cumulative index, lazy settlement; no tick on a stale price."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.events import FundingApplied
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, SELL, USD, World

P = 5_000_000


def long_short(w: World) -> None:
    assert w.order(1, BTC, SELL, P, 10_000).ok
    assert w.order(0, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok  # trader 0 long 1 BTC, trader 1 short


def test_worked_funding_payment(world: World) -> None:
    assert world.funding().ok  # the first tick: the samples of the genesis prices are used up
    long_short(world)
    assert world.order(2, BTC, BUY, 5_010_000, 1_000).ok
    assert world.order(2, BTC, SELL, 5_030_000, 1_000).ok
    res = world.next_interval().funding()
    # one sample, mid 50,200: premium 0.4% = 4,000,000 ppb, rate = premium / 8 = 500,000 ppb (0.05%)
    # index delta per lot of 0.001 BTC = 0.05% of 50 USD = 0.025 USD = 25,000 units
    (ev,) = [e for e in res.events if isinstance(e, FundingApplied) and e.market_id == BTC]
    assert (ev.index_price, ev.rate_ppb, ev.index_delta, ev.funding_index) == (P, 500_000, 25_000, 25_000)
    (mf,) = [f for f in res.record.steps[0].data.markets if f.market_id == BTC]
    assert (mf.premium_ppb, mf.premium_sum, mf.premium_samples) == (4_000_000, 4_000_000, 1)
    assert world.ex.markets[BTC].premium_samples == 0  # the samples start again
    assert res.record.steps[0].kind == StepKind.FUNDING_TICK
    # pending: the long owes 1,000 lots * 25,000 = 25 USD, the short is owed as much
    r0, r1 = world.ex.risk(world.acct(0)), world.ex.risk(world.acct(1))
    c0, c1 = world.acct(0).collateral, world.acct(1).collateral
    assert (r0.settled, r1.settled) == (c0 - 25 * USD, c1 + 25 * USD)
    # the long settles when its position next changes
    assert world.order(0, BTC, SELL, 5_010_000, 1_000, tif=TimeInForce.IOC).ok
    # 0.1 BTC sold at 50,100: +10 USD realised, taker fee 0.05% of 5,010 USD = 2.505 USD, funding 25 USD
    assert world.acct(0).collateral == c0 - 25 * USD + 10 * USD - 2_505_000
    assert world.acct(0).fsnaps[BTC] == 25_000
    assert world.ex.funding_settled[BTC] == 25 * USD


def test_rate_is_capped_and_signed(world: World) -> None:
    assert world.funding().ok
    long_short(world)
    assert world.order(2, BTC, BUY, 4_800_000, 1_000).ok
    assert world.order(2, BTC, SELL, 4_900_000, 1_000).ok
    res = world.next_interval().funding()
    (ev,) = [e for e in res.events if e.market_id == BTC]
    # mid 48,500: premium -3% / 8 = -0.375% -> capped at -0.1%: shorts pay
    assert ev.rate_ppb == -1_000_000 and ev.index_delta == -50_000
    assert world.ex.risk(world.acct(1)).settled == world.acct(1).collateral - 50 * USD


def test_interval_and_empty_book(world: World) -> None:
    res = world.funding()
    assert all(e.rate_ppb == 0 for e in res.events)  # empty books: mark = index
    world.tick(3599)
    world.refresh()
    assert_rejected_unchanged(world, world.funding_op(), ErrorCode.FUNDING_TOO_EARLY)
    world.tick(1)
    assert world.funding().ok


def test_the_premium_is_averaged_over_the_interval(world: World) -> None:
    """One order placed just before the tick does not set the rate: it is one sample of many."""
    assert world.funding().ok
    long_short(world)
    world.tick(3590)
    for _ in range(9):  # empty book on the other side: samples of 0
        world.tick()
        world.refresh()
    assert world.order(2, BTC, BUY, 5_010_000, 1_000).ok  # a thin book just before the tick
    assert world.order(2, BTC, SELL, 5_030_000, 1_000).ok
    world.refresh()  # the tenth sample: 4,000,000 ppb
    res = world.funding()
    (ev,) = [e for e in res.events if e.market_id == BTC]
    # average 400,000 ppb, rate 50,000 ppb (a tenth of the one-snapshot rate of 500,000)
    assert ev.rate_ppb == 50_000 and ev.index_delta == 2_500


def test_no_funding_on_a_stale_price(world: World) -> None:
    """Issue 13: funding ticked on a 30-minute-old price.  A priced market's price older than
    oracle_max_age_s makes the tick wait (ORACLE_STALE)."""
    assert world.funding().ok
    world.tick(3600)
    assert_rejected_unchanged(world, world.funding_op(), ErrorCode.ORACLE_STALE)
    world.refresh()
    assert world.funding().ok
