"""DELEVERAGE in the batch circuit (protocol.md 4.8; circuits/batch/steps/deleverage.py): ADL steps
of the exchange core, as its own tests build them (tests/sequencer/test_deleverage.py,
test_auction.py), satisfy the circuit, and each rule broken (a tampered slot input, or a record
the core would reject) fails at a named constraint."""

from __future__ import annotations

import pytest

from circuits.batch.batch import BatchShape
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.margin import Margin
from sequencer.ops import Deleverage, StartAuction
from tests.circuits.batch.adl_lib import LATER, SHAPE, STALE, assert_breaks, closed_step, isolate, signed
from tests.circuits.batch.batch_lib import Closed
from tests.sequencer import test_auction as ta
from tests.sequencer import test_deleverage as td
from tests.sequencer.world import BTC, BTC_MARKET, ETH_MARKET, SELL, USD, World, make_config

AUCTION = 300
P = 5_000_000


def _adl(w: World, trader: int, counter: int, size: int) -> Closed:
    rec = isolate(w)
    res = w.apply(Deleverage(w.time, w.aid(trader), BTC, w.aid(counter), size))
    assert res.ok, res
    return closed_step(rec, StepKind.DELEVERAGE)


@pytest.fixture(scope="module")
def deficit() -> tuple[World, Closed]:
    """V = -25 USD beyond the (empty) fund: the first-ranked short pays the whole deficit."""
    w = td.bankrupt_long()
    return w, _adl(w, 3, 0, 6_000)


@pytest.fixture(scope="module")
def holding(deficit: tuple[World, Closed]) -> Closed:
    """Then V = 0 within the fund: ADL once its auction holds at the bankruptcy price; the account
    ends flat and its auction ends."""
    w = deficit[0]
    rec = isolate(w)
    assert w.apply(StartAuction(w.time, w.aid(3))).ok
    closed_step(rec, StepKind.AUCTION_START)
    w.tick(AUCTION - 1)
    w.refresh()
    w.tick()
    rec = isolate(w)
    assert w.acct(3).auction_start + AUCTION == w.time
    assert w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(1), 4_000)).ok
    assert w.acct(3).auction_start == 0 and not w.acct(3).has_positions()
    return closed_step(rec, StepKind.DELEVERAGE)


@pytest.fixture(scope="module")
def discount() -> Closed:
    """V = 875 USD >= 0 after its auction: the account pays the counterparty its discount."""
    w = World().funded(3).priced()
    assert w.deposit(3, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(3, BTC, td.BUY, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_790_000).ok
    assert w.apply(StartAuction(w.time, w.aid(3))).ok
    w.tick(AUCTION)
    assert w.oracle(BTC, 4_790_000).ok
    c = _adl(w, 3, 0, 4_000)
    assert c.batch.records[0].steps[0].data.transfer == -350 * USD
    return c


def short_of_value(insurance: int = 0) -> World:
    """Trader 2 (long 1 BTC) at -25 USD; its only counterparty, trader 3 (short 1 BTC, long 10 ETH),
    has 10 USD of value (tests/sequencer/test_deleverage.py)."""
    nf = (td.no_fees(BTC_MARKET), td.no_fees(ETH_MARKET))
    w = World(make_config(nf, insurance_fund=insurance)).funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.deposit(3, 5_600 * USD).ok
    assert w.order(3, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, td.BUY, P, 10_000, tif=TimeInForce.IOC).ok
    assert w.order(1, td.ETH, SELL, 300_000, 10_000).ok
    assert w.order(3, td.ETH, td.BUY, 300_000, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_697_500).ok
    assert w.oracle(td.ETH, 240_000).ok
    w.tick()
    assert w.oracle(td.ETH, 213_850).ok
    return w


@pytest.fixture(scope="module")
def capped() -> Closed:
    """The counterparty's value (10 USD) is all it pays of a 25 USD deficit."""
    c = _adl(short_of_value(), 2, 3, 10_000)
    d = c.batch.records[0].steps[0].data
    assert (d.value, d.counterparty_value, d.transfer) == (-25 * USD, 10 * USD, 10 * USD)
    return c


def test_the_fund_covers_what_the_counterparty_could_not_pay() -> None:
    """With a 10 USD fund, -25 USD is beyond it: ADL, the counterparty pays its 10 USD and the
    fund the next 10 (an INSURANCE_COVER step of the same operation); 5 USD stays bad debt."""
    w = short_of_value(insurance=10 * USD)
    rec = isolate(w)
    assert w.apply(Deleverage(w.time, w.aid(2), BTC, w.aid(3), 10_000)).ok
    c = rec.close(BatchShape(3, 0, 0))
    assert [s.kind for r in c.batch.records for s in r.steps] == [
        StepKind.DELEVERAGE,
        StepKind.INSURANCE_COVER,
    ]
    assert w.ex.insurance_fund == 0 and w.acct(2).collateral == -5 * USD
    c.program.solve(c.inputs)
    # the cover is for one of the deleverage's accounts only
    assert_breaks(c, {"slot2.account_id": w.aid(1)}, "slot2/insurance_cover/named")


def halted_recovery() -> World:
    """Trader 3 long 1 BTC from 50,000 on 3,000 USD, fund 1,000 USD; the price goes stale and an
    oracle recovery sets it at 47,000 and halts the market: V = -25 is within the fund, but F(a) = 0
    while it holds a position in the halted market, so ADL comes at once."""
    w = World(make_config(insurance_fund=1_000 * USD)).funded(3).priced()
    assert w.deposit(3, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(3, BTC, td.BUY, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick(w.config.oracle_max_age_s + 1)
    assert w.oracle(td.ETH, 300_000).ok
    assert w.oracle(BTC, 4_700_000, walk=False, signers=(0, 1, 2)).ok
    mk = w.ex.markets[BTC]
    assert mk is not None and mk.halted(w.time) and w.ex.risk(w.acct(3)).value == -25 * USD
    return w


@pytest.fixture(scope="module")
def halted() -> Closed:
    return _adl(halted_recovery(), 3, 0, 10_000)


@pytest.fixture(scope="module")
def at_mark() -> Closed:
    """Mark 47,900 below the oracle price 50,000: both legs and the discount at the mark; the
    counterparty's cost mixes two prices."""
    w = ta.below_the_mark()
    ta.at(w, AUCTION)
    c = _adl(w, 2, 0, 4_000)
    d = c.batch.records[0].steps[0].data
    assert (d.price, d.transfer) == (4_790_000, -350 * USD)
    return c


def test_scenarios_satisfy_the_circuit(
    deficit: tuple[World, Closed],
    holding: Closed,
    discount: Closed,
    capped: Closed,
    halted: Closed,
    at_mark: Closed,
) -> None:
    transfers = [
        c.batch.records[0].steps[0].data.transfer
        for c in (deficit[1], holding, discount, capped, halted, at_mark)
    ]
    assert transfers == [25 * USD, 0, -350 * USD, 10 * USD, 25 * USD, -350 * USD]
    # the witness transfer is the slot's `price` field
    assert signed(discount.inputs["slot0.price"]) == -350 * USD


def test_cost_per_slot(deficit: tuple[World, Closed]) -> None:
    """The parts of the DELEVERAGE rules that slot_counts.json (each scope's total, with the
    AUCTION_START and AUCTION_END rules; test_slot_counts.py) does not break out: the account flags
    the two legs share and the transfer gadget (the module docstrings' costs)."""
    p = deficit[1].program
    names = [p.constraint_name(i) for i in range(p.n_constraints)]
    shared = sum(n.startswith("slot0/deleverage/account_flags/") for n in names)
    transfer = sum(n.startswith("slot0/deleverage_after_fill/transfer/") for n in names)
    assert (shared, transfer) == (194, 691)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        # a healthy account (V >= MM) is not deleveraged
        ({"slot0.collateral": 5_000 * USD}, "slot0/deleverage/liquidatable"),
        # a stale price (both slots of the operation later)
        ({LATER: STALE}, "slot0/deleverage/price_fresh"),
        # more than the counterparty holds (0.6 BTC)
        ({"slot0.fill_size": 7_000}, "slot1/deleverage_after_fill/counter_closes"),
        # not a multiple of the step (10)
        ({"slot0.fill_size": 5_995}, "slot0/deleverage/lots_range"),
        # the account's leg grows its position instead
        ({"slot0.taker_side": 0}, "slot0/deleverage_after_fill/account_closes"),
        # the counterparty's leg in another market
        ({"slot1.market[0]": 0, "slot1.market[1]": 1}, "slot1/deleverage/same_market"),
        # the account credited more than the deficit
        ({"slot0.price": 26 * USD}, "slot1/deleverage_after_fill/transfer/equals_witness"),
        # an order slot overwritten on the way
        ({"slot0.slot_used": 1}, "slot0/deleverage/no_order_slot"),
    ],
)
def test_broken_rules_of_a_deficit(
    deficit: tuple[World, Closed], changes: dict[str, int], where: str
) -> None:
    assert_breaks(deficit[1], changes, where)


def test_no_adl_while_the_auction_runs(holding: Closed) -> None:
    # V = 0 is within the fund: only an auction holding at the bankruptcy price allows ADL
    now = holding.inputs["slot0.now"]
    assert_breaks(holding, {"slot0.auction_start": now - AUCTION + 1}, "slot0/deleverage/backstops_spent")
    assert_breaks(holding, {"slot0.auction_start": now - 2 * AUCTION}, "slot0/deleverage/backstops_spent")


def test_more_than_the_position(discount: Closed) -> None:
    assert_breaks(discount, {"slot0.fill_size": 10_010}, "slot0/deleverage_after_fill/account_closes")


def test_a_discount_too_large(discount: Closed) -> None:
    assert_breaks(
        discount, {"slot0.price": -351 * USD}, "slot1/deleverage_after_fill/transfer/equals_witness"
    )
    assert_breaks(discount, {"slot0.price": 0}, "slot1/deleverage_after_fill/transfer/equals_witness")


def test_a_transfer_above_the_counterpartys_value(capped: Closed) -> None:
    assert_breaks(capped, {"slot0.price": 25 * USD}, "slot1/deleverage_after_fill/transfer/equals_witness")


def test_the_fund_covers_it_outside_a_halt(monkeypatch: pytest.MonkeyPatch) -> None:
    """A record the core rejects: V = -100 USD within a 1,000 USD fund, no halt, no auction; a core
    that took F(a) = 0 anyway would deleverage it at once."""
    w = World(make_config((td.no_fees(BTC_MARKET),), insurance_fund=1_000 * USD)).funded(1)
    assert w.oracle(BTC, P).ok
    assert w.deposit(1, 3_000 * USD).ok
    assert w.order(0, BTC, td.BUY, P, 10_000).ok
    assert w.order(1, BTC, SELL, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 5_310_000).ok
    assert w.ex.risk(w.acct(1)).value == -100 * USD
    rec = isolate(w)
    with monkeypatch.context() as m:
        m.setattr(Margin, "fund_for", lambda self, acct: 0)
        assert w.apply(Deleverage(w.time, w.aid(1), BTC, w.aid(0), 10_000)).ok
    c = rec.close(SHAPE)
    assert_breaks(c, {}, "slot0/deleverage/backstops_spent")
