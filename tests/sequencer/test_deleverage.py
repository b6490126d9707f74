"""Auto-deleveraging: the top-ranked opposite position absorbs the deficit the fund cannot."""

from __future__ import annotations

from dataclasses import replace

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.events import DeficitUncovered, Deleveraged, InsuranceCovered
from sequencer.liquidation import adl_ranking, run_keeper
from sequencer.ops import Deleverage
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BTC_MARKET, BUY, SELL, USD, World, make_config

P = 5_000_000


def bankrupt_long() -> World:
    """Trader 3 (3,000 USD) long 1 BTC from 50,000; shorts: trader 0 (0.6 BTC from 50,000, the most
    profitable and leveraged per unit of value), trader 1 (0.4 BTC from 49,000)."""
    w = World().funded(3).priced()
    assert w.deposit(3, 3_000 * USD).ok
    assert w.order(2, BTC, BUY, 4_900_000, 4_000).ok
    assert w.order(1, BTC, SELL, 4_900_000, 4_000, tif=TimeInForce.IOC).ok  # trader 1 short 0.4 @ 49,000
    assert w.order(0, BTC, SELL, P, 6_000).ok
    assert w.order(2, BTC, SELL, P, 4_000).ok
    assert w.order(3, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok  # trader 3 long 1 BTC @ 50,000
    w.tick()
    assert w.oracle(BTC, 4_700_000).ok  # trader 3: 2,975 - 3,000 = -25 USD
    return w


def test_ranking_and_counterparty_rule() -> None:
    w = bankrupt_long()
    assert adl_ranking(w.ex, BTC, -1) == [w.aid(0), w.aid(1)]
    assert_rejected_unchanged(
        w, Deleverage(w.time, w.aid(3), BTC, w.aid(1), 4_000), ErrorCode.ADL_COUNTERPARTY
    )
    assert_rejected_unchanged(
        w, Deleverage(w.time, w.aid(3), BTC, w.aid(2), 4_000), ErrorCode.ADL_COUNTERPARTY
    )
    assert_rejected_unchanged(
        w, Deleverage(w.time, w.aid(0), BTC, w.aid(3), 4_000), ErrorCode.NOT_LIQUIDATABLE
    )


def test_deficit_shared_by_deleveraged_counterparties_worked() -> None:
    w = bankrupt_long()
    c0, c1 = w.acct(0).collateral, w.acct(1).collateral
    res = w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(0), 6_000))
    # 0.6 of 1 BTC: loss share ceil(25 USD * 0.6) = 15 USD; both close at the oracle price 47,000
    assert res.events[-1] == Deleveraged(w.aid(3), BTC, w.aid(0), 6_000, 4_700_000, 15 * USD)
    assert res.record.steps[0].kind == StepKind.DELEVERAGE
    assert w.acct(0).collateral == c0 + 1_800 * USD - 15 * USD  # +1,800 realised on 0.6 BTC
    assert w.ex.risk(w.acct(3)).value == -10 * USD
    res = w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(1), 4_000))
    assert res.events[-1].loss == 10 * USD
    assert w.acct(1).collateral == c1 + 800 * USD - 10 * USD  # short from 49,000
    assert w.acct(3).collateral == 0 and not w.acct(3).has_positions()
    assert w.ex.insurance_fund == 0


def test_keeper_prefers_the_book_then_deleverages() -> None:
    w = bankrupt_long()
    done = run_keeper(w.ex, w.time)
    kinds = [type(op).__name__ for op, _ in done]
    assert kinds == ["Deleverage", "Deleverage"]  # the deficit is beyond the (empty) fund
    assert w.ex.liquidatable_accounts() == []
    assert w.acct(3).collateral == 0


def thin_counterparty(fees: bool) -> World:
    """Trader 3 long 1 BTC from 50,000 (3,000 USD); its only counterparty, trader 0, shorted 1 BTC
    at 47,010; BTC then at 47,000: trader 3's deficit is 25 USD, trader 0's profit only 10."""
    market = BTC_MARKET if fees else replace(BTC_MARKET, maker_fee_ppm=0, taker_fee_ppm=0)
    w = World(make_config((market,))).funded(3)
    assert w.oracle(BTC, P).ok
    assert w.deposit(3, 3_000 * USD if fees else 2_975 * USD).ok
    assert w.order(1, BTC, SELL, P, 10_000).ok
    assert w.order(3, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    assert w.order(0, BTC, SELL, 4_701_000, 10_000).ok
    assert w.order(1, BTC, BUY, 4_701_000, 10_000, tif=TimeInForce.IOC).ok  # trader 1 is flat again
    w.tick()
    assert w.oracle(BTC, 4_700_000).ok
    assert w.ex.risk(w.acct(3)).value == -25 * USD
    return w


def test_counterparty_pays_at_most_its_realised_profit_then_the_fee_pool_covers() -> None:
    w = thin_counterparty(fees=True)
    pool = w.ex.fee_pool  # 20 + 18.804 USD of trading fees
    c0 = w.acct(0).collateral
    res = w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(0), 10_000))
    adl = next(e for e in res.events if isinstance(e, Deleveraged))
    assert adl.loss == 10 * USD  # share 25 capped by the 10 USD realised
    assert w.acct(0).collateral == c0 + 10 * USD - 10 * USD
    assert InsuranceCovered(w.aid(3), 15 * USD) in res.events  # the fund is empty: the fee pool pays
    assert w.ex.fee_pool == pool - 15 * USD and w.acct(3).collateral == 0
    assert [s.kind for s in res.record.steps] == [StepKind.DELEVERAGE, StepKind.INSURANCE_COVER]


def test_what_nothing_can_pay_is_reported_as_bad_debt() -> None:
    w = thin_counterparty(fees=False)
    assert w.ex.fee_pool == 0 and w.ex.insurance_fund == 0
    res = w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(0), 10_000))
    assert DeficitUncovered(w.aid(3), 15 * USD) in res.events
    assert w.acct(3).collateral == -15 * USD and w.ex.bad_debt() == w.ex.bad_debt_total == 15 * USD
    # value is still conserved: the deficit is the account's negative collateral
    total = sum(w.ex.risk(a).value for a in w.ex.accounts.values())
    assert total + w.ex.insurance_fund + w.ex.fee_pool == w.ex.total_deposits - w.ex.total_withdrawals
