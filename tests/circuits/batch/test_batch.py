"""The batch circuit on batches of the exchange core: the witness built from the records satisfies
every constraint, the circuit's roots and public input are the core's (both are checked inside:
the header's roots and the public input are inputs the circuit recomputes), and tampering with a
record's values breaks a named constraint."""

from __future__ import annotations

import pytest

from circuits.batch.batch import BatchShape
from circuits.dsl import UnsatisfiedConstraint
from protocol.messages.withdraw import WithdrawMessage
from protocol.records import StepKind
from tests.circuits.batch.batch_lib import Closed, Recorder, slots_of
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World, trader_signer

SHAPE = BatchShape(12, 3, 2)


@pytest.fixture(scope="module")
def closed() -> Closed:
    w = World()
    rec = Recorder(w)
    w.funded(3)
    w.priced()
    assert w.order(0, BTC, SELL, 5_000_000, 100).ok
    assert w.order(1, BTC, BUY, 5_000_000, 40).ok
    assert w.transfer(0, 1, 5 * USD).ok
    assert w.withdraw(1, 2 * USD).ok
    return rec.close(SHAPE)


def test_mixed_batch_satisfies_every_constraint(closed: Closed) -> None:
    kinds = {s.kind for r in closed.batch.records for s in r.steps}
    assert kinds == {
        StepKind.DEPOSIT,
        StepKind.ORACLE_UPDATE,
        StepKind.TRADE,
        StepKind.TRANSFER,
        StepKind.WITHDRAW,
    }
    assert slots_of(closed.batch) == 12
    closed.program.solve(closed.inputs)


@pytest.mark.parametrize(
    ("name", "value", "where"),
    [
        ("header.new_root", 12345, "end/root"),
        ("header.old_root", 12345, "start/"),
        ("public_input", 12345, "public_data"),
        ("slot3.sig_s", 7, "slot3/sig/eddsa"),  # the first oracle price's signature
        ("slot8.fill_size", 50, "slot8/order_leg"),  # the taker claims another fill than the maker's
        ("slot7.o_size", 110, "slot7/sig/eddsa"),  # the maker's order is not what it signed
        ("slot11.amount", 3 * USD, "slot11"),  # the withdrawal's amount differs from what was signed
    ],
)
def test_tampered_values_break_a_named_constraint(closed: Closed, name: str, value: int, where: str) -> None:
    inputs = dict(closed.inputs)
    inputs[name] = value
    with pytest.raises(UnsatisfiedConstraint) as info:
        closed.program.solve(inputs)
    assert where in info.value.name, info.value.name


def test_funding_tick_takes_a_slot_per_market() -> None:
    w = World()
    rec = Recorder(w)
    w.funded(2)
    w.priced()
    assert w.order(0, ETH, SELL, 300_000, 100).ok
    assert w.order(1, ETH, BUY, 300_000, 100).ok
    rec.close(BatchShape(24, 2, 1))  # the assignment of the first batch is built, not solved
    w.next_interval()
    assert w.funding().ok
    c = rec.close(BatchShape(24, 1, 1))
    assert [s.kind for r in c.batch.records for s in r.steps][-1] is StepKind.FUNDING_TICK
    c.program.solve(c.inputs)


@pytest.mark.parametrize("slot", [0, 9, 11])  # a deposit, a transfer, a withdrawal
def test_a_role_without_an_order_cannot_touch_an_order_slot(closed: Closed, slot: int) -> None:
    """Resetting order slot 0 to (0, 0) would let an order id be filled again (replay)."""
    inputs = dict(closed.inputs)
    inputs[f"slot{slot}.slot_used"] = 1
    with pytest.raises(UnsatisfiedConstraint) as info:
        closed.program.solve(inputs)
    assert f"slot{slot}/after/slot_used" in info.value.name, info.value.name


def test_a_signed_withdrawal_above_the_free_collateral(closed: Closed) -> None:
    """Trader 1 signs, with its nonce, a withdrawal of more than it has: the signature and the
    withdrawal table agree, the free-collateral rule does not."""
    inputs = dict(closed.inputs)
    amount = 200_000 * USD
    msg = WithdrawMessage(
        inputs["slot11.account_id"],
        amount,
        inputs["slot11.address"],
        inputs["slot11.nonce"],
        inputs["slot11.expiry"],
    )
    sig = trader_signer(1).sign(msg.hash(World().domain))
    inputs.update({"slot11.amount": amount, "static.w0_amount": amount})
    inputs["slot11.sig_r8x"], inputs["slot11.sig_r8y"] = sig.R8
    inputs["slot11.sig_s"] = sig.S
    with pytest.raises(UnsatisfiedConstraint) as info:
        closed.program.solve(inputs)
    assert info.value.name == "slot11/withdraw/withdrawable", info.value.name


def test_the_queue_records_in_another_order(closed: Closed) -> None:
    """The first two deposits' L1 queue records swapped: the first deposit slot no longer matches
    the queue entry it must consume (the queue is applied in order)."""
    inputs = dict(closed.inputs)
    for k in [k for k in inputs if k.startswith("static.q0_")]:
        other = k.replace("static.q0_", "static.q1_")
        inputs[k], inputs[other] = inputs[other], inputs[k]
    with pytest.raises(UnsatisfiedConstraint) as info:
        closed.program.solve(inputs)
    assert info.value.name.startswith("slot0/queue/"), info.value.name


def test_a_deposit_of_2_to_the_64(closed: Closed) -> None:
    """A deposit amount one past the 64-bit range, in its slot and its queue record alike."""
    inputs = dict(closed.inputs)
    inputs["slot0.amount"] = inputs["static.q0_amount"] = 1 << 64
    with pytest.raises(UnsatisfiedConstraint) as info:
        closed.program.solve(inputs)
    assert info.value.name.startswith("slot0/fields/amount"), info.value.name


def test_an_over_fill(closed: Closed) -> None:
    """The maker's and the taker's slots both claim a fill of 110 of the maker's order of 100."""
    inputs = dict(closed.inputs)
    assert inputs["slot7.o_size"] == 100
    inputs["slot7.fill_size"] = inputs["slot8.fill_size"] = 110
    with pytest.raises(UnsatisfiedConstraint) as info:
        closed.program.solve(inputs)
    assert info.value.name.startswith("slot7/order_leg/slot/overfill"), info.value.name
