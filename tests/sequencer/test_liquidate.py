"""Liquidation against the book: below maintenance margin, a partial close of at most the restoring
size (penalty to the insurance fund); the fund drawn the moment a step leaves a deficit, so a cascade
never counts it twice.  (Takeovers in the liquidation auction: test_auction.py.)"""

from __future__ import annotations

from dataclasses import replace

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.config import MarketConfig
from sequencer.events import InsuranceCovered, Liquidated, OrderUpdate
from sequencer.liquidation import run_keeper
from sequencer.margin import restore_size
from sequencer.ops import Liquidate
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BTC_MARKET, BUY, ETH, ETH_MARKET, SELL, USD, World, make_config

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


def test_partial_close_against_the_book_worked() -> None:
    w = leveraged_long()
    assert w.order(2, BTC, SELL, 5_100_000, 1_000).ok  # an open order of the account
    move(w, 4_790_000)  # value 2,975 - 2,100 = 875 < MM 1,437
    assert w.ex.risk(w.acct(2)).liquidatable and w.ex.liquidatable_accounts() == [w.aid(2)]
    # restoring size: ceil((1,437 * 1.2 - 875) / (47,900 * (3% * 1.2 - 1%))) = 0.6821 BTC, to the step
    mk = w.ex.markets[BTC]
    assert restore_size(875 * USD, 1_437 * USD, mk, 10_000) == 6_830
    assert w.order(1, BTC, BUY, 4_780_000, 10_000).ok
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 6_840), ErrorCode.LIQUIDATION_TOO_LARGE)
    res = w.apply(Liquidate(w.time, w.aid(2), BTC, 6_830))
    assert res.ok
    cancelled = [e for e in res.events if isinstance(e, OrderUpdate) and e.reason == ErrorCode.LIQUIDATED]
    assert len(cancelled) == 1
    # 0.683 sold at 47,800: realised -1,502.60 -> 1,472.40; penalty 1% of 32,647.40 = 326.474 to
    # the fund -> 1,145.926; 0.317 BTC left, value 480.226 >= MM 455.529
    acct = w.acct(2)
    assert acct.sizes[BTC] == 3_170 and acct.collateral == 1_145_926_000
    assert w.ex.insurance_fund == 326_474_000
    risk = w.ex.risk(acct)
    assert (risk.value, risk.maintenance) == (480_226_000, 455_529_000) and not risk.liquidatable
    assert [s.kind for s in res.record.steps] == [StepKind.LIQUIDATION]
    assert [e for e in res.events if isinstance(e, Liquidated)] == [
        Liquidated(w.aid(2), BTC, 6_830, 0, None, 326_474_000)
    ]
    assert w.acct(1).collateral == 100_000 * USD  # the maker: no rebate on a liquidation fill


def test_keeper_closes_the_restoring_size() -> None:
    w = leveraged_long()
    move(w, 4_790_000)
    assert w.order(1, BTC, BUY, 4_780_000, 10_000).ok
    done = run_keeper(w.ex, w.time)
    assert [(type(op).__name__, op.size) for op, _ in done] == [("Liquidate", 6_830)]
    assert w.ex.liquidatable_accounts() == []


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


def no_fees(m: MarketConfig) -> MarketConfig:
    return replace(m, maker_fee_ppm=0, taker_fee_ppm=0)


def test_the_fund_is_never_counted_twice_in_a_cascade_regression() -> None:
    """Issue 13's defect: each bankrupt account checked its deficit against the whole fund, which
    was drawn only when the account was flat.  Two accounts long 1 BTC and 10 ETH on 6,000 USD, fund
    1,000; BTC at 43,400 (each -600) and one bid at 43,300: both BTC closes passed (-700 each >=
    -1,000), the fund covered the first account's 700 and 400 were left as bad debt.  Now the first
    close draws 700 at once; the second account's deficit is beyond the 300 left, so the BTC
    short (with profit) pays it at the bankruptcy price."""
    w = World(make_config((no_fees(BTC_MARKET), no_fees(ETH_MARKET)), insurance_fund=1_000 * USD))
    w.funded(3).priced()
    for t in (3, 4):
        assert w.deposit(t, 6_000 * USD).ok
        assert w.order(0, BTC, SELL, P, 10_000).ok
        assert w.order(1, ETH, SELL, 300_000, 10_000).ok
        assert w.order(t, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
        assert w.order(t, ETH, BUY, 300_000, 10_000, tif=TimeInForce.IOC).ok
    move(w, 4_340_000)
    # the 13% fall trips BTC's breaker (protocol.md 4.11): reduce-only for cooldown_s, when only
    # takeovers could add a position; the bid comes once it has cooled down (same prices)
    assert w.ex.markets[BTC].reduce_only(w.time)
    assert w.order(2, BTC, BUY, 4_330_000, 20_000).code == ErrorCode.MARKET_REDUCE_ONLY
    w.tick(BTC_MARKET.cooldown_s)
    w.refresh()
    assert w.order(2, BTC, BUY, 4_330_000, 20_000).ok
    assert [w.ex.risk(w.acct(t)).value for t in (3, 4)] == [-600 * USD, -600 * USD]
    done = run_keeper(w.ex, w.time)
    assert w.ex.bad_debt_total == 0 and w.ex.insurance_fund == 300 * USD
    first = done[0][1]
    assert [s.kind for s in first.record.steps] == [StepKind.LIQUIDATION, StepKind.INSURANCE_COVER]
    assert InsuranceCovered(w.aid(3), 700 * USD) in first.events  # drawn with ETH still open
    assert [type(op).__name__ for op, _ in done] == [
        "Liquidate",
        "Deleverage",
        "StartAuction",
        "StartAuction",
    ]
    w.tick(300)  # the auctions (no takers) run their course; then ADL at the bankruptcy price
    assert w.oracle(BTC, 4_340_000).ok and w.oracle(ETH, 300_000).ok
    run_keeper(w.ex, w.time)
    assert not w.acct(3).has_positions() and not w.acct(4).has_positions()
    assert w.acct(3).collateral == w.acct(4).collateral == 0
    assert w.ex.insurance_fund == 300 * USD and w.ex.bad_debt_total == 0 and w.ex.bad_debt() == 0
    total = sum(w.ex.risk(a).value for a in w.ex.accounts.values())
    assert total + w.ex.insurance_fund + w.ex.fee_pool == w.ex.total_deposits - w.ex.total_withdrawals
