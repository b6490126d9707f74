"""The liquidation auction: StartAuction commits its start time in the account leaf; any account
then takes a position over with a signed order at a price moving from the oracle price (discount 0)
to the bankruptcy price (the account's value share) over auction_duration_s, held there as long
again; after that the auction must start again.  EndAuction ends the auction of an account that
recovered."""

from __future__ import annotations

import pytest

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.events import AuctionStarted, Deleveraged, Liquidated
from sequencer.liquidation import run_keeper
from sequencer.ops import Deleverage, EndAuction, Liquidate, StartAuction
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World, make_config

P = 5_000_000
AUCTION = 300  # the default auction_duration_s


def in_auction(insurance: int = 0) -> World:
    """Trader 2: 3,000 USD, 1 BTC long from 50,000 (collateral 2,975 after the taker fee); BTC at
    47,900: value 875 < MM 1,437; no bids; its auction starts."""
    w = World(make_config(insurance_fund=insurance)).funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_790_000).ok
    done = run_keeper(w.ex, w.time)  # no book: the keeper starts the auction
    assert [type(op).__name__ for op, _ in done] == ["StartAuction"]
    res = done[0][1]
    assert res.events == (AuctionStarted(w.aid(2), w.time, 875 * USD, 1_437 * USD),)
    assert [s.kind for s in res.record.steps] == [StepKind.AUCTION_START]
    assert w.acct(2).auction_start == w.time == w.ex.account_state(w.aid(2)).auction_start
    return w


def at(w: World, elapsed: int) -> None:
    """`elapsed` seconds into the auction of trader 2, exactly, with fresh prices: an auction
    outlasts the 60 s a price stays fresh, and a takeover needs a fresh price (protocol.md 4.7)."""
    w.tick(elapsed)
    if elapsed:
        w.refresh()  # same prices, same mark (no book, no new trade): only the clock moves
    assert w.time - w.acct(2).auction_start == elapsed


def take(w: World, size: int = 10_000, trader: int = 1, limit: int = 4_790_000) -> Liquidate:
    order = w.order_op(trader, BTC, BUY, limit, 20_000, tif=TimeInForce.IOC)
    return Liquidate(w.time, w.aid(2), BTC, size, order)


@pytest.mark.parametrize(
    ("elapsed", "discount"),
    [
        (0, 0),  # the oracle price
        (1, 2_916_666),  # floor(875 USD * 1 / 300)
        (150, 437_500_000),  # half way
        (299, 872_083_333),
        (300, 875_000_000),  # the bankruptcy price: the account's whole value
        (599, 875_000_000),  # held there
    ],
)
def test_price_path_of_a_whole_position(elapsed: int, discount: int) -> None:
    w = in_auction()
    start = w.time
    at(w, elapsed)
    res = w.apply(take(w))
    assert res.ok, res
    assert res.events[-1] == Liquidated(w.aid(2), BTC, 10_000, 4_790_000, w.aid(1), discount)
    data = res.record.steps[0].data
    assert (data.elapsed, data.value, data.maintenance, data.position_maintenance) == (
        min(elapsed, AUCTION),
        875 * USD,
        1_437 * USD,
        1_437 * USD,
    )
    # at 47,900 the account realises -2,100 of its 2,975 and pays the discount to the taker
    assert w.acct(2).collateral == 875 * USD - discount and not w.acct(2).has_positions()
    assert w.acct(1).collateral == 100_000 * USD + discount and w.acct(1).sizes[BTC] == 10_000
    assert w.acct(2).auction_start == 0  # flat: the auction is over
    assert w.ex.account_state(w.aid(2)).auction_start == 0 and start


def test_partial_takeover_shares_the_value_by_size() -> None:
    w = in_auction()
    at(w, AUCTION // 2)
    res = w.apply(take(w, size=4_000))
    # floor(875 * 0.4 * 150 / 300) = 175 USD; the auction goes on for the rest
    assert res.events[-1].penalty == 175 * USD
    assert w.acct(2).sizes[BTC] == 6_000 and w.acct(2).auction_start != 0


def test_takeover_rules() -> None:
    w = in_auction()
    low = w.order_op(1, BTC, BUY, 4_780_000, 10_000, tif=TimeInForce.IOC)  # below the oracle price
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000, low), ErrorCode.PRICE_OUT_OF_BAND)
    wrong_side = w.order_op(1, BTC, SELL, 4_790_000, 10_000, tif=TimeInForce.IOC)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000, wrong_side), ErrorCode.MALFORMED)
    own = w.order_op(2, BTC, BUY, 4_790_000, 10_000, tif=TimeInForce.IOC)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_000, own), ErrorCode.SAME_ACCOUNT)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(2), BTC, 10_005), ErrorCode.BAD_SIZE_STEP)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(1), BTC, 10), ErrorCode.NO_POSITION)
    assert w.deposit(3, 10 * USD).ok
    assert_rejected_unchanged(w, take(w, trader=3), ErrorCode.INSUFFICIENT_MARGIN)
    # the taker's order is spent by a takeover
    op = take(w, size=4_000)
    assert w.apply(op).ok
    assert not w.ex.apply(op).ok


def test_no_takeover_without_a_live_auction() -> None:
    w = World().funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_790_000).ok
    assert_rejected_unchanged(w, take(w), ErrorCode.NO_AUCTION)
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    assert_rejected_unchanged(w, StartAuction(w.time, w.aid(2)), ErrorCode.AUCTION_LIVE)
    w.tick(2 * AUCTION)  # over: no takeover, and it may start again
    assert w.oracle(BTC, 4_790_000).ok
    assert_rejected_unchanged(w, take(w), ErrorCode.NO_AUCTION)
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    assert w.acct(2).auction_start == w.time


def test_start_rules() -> None:
    w = World().funded(3).priced()
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(1, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    assert_rejected_unchanged(w, StartAuction(w.time, w.aid(1)), ErrorCode.NOT_LIQUIDATABLE)
    assert_rejected_unchanged(w, StartAuction(w.time, w.aid(2)), ErrorCode.NO_POSITION)
    assert_rejected_unchanged(w, StartAuction(w.time, 99), ErrorCode.UNKNOWN_ACCOUNT)


def test_a_deficit_within_the_fund_is_taken_at_the_oracle_price() -> None:
    """V < 0: the bankruptcy price is beyond the oracle price, so the path stays at the oracle price
    (discount 0) and the insurance fund pays the deficit the moment the takeover leaves it."""
    w = World(make_config(insurance_fund=1_000 * USD)).funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_700_000).ok  # value -25
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    at(w, AUCTION)
    res = w.apply(Liquidate(w.time, w.aid(2), BTC, 10_000, w.order_op(1, BTC, BUY, 4_700_000, 10_000)))
    assert res.ok and Liquidated(w.aid(2), BTC, 10_000, 4_700_000, w.aid(1), 0) in res.events
    assert [s.kind for s in res.record.steps] == [StepKind.LIQUIDATION, StepKind.INSURANCE_COVER]
    assert w.acct(2).collateral == 0 and w.ex.insurance_fund == 975 * USD


def test_a_recovered_account_ends_its_auction_and_a_later_fall_starts_afresh() -> None:
    w = in_auction()
    assert_rejected_unchanged(w, EndAuction(w.time, w.aid(2)), ErrorCode.AUCTION_LIVE)
    assert_rejected_unchanged(w, EndAuction(w.time, w.aid(1)), ErrorCode.NO_AUCTION)
    w.tick(100)
    assert w.oracle(BTC, 4_900_000).ok  # value 1,975 >= MM 1,470: recovered
    done = run_keeper(w.ex, w.time)
    assert [type(op).__name__ for op, _ in done] == ["EndAuction"]
    assert [s.kind for s in done[0][1].record.steps] == [StepKind.AUCTION_END]
    assert w.acct(2).auction_start == 0 and w.ex.keeper_accounts() == []
    w.tick(100)
    assert w.oracle(BTC, 4_790_000).ok  # falls again: a fresh auction, at the oracle price
    assert [type(op).__name__ for op, _ in run_keeper(w.ex, w.time)] == ["StartAuction"]
    res = w.apply(take(w))
    assert res.ok and res.events[-1].penalty == 0


def below_the_mark() -> World:
    """The oracle stays at 50,000 but the mark is 47,900 (protocol.md 4.12): a trade at 47,900 and a
    book around it (bid 47,800, ask 48,000), sampled for a whole mark window.  Trader 2 (1 BTC long
    from 50,000 on 3,000 USD) is liquidatable at the mark (value 875 < MM 1,437), not at the oracle
    price (2,975 >= 1,500); its auction starts."""
    w = World().funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    assert w.order(0, BTC, SELL, 4_790_000, 10).ok
    assert w.order(1, BTC, BUY, 4_790_000, 10, tif=TimeInForce.IOC).ok  # last trade 47,900
    assert w.order(1, BTC, BUY, 4_780_000, 1_000).ok
    assert w.order(0, BTC, SELL, 4_800_000, 1_000).ok
    w.tick(300)
    w.refresh()  # premium -4.2% for a whole window: the mark moves 2.5% (its bound per update)
    w.tick(5)
    w.refresh()
    mk = w.ex.markets[BTC]
    assert (mk.oracle_price, mk.mark_price) == (P, 4_790_000)
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    return w


def test_a_takeover_settles_at_the_mark_price() -> None:
    """Margin, the auction discount and the takeover's price all use the mark price M, not the
    oracle price P (protocol.md 4.8): the liquidator's limit is checked against M and the account
    gives up exactly its value at M by the end of the auction."""
    w = below_the_mark()
    at(w, AUCTION // 2)
    assert_rejected_unchanged(w, take(w, limit=4_780_000), ErrorCode.PRICE_OUT_OF_BAND)
    res = w.apply(take(w))  # limit 47,900: below the oracle price, at the mark
    assert res.ok, res
    assert res.events[-1] == Liquidated(w.aid(2), BTC, 10_000, 4_790_000, w.aid(1), 437_500_000)
    data = res.record.steps[0].data
    assert (data.price, data.value, data.maintenance, data.position_maintenance) == (
        4_790_000,
        875 * USD,
        1_437 * USD,
        1_437 * USD,
    )
    assert w.acct(2).collateral == 875 * USD - 437_500_000 and not w.acct(2).has_positions()


def test_adl_settles_at_the_mark_price() -> None:
    w = below_the_mark()
    at(w, AUCTION)
    c0 = w.acct(0).collateral
    res = w.apply(Deleverage(w.time, w.aid(2), BTC, w.aid(0), 4_000))
    assert res.ok, res
    # both legs at 47,900; trader 0 (short 1.001 BTC, from 50,000 and 47,900) realises about
    # 0.4 * 2,100 and gets the bankruptcy discount floor(875 * 0.4) = 350
    assert res.events[-1] == Deleveraged(w.aid(2), BTC, w.aid(0), 4_000, 4_790_000, -350 * USD)
    data = res.record.steps[0].data
    assert (data.price, data.value, data.position_maintenance) == (4_790_000, 875 * USD, 1_437 * USD)
    assert data.counterparty_realised == 839_160_840  # trunc of the cost mix
    assert w.acct(0).collateral == c0 + 839_160_840 + 350 * USD
    assert w.ex.risk(w.acct(2)).value == 525 * USD


def breaker_scenario() -> World:
    """Trader 2 long 1 BTC from 50,000 on 3,000 USD, fund 10,000; trader 1's bid at 45,000 rests."""
    w = World(make_config(insurance_fund=10_000 * USD)).funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    assert w.order(1, BTC, BUY, 4_500_000, 10_000).ok
    return w


def test_a_breaker_empties_the_book_and_a_takeover_replaces_it() -> None:
    """An 11% fall trips the breaker: the market is reduce-only and its resting bids are cancelled
    (protocol.md 4.11), so the book liquidation finds nothing; the auction starts, and a takeover
    that opens the liquidator's position is accepted in the reduce-only market (4.8)."""
    w = breaker_scenario()
    w.tick()
    assert w.oracle(BTC, 4_450_000).ok
    mk = w.ex.markets[BTC]
    assert mk.reduce_only(w.time) and not mk.book.bids.keys  # the bid at 45,000 is gone
    assert mk.mark_price == 4_450_000
    assert w.ex.risk(w.acct(2)).value == -2_525 * USD  # within the fund: no ADL yet
    done = run_keeper(w.ex, w.time)
    assert [type(op).__name__ for op, _ in done] == ["StartAuction"]
    assert w.order(1, BTC, BUY, 4_450_000, 10_000).code == ErrorCode.MARKET_REDUCE_ONLY
    res = w.apply(take(w, limit=4_450_000))
    assert res.ok, res
    assert Liquidated(w.aid(2), BTC, 10_000, 4_450_000, w.aid(1), 0) in res.events  # under water
    assert w.acct(1).sizes[BTC] == 10_000 and mk.reduce_only(w.time)
    assert w.acct(2).collateral == 0 and w.ex.insurance_fund == 7_475 * USD


def test_stale_prices_hold_the_auction_and_a_halt_does_not() -> None:
    """A stale price starts no auction, ends none and takes no takeover (ORACLE_STALE, protocol.md
    4.7); the recovery that halts the market makes the price usable again: the auction starts and a
    takeover opens the liquidator's position in the halted market."""
    w = breaker_scenario()
    w.tick()
    assert w.oracle(BTC, 4_790_000).ok  # value 875 < MM 1,437
    w.tick(w.config.oracle_max_age_s + 1)
    assert w.oracle(ETH, 300_000).ok
    assert w.ex.markets[BTC].stale(w.time)
    assert_rejected_unchanged(w, StartAuction(w.time, w.aid(2)), ErrorCode.ORACLE_STALE)
    assert run_keeper(w.ex, w.time) == []
    assert w.oracle(BTC, 4_790_000, signers=(0, 1, 2)).ok  # the recovery quorum: halted
    mk = w.ex.markets[BTC]
    assert mk.halted(w.time)
    assert [type(op).__name__ for op, _ in run_keeper(w.ex, w.time)] == ["StartAuction"]
    assert w.order(1, BTC, BUY, 4_790_000, 10_000).code == ErrorCode.MARKET_HALTED
    at(w, 30)
    res = w.apply(take(w))
    assert res.ok, res
    assert res.events[-1].penalty == 87_500_000  # floor(875 * 30 / 300)
    assert w.acct(1).sizes[BTC] == 10_000 and mk.halted(w.time)


def test_end_auction_waits_for_a_fresh_price() -> None:
    w = in_auction()
    w.tick(30)
    assert w.oracle(BTC, 4_900_000).ok  # recovered
    w.tick(w.config.oracle_max_age_s + 1)
    assert w.oracle(ETH, 300_000).ok
    assert_rejected_unchanged(w, EndAuction(w.time, w.aid(2)), ErrorCode.ORACLE_STALE)
    w.refresh()
    assert w.apply(EndAuction(w.time, w.aid(2))).ok
