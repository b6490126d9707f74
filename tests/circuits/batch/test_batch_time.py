"""The batch's time range (protocol.md 7.1, 7.13): the header's `time_start` is the previous
batch's `time_end` and the first slot's carried time, so no operation of the batch is stamped
before the previous batch's last one; the last slot's time is the header's `time_end`."""

from __future__ import annotations

from typing import Any

import pytest

from circuits.batch.batch import BatchShape
from circuits.dsl import UnsatisfiedConstraint
from tests.circuits.batch.batch_lib import Closed, Recorder
from tests.sequencer.world import BTC, BUY, SELL, USD, World

SHAPE = BatchShape(6, 1, 1)


@pytest.fixture(scope="module")
def batches() -> tuple[Closed, Closed]:
    """Two consecutive batches; the second starts where the first ended and ends after a cancel
    (an operation without steps: it advances the clock but not the batch's time_end)."""
    w = World()
    rec = Recorder(w)
    w.funded(2)
    w.priced()
    first = rec.close(BatchShape(24, 3, 1))  # built, not solved
    w.tick(30)
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    w.tick(5)
    assert w.order(1, BTC, BUY, 5_000_000, 20).ok
    w.tick(7)
    assert w.withdraw(1, 2 * USD).ok
    assert w.order(0, BTC, SELL, 5_100_000, 10).ok  # rests: no step
    w.tick(9)
    assert w.cancel(0, w.order_ids[0]).ok
    second = rec.close(SHAPE)
    return first, second


def _solve_fails(c: Closed, changes: dict[str, Any], where: str) -> None:
    inputs = {**c.inputs, **changes}
    with pytest.raises(UnsatisfiedConstraint) as info:
        c.program.solve(inputs)
    assert where in info.value.name, info.value.name


def test_ranges_chain(batches: tuple[Closed, Closed]) -> None:
    first, second = batches
    b1, b2 = first.batch, second.batch
    assert b1.time_start == 0 and b1.time_end == b1.records[-1].op.time > 0
    assert b2.time_start == b1.time_end < b2.records[0].op.time
    assert b2.time_end == b2.records[-1].op.time
    assert second.inputs["header.time_start"] == b2.time_start
    assert second.inputs["header.time_end"] == b2.time_end
    second.program.solve(second.inputs)


def test_an_operation_before_time_start_fails(batches: tuple[Closed, Closed]) -> None:
    _, second = batches
    t0 = second.batch.time_start
    _solve_fails(second, {"slot0.now": t0 - 1}, "slot0/sequence/monotonic")


def test_a_later_time_start_fails(batches: tuple[Closed, Closed]) -> None:
    """A prover cannot claim the batch starts later than its first operation (the contract
    supplies time_start; the header's bits bind it to the public input)."""
    _, second = batches
    first_time = second.batch.records[0].op.time
    _solve_fails(second, {"header.time_start": first_time + 1}, "slot0/sequence/monotonic")


@pytest.mark.parametrize("delta", [-1, 1])
def test_a_wrong_time_end_fails(batches: tuple[Closed, Closed], delta: int) -> None:
    _, second = batches
    _solve_fails(second, {"header.time_end": second.batch.time_end + delta}, "end/time_end")


def test_padding_cannot_end_later(batches: tuple[Closed, Closed]) -> None:
    """The padding slots carry time_end; a later time there breaks the end check too."""
    _, second = batches
    last = SHAPE.slots - 1
    _solve_fails(second, {f"slot{last}.now": second.batch.time_end + 1}, "end/time_end")
