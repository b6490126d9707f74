"""AUCTION_START in the batch circuit (protocol.md 4.8; circuits/batch/steps/auction_start.py): the
keeper's StartAuction steps of the exchange core, as its own tests build them
(tests/sequencer/test_auction.py), satisfy the circuit, and each rule broken fails at a named
constraint."""

from __future__ import annotations

import pytest

from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.liquidation import run_keeper
from sequencer.ops import StartAuction
from tests.circuits.batch.adl_lib import LATER, STALE, assert_breaks, closed_step, isolate
from tests.circuits.batch.batch_lib import Closed
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World, make_config

P = 5_000_000
AUCTION = 300


def below_maintenance(insurance: int = 0) -> World:
    """Trader 2: 3,000 USD, 1 BTC long from 50,000; BTC at 47,900: value 875 < MM 1,437."""
    w = World(make_config(insurance_fund=insurance)).funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_790_000).ok
    return w


def keeper_starts(w: World) -> Closed:
    rec = isolate(w)
    assert [type(op).__name__ for op, _ in run_keeper(w.ex, w.time)] == ["StartAuction"]
    return closed_step(rec, StepKind.AUCTION_START)


@pytest.fixture(scope="module")
def started() -> tuple[World, Closed]:
    w = below_maintenance()
    return w, keeper_starts(w)


def test_an_auction_starts_again_once_over(started: tuple[World, Closed]) -> None:
    w, c = started
    assert c.inputs["slot0.auction_start"] == 0
    w.tick(2 * AUCTION)
    assert w.oracle(BTC, 4_790_000).ok
    rec = isolate(w)
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    again = closed_step(rec, StepKind.AUCTION_START)
    assert again.inputs["slot0.auction_start"] == w.time - 2 * AUCTION  # the old one, over


def test_a_halted_market_starts_an_auction() -> None:
    """A stale price starts none; the recovery that halts the market makes it fresh again."""
    w = below_maintenance(insurance=10_000 * USD)
    w.tick(w.config.oracle_max_age_s + 1)
    assert w.oracle(ETH, 300_000).ok
    assert w.oracle(BTC, 4_790_000, signers=(0, 1, 2)).ok
    mk = w.ex.markets[BTC]
    assert mk is not None and mk.halted(w.time)
    keeper_starts(w)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"slot0.collateral": 5_000 * USD}, "slot0/auction_start/liquidatable"),  # value 2,900 >= MM
        ({"slot0.size[0]": 0}, "slot0/auction_start/has_position"),
        ({LATER: STALE}, "slot0/auction_start/prices_fresh"),
        ({"slot0.slot_used": 1}, "slot0/auction_start/no_order_slot"),
    ],
)
def test_broken_rules(started: tuple[World, Closed], changes: dict[str, int], where: str) -> None:
    assert_breaks(started[1], changes, where)


def test_no_restart_while_the_auction_is_live(started: tuple[World, Closed]) -> None:
    c = started[1]
    now = c.inputs["slot0.now"]
    for start in (now, now - 2 * AUCTION + 1):  # just started; one second left
        assert_breaks(c, {"slot0.auction_start": start}, "slot0/auction_start/no_live_auction")
