"""Auto-deleveraging at the bankruptcy price: the top-ranked opposite position closes at the
oracle price and then makes the account whole (V < 0: the counterparty pays the whole deficit,
wherever it arose, as far as its value goes) or gets its bankruptcy discount (V >= 0)."""

from __future__ import annotations

from dataclasses import replace

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.config import MarketConfig
from sequencer.events import DeficitUncovered, Deleveraged
from sequencer.liquidation import adl_ranking, run_keeper
from sequencer.ops import Deleverage, StartAuction
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BTC_MARKET, BUY, ETH, ETH_MARKET, SELL, USD, World, make_config

P = 5_000_000
AUCTION = 300  # the default auction_duration_s


def no_fees(m: MarketConfig) -> MarketConfig:
    return replace(m, maker_fee_ppm=0, taker_fee_ppm=0)


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


def test_the_first_counterparty_pays_the_whole_deficit_then_adl_waits_for_the_auction() -> None:
    w = bankrupt_long()
    c0, c1 = w.acct(0).collateral, w.acct(1).collateral
    res = w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(0), 6_000))
    # both close 0.6 BTC at the oracle price 47,000; at the bankruptcy price trader 0 pays the
    # whole 25 USD deficit (it realises 1,800)
    assert res.events[-1] == Deleveraged(w.aid(3), BTC, w.aid(0), 6_000, 4_700_000, 25 * USD)
    assert [s.kind for s in res.record.steps] == [StepKind.DELEVERAGE]
    data = res.record.steps[0].data
    assert (data.value, data.transfer, data.position_size) == (-25 * USD, 25 * USD, 10_000)
    assert w.acct(0).collateral == c0 + 1_800 * USD - 25 * USD
    assert w.ex.risk(w.acct(3)).value == 0
    # value 0 is within the (empty) fund: no more ADL before the account's auction has run
    op = Deleverage(w.time, w.aid(3), BTC, w.aid(1), 4_000)
    assert_rejected_unchanged(w, op, ErrorCode.AUCTION_LIVE)
    assert w.apply(StartAuction(w.time, w.aid(3))).ok
    start = w.time
    w.tick(AUCTION - 1)
    w.refresh()  # the auction outlasts a fresh price; same price, same mark
    assert_rejected_unchanged(w, replace(op, time=w.time), ErrorCode.AUCTION_LIVE)
    w.tick()
    assert w.time == w.acct(3).auction_start + AUCTION == start + AUCTION
    res = w.apply(replace(op, time=w.time))
    assert res.events[-1].loss == 0  # value 0: the bankruptcy price is the oracle price
    assert w.acct(1).collateral == c1 + 800 * USD  # short from 49,000
    assert w.acct(3).collateral == 0 and not w.acct(3).has_positions()
    assert w.acct(3).auction_start == 0  # flat: its auction ended
    assert w.ex.insurance_fund == 0 and w.ex.bad_debt_total == 0
    w.tick(AUCTION)  # past the auction's end an ADL needs a new auction
    assert w.ex.insurance_fund == 0


def test_bad_debt_while_a_counterparty_keeps_profit_regression() -> None:
    """Issue 13's defect: long 1 BTC and 10 ETH on 6,000 USD, fund 0, one short per market; BTC
    falls 20%, ETH flat.  The deficit was split over the markets by notional: the BTC short paid
    2,317 and kept 7,688 of profit, the ETH short paid nothing and 1,688 was left as bad debt.  At
    the bankruptcy price the BTC short pays it all."""
    w = World().funded(3).priced()
    assert w.deposit(3, 6_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(1, ETH, SELL, 300_000, 10_000).ok
    assert w.order(3, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    assert w.order(3, ETH, BUY, 300_000, 10_000, tif=TimeInForce.IOC).ok
    c0, c1 = w.acct(0).collateral, w.acct(1).collateral
    w.tick()
    assert w.oracle(BTC, 4_000_000).ok
    assert w.ex.risk(w.acct(3)).value == -4_055 * USD  # 5,945 after fees - 10,000
    done = run_keeper(w.ex, w.time)
    assert w.ex.bad_debt_total == 0
    assert w.acct(0).collateral == c0 + 10_000 * USD - 4_055 * USD  # keeps 5,945 of its profit
    assert [type(op).__name__ for op, _ in done] == ["Deleverage", "StartAuction"]
    assert done[0][0].market_id == BTC  # the counterparty with the most value first
    assert w.ex.risk(w.acct(3)).value == 0
    w.tick(AUCTION)
    assert w.oracle(ETH, 300_000).ok and w.oracle(BTC, 4_000_000).ok
    done = run_keeper(w.ex, w.time)
    assert [type(op).__name__ for op, _ in done] == ["Deleverage"]
    assert w.acct(1).collateral == c1  # the ETH short had no profit and pays nothing
    assert w.acct(3).collateral == 0 and not w.acct(3).has_positions()
    assert w.ex.bad_debt_total == 0 and w.ex.bad_debt() == 0


def test_a_solvent_account_pays_its_bankruptcy_discount() -> None:
    """V >= 0 after its auction: the account gives the counterparty its value, apportioned by the
    position's share of the maintenance margin (the auction's end price)."""
    w = World().funded(3).priced()
    assert w.deposit(3, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(3, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_790_000).ok  # value 2,975 - 2,100 = 875 < MM 1,437
    assert w.apply(StartAuction(w.time, w.aid(3))).ok
    w.tick(AUCTION)
    assert w.oracle(BTC, 4_790_000).ok
    c0 = w.acct(0).collateral
    res = w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(0), 4_000))
    # floor(875 * 0.4 * 1,437 / (1 * 1,437)) = 350 USD to the counterparty
    assert res.events[-1].loss == -350 * USD
    assert w.acct(0).collateral == c0 + 840 * USD + 350 * USD  # 0.4 BTC realised at 47,900
    assert w.ex.risk(w.acct(3)).value == 525 * USD


def test_what_no_counterparty_can_pay_is_reported_as_bad_debt() -> None:
    w = World(make_config((no_fees(BTC_MARKET), no_fees(ETH_MARKET)))).funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok  # trader 2: long 1 BTC
    assert w.deposit(3, 5_600 * USD).ok  # trader 3: short 1 BTC, long 10 ETH
    assert w.order(3, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    assert w.order(1, ETH, SELL, 300_000, 10_000).ok
    assert w.order(3, ETH, BUY, 300_000, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_697_500).ok  # trader 2: 3,000 - 3,025 = -25
    assert w.oracle(ETH, 240_000).ok
    w.tick()
    assert w.oracle(ETH, 213_850).ok  # trader 3: 5,600 + 3,025 - 8,615 = 10
    assert w.ex.risk(w.acct(2)).value == -25 * USD and w.ex.risk(w.acct(3)).value == 10 * USD
    res = w.apply(Deleverage(w.time, w.aid(2), BTC, w.aid(3), 10_000))
    adl = next(e for e in res.events if isinstance(e, Deleveraged))
    assert adl.loss == 10 * USD  # all trader 3 has
    assert DeficitUncovered(w.aid(2), 15 * USD) in res.events
    assert w.ex.risk(w.acct(3)).value == 0
    assert w.acct(2).collateral == -15 * USD and w.ex.bad_debt() == w.ex.bad_debt_total == 15 * USD
    # value is still conserved: the deficit is the account's negative collateral
    total = sum(w.ex.risk(a).value for a in w.ex.accounts.values())
    assert total + w.ex.insurance_fund + w.ex.fee_pool == w.ex.total_deposits - w.ex.total_withdrawals


def test_both_sides_of_a_pump_cannot_collect_the_fund() -> None:
    """A trader long and short BTC through two accounts pumps the price until its short is under
    water (within the fund), with no book to close against: ADL at the oracle price would have the
    fund pay the short's deficit while the long keeps the matching profit.  The auction comes first
    (no discount under water), then ADL at the bankruptcy price: the long pays the deficit itself."""
    w = World(make_config((no_fees(BTC_MARKET),), insurance_fund=1_000 * USD)).funded(1)
    assert w.oracle(BTC, P).ok
    assert w.deposit(1, 3_000 * USD).ok  # the short side
    assert w.order(0, BTC, BUY, P, 10_000).ok  # the long side (100,000 USD)
    assert w.order(1, BTC, SELL, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 5_310_000).ok  # +6.2%: the short is at -100
    assert w.ex.risk(w.acct(1)).value == -100 * USD
    first = run_keeper(w.ex, w.time)
    w.tick(AUCTION)
    assert w.oracle(BTC, 5_310_000).ok
    then = run_keeper(w.ex, w.time)
    assert w.ex.insurance_fund == 1_000 * USD  # untouched
    assert w.acct(0).collateral + w.acct(1).collateral == 103_000 * USD  # no gain for the pair
    assert w.acct(1).collateral == 0 and w.ex.bad_debt_total == 0
    assert [type(op).__name__ for op, _ in first + then] == ["StartAuction", "Deleverage"]
