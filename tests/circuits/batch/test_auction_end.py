"""AUCTION_END in the batch circuit (protocol.md 4.8; circuits/batch/steps/auction_end.py): the
keeper's EndAuction steps of the exchange core, as its own tests build them
(tests/sequencer/test_auction.py), satisfy the circuit, and each rule broken fails at a named
constraint."""

from __future__ import annotations

import pytest

from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.liquidation import run_keeper
from sequencer.ops import EndAuction, StartAuction
from tests.circuits.batch.adl_lib import LATER, STALE, assert_breaks, closed_step, isolate
from tests.circuits.batch.batch_lib import Closed
from tests.circuits.batch.test_auction_start import below_maintenance
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


def in_auction() -> World:
    w = below_maintenance()
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    return w


@pytest.fixture(scope="module")
def recovered() -> Closed:
    """BTC back at 49,000: value 1,975 >= MM 1,470; the keeper ends the auction."""
    w = in_auction()
    w.tick(100)
    assert w.oracle(BTC, 4_900_000).ok
    rec = isolate(w)
    assert [type(op).__name__ for op, _ in run_keeper(w.ex, w.time)] == ["EndAuction"]
    return closed_step(rec, StepKind.AUCTION_END)


def test_an_end_after_a_fresh_price() -> None:
    w = in_auction()
    w.tick(30)
    assert w.oracle(BTC, 4_900_000).ok
    w.tick(w.config.oracle_max_age_s + 1)
    assert w.oracle(ETH, 300_000).ok
    w.refresh()
    rec = isolate(w)
    assert w.apply(EndAuction(w.time, w.aid(2))).ok
    closed_step(rec, StepKind.AUCTION_END)


def test_a_flat_account_ends_its_auction() -> None:
    """The account sells its position on the book during its auction (a reducing trade that keeps
    value >= maintenance 0): flat, its auction ends."""
    w = in_auction()
    assert w.order(1, BTC, BUY, 4_790_000, 10_000).ok
    assert w.order(2, BTC, SELL, 4_790_000, 10_000, tif=TimeInForce.IOC).ok
    assert not w.acct(2).has_positions() and w.acct(2).auction_start
    rec = isolate(w)
    assert w.apply(EndAuction(w.time, w.aid(2))).ok
    c = closed_step(rec, StepKind.AUCTION_END)
    assert not any(c.inputs[f"slot0.size[{m}]"] for m in range(8))


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"slot0.collateral": 1_000 * USD}, "slot0/auction_end/recovered_or_flat"),  # value 0 < MM
        ({"slot0.auction_start": 0}, "slot0/auction_end/in_auction"),
        ({LATER: STALE}, "slot0/auction_end/prices_fresh"),
        ({"slot0.slot_used": 1}, "slot0/auction_end/no_order_slot"),
    ],
)
def test_broken_rules(recovered: Closed, changes: dict[str, int], where: str) -> None:
    assert_breaks(recovered, changes, where)
