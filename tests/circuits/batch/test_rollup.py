"""The batch circuit in rollup mode (protocol.md 7.5-7.7): on random batches of the exchange core the
circuit's public input, which hashes every slot's record (the account and its position in the
slot's market after the slot) and the global state after the last slot, is exactly
protocol.pubdata's (the circuit recomputes it and checks it against its public input); a public
data byte changed in an account record or in the global section breaks the public input's
constraint; a slot's record is all zero where it leaves no account."""

from __future__ import annotations

import random

import pytest

from circuits.batch.batch import BatchShape
from circuits.batch.pubdata import global_bits, record_bits
from circuits.batch.slot_io import RECORD_SPEC, spec_size
from circuits.batch.vars import GlobalVars, MarketVars
from circuits.dsl import Circuit, UnsatisfiedConstraint
from protocol.constants import MAX_MARKETS
from protocol.pubdata.account_diff import EMPTY, RECORD_BYTES
from protocol.pubdata.batch import decode_public_data, public_input, split
from protocol.pubdata.fields import Mode
from protocol.pubdata.global_diff import GLOBAL_BYTES
from protocol.pubdata.header import BatchHeader
from protocol.records import StepKind
from tests.circuits.batch.batch_lib import Closed, Recorder, slots_of
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World

SHAPE = BatchShape(6, 1, 1, Mode.ROLLUP)


def _header(c: Closed) -> BatchHeader:
    return c.batch.header(c.inputs["header.chain_id"])


def _world() -> tuple[World, Recorder]:
    w = World()
    rec = Recorder(w)
    w.funded(4)
    w.priced()
    rec.close(BatchShape(8, 4, 1, Mode.ROLLUP))  # built, not solved
    return w, rec


def _random_batch(w: World, rng: random.Random) -> None:
    """Operations of random kinds (trades in either market, transfers, a withdrawal, a deposit, a
    forced withdrawal, possibly of an empty leaf) within SHAPE's slots and capacities."""
    slots, queue, wds = 0, 0, 0
    while slots < SHAPE.slots:
        kind = rng.choice(["trade", "trade", "transfer", "withdraw", "deposit", "forced"])
        a, b = rng.sample(range(4), 2)
        if kind in ("trade", "transfer") and slots + 2 <= SHAPE.slots:
            if kind == "trade":
                market, price = rng.choice([(BTC, 5_000_000), (ETH, 300_000)])
                size = 10 * rng.randint(1, 5)
                assert w.order(a, market, SELL, price, size).ok
                assert w.order(b, market, BUY, price, size).ok
            else:
                assert w.transfer(a, b, rng.randint(1, 50) * USD).ok
            slots += 2
        elif kind == "withdraw" and wds < SHAPE.withdrawals:
            assert w.withdraw(a, rng.randint(1, 9) * USD).ok
            slots, wds = slots + 1, wds + 1
        elif kind in ("deposit", "forced") and queue < SHAPE.queue:
            if kind == "deposit":
                assert w.deposit(a, rng.randint(1, 9) * USD).ok
            else:
                aid = rng.choice([w.aid(a), 999])  # 999: no such account, its leaf proven empty
                assert w.forced_withdrawal(aid, USD, owner=0x1000 + a).ok
            slots, queue = slots + 1, queue + 1
        elif slots + 1 >= SHAPE.slots or rng.random() < 0.3:
            break


@pytest.fixture(scope="module")
def batches() -> list[Closed]:
    w, rec = _world()
    rng = random.Random(7)
    out = []
    for _ in range(4):
        _random_batch(w, rng)
        out.append(rec.close(SHAPE))
    return out


def test_random_batches_public_input_is_protocols(batches: list[Closed]) -> None:
    kinds = set()
    for c in batches:
        pd = decode_public_data(Mode.ROLLUP, c.raw)
        assert len(pd.accounts) == SHAPE.slots
        assert all(r == EMPTY for r in pd.accounts[slots_of(c.batch) :])  # padding slots
        assert c.public_input == public_input(Mode.ROLLUP, _header(c), c.raw)
        c.program.solve(c.inputs)  # the circuit recomputes the public input and checks it
        kinds |= {s.kind for r in c.batch.records for s in r.steps}
    assert {StepKind.TRADE, StepKind.TRANSFER} <= kinds


def _tampered(c: Closed, at: int, xor: int) -> int:
    raw = bytearray(c.raw)
    raw[at] ^= xor
    return public_input(Mode.ROLLUP, _header(c), bytes(raw))


def _offsets(c: Closed) -> tuple[int, int]:
    """Where the global and the accounts sections start in the framed public data."""
    s = split(Mode.ROLLUP, c.raw)
    g = 7 + len(s.queue) + len(s.withdrawals)
    return g, g + GLOBAL_BYTES


@pytest.mark.parametrize(
    ("section", "offset", "xor"),
    [
        ("accounts", 2, 0x01),  # slot 0's account id
        ("accounts", 3 + 10, 0x80),  # slot 0's collateral, low byte
        ("accounts", 55, 0x01),  # slot 0's market id
        ("accounts", RECORD_BYTES + 83, 0x01),  # slot 1's funding snapshot
        ("accounts", (SHAPE.slots - 1) * RECORD_BYTES + 40, 0x01),  # the last (padding) slot
        ("global", 1, 0x01),  # the insurance fund's top byte
        ("global", 26 + 5 + 5 + 10, 0x01),  # market 0's funding index, low byte
        ("global", 26 + 65 * 7, 0x01),  # market 7, not configured: zero bytes
    ],
)
def test_tampered_public_data_breaks_the_public_input(
    batches: list[Closed], section: str, offset: int, xor: int
) -> None:
    c = batches[0]
    g, a = _offsets(c)
    inputs = dict(c.inputs)
    inputs["public_input"] = _tampered(c, (a if section == "accounts" else g) + offset, xor)
    with pytest.raises(UnsatisfiedConstraint) as info:
        c.program.solve(inputs)
    # the solver meets the mismatch in the outer hash (whose output the public input fixes) or at
    # the final equality
    assert info.value.name.startswith("public_data/"), info.value.name


def test_tampered_state_breaks_the_slot() -> None:
    """The record is the slot's state after, not a witness of its own: a claimed account state
    other than the leaf's breaks the slot's Merkle check before anything is published."""
    w, rec = _world()
    assert w.withdraw(0, USD).ok
    c = rec.close(SHAPE)
    inputs = dict(c.inputs)
    inputs["slot0.collateral"] += 1
    with pytest.raises(UnsatisfiedConstraint) as info:
        c.program.solve(inputs)
    assert info.value.name.startswith("slot0/"), info.value.name


def test_encodings_cost() -> None:
    """The rollup bits: a record's (per slot) and the global section's (per batch)."""
    cs = Circuit("record")
    rec = [cs.private_input(f"r{i}") for i in range(spec_size(RECORD_SPEC))]
    assert len(record_bits(cs, rec)) == 8 * RECORD_BYTES
    n_record = cs.compile().n_constraints
    cs = Circuit("global")
    v = [cs.private_input(f"g{i}") for i in range(3 + 12 * MAX_MARKETS + MAX_MARKETS)]
    markets = [MarketVars(*v[3 + 12 * m : 15 + 12 * m]) for m in range(MAX_MARKETS)]
    bits = global_bits(cs, GlobalVars(v[0], v[1], v[2], markets), v[3 + 12 * MAX_MARKETS :])
    assert len(bits) == 8 * GLOBAL_BYTES
    n_global = cs.compile().n_constraints
    print(f"\nrollup encodings: {n_record} constraints per slot record, {n_global} for the global section")
    assert n_record < 1_000 and n_global < 5_000
