"""Differential test of the batch circuit against the exchange core: random operation sequences on a
test World (deposits, forced withdrawals, limit orders of both sides at several levels around the
oracle price, transfers, withdrawals, oracle moves, stale prices and their recovery, funding ticks),
cut into batches at random points, and every closed batch satisfies the circuit of the smallest of
three fixed shapes its steps fit.  The circuit recomputes the header's roots and the public input
from the witness and checks them against the core's, so a satisfied batch is one whose new state
root and public input the circuit and the core agree on.  A second test puts the liquidation
paths (against the book, insurance cover, auction start, takeover, ADL) into batches among
ordinary operations, with the per-kind modules' scenario builders.

Rejected operations change nothing and are skipped; an operation the pending batch has no room for
(BATCH_FULL, as the node's capacity rule) closes the batch first, as the node does.  (Its first
run found two fills of one order in a batch giving another account leaf than the core's: each
order role ran the order-slot rule and the disabled ones added the old slot again; fixed since by
steps/order_leg.py, one order check per slot.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from circuits.batch.batch import BatchShape
from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.pubdata.collect import steps_of
from protocol.records import StepKind
from protocol.slots import Usage, usage
from sequencer.exchange import Result
from sequencer.ops import Deleverage, EndAuction, Liquidate, StartAuction
from tests.circuits.batch.batch_lib import Recorder
from tests.circuits.batch.test_auction_start import below_maintenance
from tests.sequencer import test_deleverage as td
from tests.sequencer.test_auction import AUCTION, at, in_auction, take
from tests.sequencer.test_liquidate import leveraged_long, move
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World, trader_signer

# the fixed shapes (slots, queue records, withdrawals), smallest first; only these are compiled
LIQUIDATION_KINDS = {
    StepKind.LIQUIDATION,
    StepKind.INSURANCE_COVER,
    StepKind.DELEVERAGE,
    StepKind.AUCTION_START,
    StepKind.AUCTION_END,
}
SHAPES = (BatchShape(8, 2, 2), BatchShape(16, 2, 2), BatchShape(32, 4, 4))
TRADERS = 4  # traders 0..2 are funded at the start; trader 3 only by a drawn deposit
STRANGER = 0xDEAD  # an L1 address that owns no account
MISSING = 999  # an account id nobody has


def shape_for(need: Usage) -> BatchShape:
    return next(s for s in SHAPES if need.fits(Usage(s.slots, s.queue, s.withdrawals)))


class ProvingWorld(World):
    """A World whose core refuses what the largest shape cannot hold; every batch it closes (at a
    drawn point, when the pending batch is full, at the end) is solved in the smallest shape."""

    def __init__(self, w: World | None = None) -> None:
        if w is None:
            super().__init__()
        else:  # adopt a scenario builder's world (its batch so far is closed unproved)
            self.__dict__.update(w.__dict__)
            self.ex.close_batch(witness=False)
        big = SHAPES[-1]
        self.ex.batch_capacity = Usage(big.slots, big.queue, big.withdrawals)
        self.rec = Recorder(self)
        self.proven: list[tuple[BatchShape, list[StepKind]]] = []

    def apply(self, op: Any) -> Result:
        res = super().apply(op)
        if res.code is ErrorCode.BATCH_FULL:
            self.prove()
            res = super().apply(op)
        return res

    def prove(self) -> None:
        if not self.ex.pending:
            return
        shape = shape_for(usage(s for r in self.ex.pending for s in r.steps))
        c = self.rec.close(shape)
        c.program.solve(c.inputs)  # raises UnsatisfiedConstraint naming the constraint
        self.proven.append((shape, [s.kind for s in steps_of(c.batch.records)]))

    def has(self, trader: int) -> bool:
        return self.ex.account_id_of(trader_signer(trader).pub) is not None


# ---- operations ---------------------------------------------------------------------------------------
trader = st.integers(0, TRADERS - 1)
Op = tuple[Any, ...]
ORDER = st.tuples(
    st.just("order"),
    trader,
    st.sampled_from([BTC, ETH]),
    st.sampled_from([BUY, SELL]),
    st.integers(-3, 3),  # price level, 0.2% apart: a buy at +3 crosses asks up to +3 (several levels)
    st.integers(1, 150),  # size in steps: partial fills of the resting orders or of the taker
    st.sampled_from([TimeInForce.GTT, TimeInForce.GTT, TimeInForce.IOC]),
    st.sampled_from([False, False, False, True]),  # reduce-only
)
# resting orders (a trader, a level and a size each), then a taker order of another trader
# crossing them all: it sweeps several levels, and one of them or itself fills partly
CROSS = st.tuples(
    st.just("cross"),
    st.sampled_from([BTC, ETH]),
    st.sampled_from([BUY, SELL]),  # the taker's side
    st.lists(st.tuples(trader, st.integers(-1, 3), st.integers(1, 100)), min_size=1, max_size=3),
    trader,
    st.integers(1, 250),
    st.sampled_from([TimeInForce.GTT, TimeInForce.IOC]),
    st.sampled_from([False, False, True]),  # the taker's reduce-only
)
OPS = st.one_of(
    ORDER,  # one_of draws its branches alike: orders and crossings twice each
    ORDER,
    CROSS,
    CROSS,
    st.tuples(st.just("deposit"), trader, st.integers(1, 50_000)),
    st.tuples(
        st.just("forced"), st.sampled_from(["owner", "stranger", "missing"]), trader, st.integers(1, 60_000)
    ),
    st.tuples(st.just("transfer"), trader, trader, st.integers(1, 30_000)),
    st.tuples(st.just("withdraw"), trader, st.integers(1, 150)),  # percent of the free collateral
    st.tuples(st.just("oracle"), st.sampled_from([BTC, ETH]), st.integers(-10, 10)),  # per mille
    # per mille, by the recovery quorum; then, or not, the halt's cool-down runs out
    st.tuples(st.just("stale"), st.integers(-30, 30), st.booleans()),
    st.tuples(st.just("funding")),
    st.tuples(st.just("close")),
)


def order(w: ProvingWorld, t: int, m: int, side: int, level: int, steps: int, **kw: Any) -> None:
    """An order `level` times 0.2% above the oracle price (rounded to the tick), if t has an account."""
    mk = w.ex.markets[m]
    assert mk is not None
    if w.has(t) and mk.oracle_price:
        tick = mk.cfg.tick_size
        price = mk.oracle_price * (1000 + 2 * level) // 1000 // tick * tick
        w.order(t, m, side, price, steps * mk.cfg.step_size, **kw)


def run(w: ProvingWorld, op: Op) -> None:
    kind, *args = op
    if kind == "deposit":
        t, usd = args
        w.deposit(t, usd * USD)
    elif kind == "forced":
        who, t, usd = args
        if who == "missing" or not w.has(t):
            w.forced_withdrawal(MISSING, usd * USD, 0x1000 + t)
        else:
            w.forced_withdrawal(w.aid(t), usd * USD, 0x1000 + t if who == "owner" else STRANGER)
    elif kind == "order":
        t, m, side, level, steps, tif, reduce_only = args
        order(w, t, m, side, level, steps, tif=tif, reduce_only=reduce_only)
    elif kind == "cross":
        m, side, makers, t, steps, tif, reduce_only = args
        away = 1 if side == BUY else -1  # the makers' levels away from the taker's side
        for maker, level, maker_steps in makers:
            order(w, maker, m, 1 - side, away * level, maker_steps)
        order(w, t, m, side, away * 3, steps, tif=tif, reduce_only=reduce_only)
    elif kind == "transfer":
        a, b, usd = args
        if w.has(a) and w.has(b):
            w.transfer(a, b, usd * USD)
    elif kind == "withdraw":
        t, pct = args
        if w.has(t):
            free = w.ex.risk(w.acct(t)).withdrawable
            if free * pct // 100 > 0:
                w.withdraw(t, free * pct // 100)  # above 100%: the core refuses it
    elif kind == "oracle":
        m, per_mille = args
        mk = w.ex.markets[m]
        assert mk is not None
        w.oracle(m, mk.oracle_price * (1000 + per_mille) // 1000)
    elif kind == "stale":  # every price goes stale; the recovery quorum brings them back
        per_mille, cool_down = args
        w.tick(w.config.oracle_max_age_s + 1)
        for m in (BTC, ETH):
            mk = w.ex.markets[m]
            assert mk is not None
            w.oracle(m, mk.oracle_price * (1000 + per_mille) // 1000, walk=False, signers=(0, 1, 2))
        if cool_down:  # the markets trade again
            w.tick(max(m.cfg.cooldown_s for m in w.ex.active))
            w.refresh()
    elif kind == "funding":
        w.next_interval()
        w.funding()
    else:
        w.prove()


def setup() -> ProvingWorld:
    w = ProvingWorld()
    w.funded(3, 20_000 * USD)
    w.priced()
    return w


EVERY_KIND: list[Op] = [
    ("order", 0, BTC, SELL, 1, 40, TimeInForce.GTT, False),
    ("order", 0, BTC, SELL, 2, 40, TimeInForce.GTT, False),
    ("order", 1, BTC, BUY, 3, 60, TimeInForce.IOC, False),  # two levels, the second partly
    ("deposit", 3, 5_000),
    ("transfer", 3, 2, 1_000),
    ("order", 2, ETH, BUY, -1, 100, TimeInForce.GTT, False),
    ("order", 3, ETH, SELL, -2, 50, TimeInForce.GTT, False),
    ("close",),
    ("forced", "owner", 2, 500),
    ("forced", "stranger", 2, 500),
    ("forced", "missing", 0, 1),
    ("withdraw", 3, 50),
    ("withdraw", 3, 150),
    ("oracle", BTC, 8),
    ("order", 1, BTC, SELL, 0, 20, TimeInForce.IOC, True),  # reduce-only, against the rest
    ("funding",),
    ("stale", 20, False),
    ("order", 2, ETH, SELL, 0, 30, TimeInForce.GTT, True),
]


@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(OPS, min_size=10, max_size=40))
def test_random_batches_satisfy_the_circuit(ops: list[Op]) -> None:
    w = setup()
    for op in ops:
        run(w, op)
    w.prove()
    for shape, kinds in w.proven:
        event(f"shape {shape.slots}")
        for k in set(kinds):
            event(k.name)


def test_every_ordinary_kind() -> None:
    """A fixed sequence that reaches every ordinary step kind and the edge cases above."""
    w = setup()
    for op in EVERY_KIND:
        run(w, op)
    w.prove()
    kinds = {k for _, ks in w.proven for k in ks}
    assert kinds == set(StepKind) - LIQUIDATION_KINDS, kinds


# ---- the liquidation paths among ordinary operations ---------------------------------------------------
def chatter(w: ProvingWorld) -> None:
    """Ordinary operations of two bystanders (traders 5 and 6, unknown to every scenario): their
    deposits, a transfer, an ETH trade, a withdrawal."""
    assert w.deposit(5, 10_000 * USD).ok
    assert w.deposit(6, 10_000 * USD).ok
    assert w.transfer(5, 6, 10 * USD).ok
    assert w.order(5, ETH, SELL, 300_000, 100).ok
    assert w.order(6, ETH, BUY, 300_000, 100, tif=TimeInForce.IOC).ok
    assert w.withdraw(6, 5 * USD).ok


def book_with_cover() -> ProvingWorld:
    """test_liquidation.test_book_liquidation_with_insurance_cover, among other operations."""
    w = ProvingWorld(leveraged_long(insurance=1_000 * USD))
    chatter(w)
    move(w, 4_700_000)
    assert w.order(1, BTC, BUY, 4_690_000, 10_000).ok
    assert w.apply(Liquidate(w.time, w.aid(2), BTC, 10_000)).ok
    assert w.transfer(6, 5, 1 * USD).ok
    return w


def book_over_two_makers() -> ProvingWorld:
    """test_liquidation.test_book_liquidation_over_two_makers: one Liquidate, two fills."""
    w = ProvingWorld(leveraged_long())
    move(w, 4_790_000)
    chatter(w)
    assert w.order(1, BTC, BUY, 4_785_000, 3_000).ok
    assert w.order(0, BTC, BUY, 4_780_000, 10_000).ok
    assert w.apply(Liquidate(w.time, w.aid(2), BTC, 6_830)).ok
    return w


def takeover() -> ProvingWorld:
    """test_liquidation's takeover: 0.4 BTC half way through the auction."""
    w = ProvingWorld(in_auction())
    at(w, AUCTION // 2)
    chatter(w)
    assert w.apply(take(w, size=4_000)).ok
    return w


def adl_then_auction_then_adl() -> ProvingWorld:
    """test_deleverage's deficit then holding: ADL of a deficit at once, the auction started, and
    once it holds at the bankruptcy price a second ADL leaves the account flat (its auction ends)."""
    w = ProvingWorld(td.bankrupt_long())
    chatter(w)
    assert w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(0), 6_000)).ok
    assert w.apply(StartAuction(w.time, w.aid(3))).ok
    w.prove()
    w.tick(AUCTION - 1)
    w.refresh()
    w.tick()
    chatter(w)
    assert w.acct(3).auction_start + AUCTION == w.time
    assert w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(1), 4_000)).ok
    assert not w.acct(3).has_positions()
    return w


def auction_end() -> ProvingWorld:
    """test_auction_end's recovery: BTC back at 49,000, the auction ends."""
    w = ProvingWorld(below_maintenance())
    chatter(w)
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    w.prove()
    w.tick(100)
    w.refresh()  # the bystanders' ETH price fresh again
    assert w.oracle(BTC, 4_900_000).ok
    chatter(w)
    assert w.apply(EndAuction(w.time, w.aid(2))).ok
    return w


@pytest.mark.parametrize(
    ("scenario", "kinds"),
    [
        (book_with_cover, {StepKind.LIQUIDATION, StepKind.INSURANCE_COVER}),
        (book_over_two_makers, {StepKind.LIQUIDATION}),
        (takeover, {StepKind.LIQUIDATION}),
        (adl_then_auction_then_adl, {StepKind.DELEVERAGE, StepKind.AUCTION_START}),
        (auction_end, {StepKind.AUCTION_START, StepKind.AUCTION_END}),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_liquidation_paths_among_other_operations(
    scenario: Callable[[], ProvingWorld], kinds: set[StepKind]
) -> None:
    w = scenario()
    w.prove()
    proven = {k for _, ks in w.proven for k in ks}
    assert kinds | {StepKind.DEPOSIT, StepKind.TRANSFER, StepKind.TRADE, StepKind.WITHDRAW} <= proven
