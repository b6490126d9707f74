"""No free wire in the batch circuit: on a satisfying witness of a real batch, changing any
non-input wire alone breaks a constraint (`circuits.dsl.audit.free_wires`), so no hinted value
is left unconstrained.  One small closed batch per family of step kinds covers every slot role
(the scenarios are the per-kind modules' builders) and padding NOOP slots, in validium mode, and a
rollup batch covers the rollup section's records (live and zero).  Each batch is checked in the
smallest shape that holds it: the audit's time grows with the wires, about 4 s for a batch's start,
end and public data and 1 s per slot; the module takes ~95 s on an idle 2-core machine (8 of them
compiling the slot template once), ~2 min when the cores are shared."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from circuits.batch.batch import BatchShape
from circuits.dsl.audit import free_wires
from protocol.messages.order import TimeInForce
from protocol.pubdata.fields import Mode
from protocol.slots import Role, roles_of
from sequencer.ops import Deleverage, EndAuction, Liquidate, StartAuction
from tests.circuits.batch import test_deleverage as tdl
from tests.circuits.batch.adl_lib import isolate
from tests.circuits.batch.batch_lib import Closed
from tests.circuits.batch.test_auction_start import below_maintenance
from tests.sequencer.test_auction import AUCTION, at, in_auction, take
from tests.sequencer.test_liquidate import leveraged_long, move
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


def queue_and_withdrawal(mode: Mode = Mode.VALIDIUM) -> Closed:
    """DEPOSIT (a new account and an existing one), FORCED_WITHDRAWAL (by the owner, for a missing
    account), WITHDRAW, and a NOOP."""
    w = World().funded(2)
    rec = isolate(w)
    assert w.deposit(2, 1_000 * USD).ok
    assert w.deposit(0, 5 * USD).ok
    assert w.forced_withdrawal(w.aid(1), 7 * USD, 0x1001).ok
    assert w.forced_withdrawal(999, 7 * USD, 0x1001).ok
    assert w.withdraw(0, 3 * USD).ok
    return rec.close(BatchShape(6, 4, 1, mode))


def rollup_records(mode: Mode = Mode.ROLLUP) -> Closed:
    """The rollup section's records: a live one (a new account), the zero record of a missing
    account's forced withdrawal and of a NOOP."""
    w = World().funded(1)
    rec = isolate(w)
    assert w.deposit(1, 1_000 * USD).ok
    assert w.forced_withdrawal(999, 7 * USD, 0x1001).ok
    return rec.close(BatchShape(3, 2, 0, mode))


def trade_and_transfer(mode: Mode = Mode.VALIDIUM) -> Closed:
    """TRADE_MAKER, TRADE_TAKER (a partial fill), TRANSFER_FROM, TRANSFER_TO."""
    w = World().funded(2).priced()
    rec = isolate(w)
    assert w.order(0, ETH, SELL, 300_000, 500).ok
    assert w.order(1, ETH, BUY, 300_000, 200, tif=TimeInForce.IOC).ok
    assert w.transfer(1, 0, 20 * USD).ok
    return rec.close(BatchShape(4, 0, 0, mode))


def funding(mode: Mode = Mode.VALIDIUM) -> Closed:
    """FUNDING_MARKET: a tick over every market slot (priced, holding positions, unlisted)."""
    w = World().funded(2).priced()
    assert w.order(0, BTC, SELL, 5_000_000, 3_000).ok
    assert w.order(1, BTC, BUY, 5_010_000, 3_000).ok
    w.next_interval()
    rec = isolate(w)
    assert w.funding().ok
    return rec.close(BatchShape(8, 0, 0, mode))


def book_liquidation_with_cover(mode: Mode = Mode.VALIDIUM) -> Closed:
    """LIQ_BOOK_MAKER, LIQ_BOOK_ACCOUNT, INSURANCE_COVER (test_liquidation's insurance cover)."""
    w = leveraged_long(insurance=1_000 * USD)
    move(w, 4_700_000)
    assert w.order(1, BTC, BUY, 4_690_000, 10_000).ok
    rec = isolate(w)
    assert w.apply(Liquidate(w.time, w.aid(2), BTC, 10_000)).ok
    return rec.close(BatchShape(3, 0, 0, mode))


def takeover(mode: Mode = Mode.VALIDIUM) -> Closed:
    """TAKEOVER_ACCOUNT, TAKEOVER_LIQUIDATOR (test_liquidation's partial takeover)."""
    w = in_auction()
    at(w, AUCTION // 2)
    rec = isolate(w)
    assert w.apply(take(w, size=4_000)).ok
    return rec.close(BatchShape(2, 0, 0, mode))


def deleverage_with_cover(mode: Mode = Mode.VALIDIUM) -> Closed:
    """DELEVERAGE_ACCOUNT, DELEVERAGE_COUNTER, INSURANCE_COVER (test_deleverage's fund covering
    what the counterparty could not pay)."""
    w = tdl.short_of_value(insurance=10 * USD)
    rec = isolate(w)
    assert w.apply(Deleverage(w.time, w.aid(2), BTC, w.aid(3), 10_000)).ok
    return rec.close(BatchShape(3, 0, 0, mode))


def auction(mode: Mode = Mode.VALIDIUM) -> Closed:
    """AUCTION_START, then the price recovers (ORACLE_PRICE, two signed prices) and AUCTION_END."""
    w = below_maintenance()
    rec = isolate(w)
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    w.tick(100)
    assert w.oracle(BTC, 4_900_000).ok
    assert w.apply(EndAuction(w.time, w.aid(2))).ok
    return rec.close(BatchShape(4, 0, 0, mode))


FAMILIES = [
    queue_and_withdrawal,
    trade_and_transfer,
    funding,
    book_liquidation_with_cover,
    takeover,
    deleverage_with_cover,
    auction,
]


def roles(c: Closed) -> set[Role]:
    used = [r for rec in c.batch.records for s in rec.steps for r in roles_of(s)]
    return set(used) | ({Role.NOOP} if len(used) < c.shape.slots else set())


def test_the_families_cover_every_role() -> None:
    # built without the audit: the scenarios are cheap next to it
    assert set().union(*(roles(f()) for f in FAMILIES)) == set(Role)


@pytest.mark.parametrize(
    ("family", "mode"),
    [*((f, Mode.VALIDIUM) for f in FAMILIES), (rollup_records, Mode.ROLLUP)],
    ids=lambda v: getattr(v, "__name__", None) or v.name.lower(),
)
def test_no_free_wire(family: Callable[[Mode], Closed], mode: Mode) -> None:
    c = family(mode)
    solved = c.program.solve(c.inputs)
    assert free_wires(c.program, solved) == []
