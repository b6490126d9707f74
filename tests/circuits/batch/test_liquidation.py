"""LIQUIDATION (against the book and by takeover) and INSURANCE_COVER steps of the exchange core
satisfy the batch circuit, and each broken rule fails at a named constraint.  The scenarios are
the core's own (tests/sequencer/test_liquidate.py, test_auction.py); every batch holds only the
liquidation operation (what comes before is closed without building its assignment)."""

from __future__ import annotations

from typing import Any

import pytest

from circuits.batch.batch import BatchShape
from circuits.batch.slot import slot_template
from circuits.dsl import UnsatisfiedConstraint
from protocol.messages.order import TimeInForce
from protocol.pubdata.fields import Mode
from protocol.records import StepKind
from sequencer.ops import Liquidate, StartAuction
from tests.circuits.batch.batch_lib import Closed, Recorder
from tests.protocol.test_pubdata_batches import close
from tests.sequencer.test_auction import AUCTION, at, breaker_scenario, in_auction, take
from tests.sequencer.test_liquidate import leveraged_long, move
from tests.sequencer.world import BTC, BUY, USD, World, make_config

SHAPE = BatchShape(4, 1, 1)
P = 5_000_000


def skip(rec: Recorder) -> None:
    """Close the pending batch without proving it (steps of other kinds)."""
    close(rec.w, Mode.VALIDIUM, rec.g0)
    rec.mark()


def kinds(c: Closed) -> list[StepKind]:
    return [s.kind for r in c.batch.records for s in r.steps]


def broken(c: Closed, changes: dict[str, Any], where: str) -> None:
    inputs = dict(c.inputs)
    inputs.update(changes)
    with pytest.raises(UnsatisfiedConstraint) as info:
        c.program.solve(inputs)
    assert where in info.value.name, info.value.name


# ---- against the book -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def book() -> Closed:
    """test_partial_close_against_the_book_worked: 0.683 BTC of 1 sold at 47,800, penalty 326.474."""
    w = leveraged_long()
    assert w.order(2, BTC, 1, 5_100_000, 1_000).ok  # an open order of the account, cancelled
    move(w, 4_790_000)
    assert w.order(1, BTC, BUY, 4_780_000, 10_000).ok
    rec = Recorder(w)
    skip(rec)
    assert w.apply(Liquidate(w.time, w.aid(2), BTC, 6_830)).ok
    return rec.close(SHAPE)


def test_book_liquidation(book: Closed) -> None:
    assert kinds(book) == [StepKind.LIQUIDATION]
    book.program.solve(book.inputs)


def test_book_liquidation_with_insurance_cover() -> None:
    """test_insurance_fund_covers_the_deficit: sold at 46,900, value -125, the fund pays it."""
    w = leveraged_long(insurance=1_000 * USD)
    move(w, 4_700_000)
    assert w.order(1, BTC, BUY, 4_690_000, 10_000).ok
    rec = Recorder(w)
    skip(rec)
    assert w.apply(Liquidate(w.time, w.aid(2), BTC, 10_000)).ok
    c = rec.close(SHAPE)
    assert kinds(c) == [StepKind.LIQUIDATION, StepKind.INSURANCE_COVER]
    c.program.solve(c.inputs)
    # the fund may not go below the deficit: 2,000 USD less collateral is beyond the 1,000 fund
    broken(c, {"slot1.collateral": 2_975 * USD - 2_000 * USD}, "slot1/liquidation_after_fill/insurance")
    # a cover is for the liquidated account, right after its liquidation
    broken(c, {"slot2.account_id": 1}, "slot2/insurance_cover/named")


@pytest.mark.parametrize(
    ("first_bid", "too_much"),
    [
        # the second fill's own restoring size (3,940) is above what the first left (3,830)
        (4_785_000, 3_950),
        # a first fill above the mark: the second fill's own restoring size would be 2,390, it
        # uses the operation's 3,830 left
        (4_850_000, 3_840),
    ],
)
def test_book_liquidation_over_two_makers(first_bid: int, too_much: int) -> None:
    """One Liquidate filled by two makers (two steps): the restoring size is the operation's, the
    second fill uses what the first left of it (or its own, when larger)."""
    w = leveraged_long()
    move(w, 4_790_000)
    assert w.order(1, BTC, BUY, first_bid, 3_000).ok
    assert w.order(0, BTC, BUY, 4_780_000, 10_000).ok
    rec = Recorder(w)
    skip(rec)
    assert w.apply(Liquidate(w.time, w.aid(2), BTC, 6_830)).ok
    c = rec.close(SHAPE)
    assert kinds(c) == [StepKind.LIQUIDATION, StepKind.LIQUIDATION]
    assert w.acct(2).sizes[BTC] == 3_170
    c.program.solve(c.inputs)
    # the second fill may not take more than the operation's restoring size left
    broken(
        c,
        {"slot2.fill_size": too_much, "slot3.fill_size": too_much},
        "slot3/liquidation/book/within_allowance",
    )


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        # a healthy account (2,000 USD more) is not liquidated
        ({"slot1.collateral": 3_975 * USD}, "slot1/liquidation/book/within_allowance"),
        # above the restoring size (6,830)
        ({"slot0.fill_size": 6_840, "slot1.fill_size": 6_840}, "slot1/liquidation/book/within_allowance"),
        # the account's slot repeats the maker's fill
        ({"slot1.fill_price": 4_790_000}, "slot1/liquidation/same_fill1"),
        # the account sells only what it holds, on its side
        ({"slot0.taker_side": 0, "slot1.taker_side": 0}, "slot0/order_leg/order/side"),
        # the maker's order is what it signed
        ({"slot0.o_size": 20_000}, "slot0/sig/eddsa"),
        # the liquidated account changes no order slot
        ({"slot1.slot_used": 1}, "slot1/after/slot_used"),
    ],
)
def test_book_liquidation_rules(book: Closed, changes: dict[str, Any], where: str) -> None:
    broken(book, changes, where)


# ---- takeover ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def takeover() -> Closed:
    """test_partial_takeover_shares_the_value_by_size: 0.4 BTC half way, discount 175 USD."""
    w = in_auction()
    at(w, AUCTION // 2)
    rec = Recorder(w)
    skip(rec)
    res = w.apply(take(w, size=4_000))
    assert res.ok and res.events[-1].penalty == 175 * USD
    return rec.close(SHAPE)


def test_takeover(takeover: Closed) -> None:
    assert kinds(takeover) == [StepKind.LIQUIDATION]
    takeover.program.solve(takeover.inputs)


@pytest.mark.parametrize("elapsed", [0, 299, 599])
def test_whole_takeover_ends_the_auction(elapsed: int) -> None:
    w = in_auction()
    at(w, elapsed)
    rec = Recorder(w)
    skip(rec)
    assert w.apply(take(w)).ok
    assert w.acct(2).auction_start == 0
    c = rec.close(SHAPE)
    c.program.solve(c.inputs)


def test_takeover_of_a_deficit_with_insurance_cover() -> None:
    """test_a_deficit_within_the_fund_is_taken_at_the_oracle_price: value -25, the fund pays."""
    w = World(make_config(insurance_fund=1_000 * USD)).funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, 1, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_700_000).ok
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    at(w, AUCTION)
    rec = Recorder(w)
    skip(rec)
    assert w.apply(Liquidate(w.time, w.aid(2), BTC, 10_000, w.order_op(1, BTC, BUY, 4_700_000, 10_000))).ok
    c = rec.close(SHAPE)
    assert kinds(c) == [StepKind.LIQUIDATION, StepKind.INSURANCE_COVER]
    c.program.solve(c.inputs)
    # a deficit beyond the fund (2,000 USD less collateral) is not taken over
    broken(c, {"slot0.collateral": 975 * USD}, "slot0/liquidation/takeover/insurance")


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"slot0.auction_start": 0}, "slot0/liquidation/takeover/live"),  # no auction
        ({"slot0.collateral": 4_975 * USD}, "slot0/liquidation/takeover/liquidatable"),  # healthy
        (
            {"slot0.fill_price": 4_780_000, "slot1.fill_price": 4_780_000},
            "slot0/liquidation/takeover/at_mark",
        ),
        ({"slot1.o_price": 4_780_000}, "slot1/liquidation/takeover/limit"),  # limit below M
        ({"slot0.fill_size": 20_000, "slot1.fill_size": 20_000}, "slot0/liquidation/reduces"),  # beyond |s|
        # its own position (the liquidated account's id, slot0's)
        ({"slot1.account_id": "slot0", "slot1.o_account": "slot0"}, "slot1/liquidation/distinct"),
    ],
)
def test_takeover_rules(takeover: Closed, changes: dict[str, Any], where: str) -> None:
    ids = {k: takeover.inputs[f"{v}.account_id"] if v == "slot0" else v for k, v in changes.items()}
    broken(takeover, ids, where)


def test_constraints_per_slot() -> None:
    assert slot_template(SHAPE.queue, SHAPE.withdrawals).n_constraints < 40_000


def test_takeover_in_a_reduce_only_market_with_insurance_cover() -> None:
    """test_a_breaker_empties_the_book_and_a_takeover_replaces_it: an 11% fall trips the breaker;
    the takeover opens the liquidator's position in the reduce-only market, the fund pays 2,525."""
    w = breaker_scenario()
    w.tick()
    assert w.oracle(BTC, 4_450_000).ok
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    rec = Recorder(w)
    skip(rec)
    assert w.apply(take(w, limit=4_450_000)).ok
    assert w.ex.markets[BTC].reduce_only(w.time)
    c = rec.close(SHAPE)
    assert kinds(c) == [StepKind.LIQUIDATION, StepKind.INSURANCE_COVER]
    c.program.solve(c.inputs)
