"""The batch circuit's capacity in the exchange core (protocol.md 7.13): an operation whose steps do
not fit the pending batch is refused unchanged with BATCH_FULL (the node closes the batch and
applies it again), one that needs more than a whole batch with OPERATION_TOO_LARGE."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.pubdata.collect import steps_of
from protocol.slots import Usage, usage
from tests.sequencer.world import BTC, BUY, SELL, World


def test_full_batch_refuses_then_the_next_batch_takes_the_operation() -> None:
    w = World()
    w.funded(4)
    w.priced()
    w.ex.close_batch(witness=False)
    w.ex.batch_capacity = Usage(5, 1, 1)
    assert w.order(0, BTC, SELL, 5_000_000, 100).ok  # rests: no step
    assert w.order(1, BTC, BUY, 5_000_000, 10).ok  # a trade: 2 slots
    assert w.order(2, BTC, BUY, 5_000_000, 10).ok  # 4 slots
    digest = w.ex.digest()
    res = w.order(3, BTC, BUY, 5_000_000, 10)
    assert res.code is ErrorCode.BATCH_FULL and w.ex.digest() == digest
    b = w.ex.close_batch(witness=False)
    assert usage(steps_of(b.records)) == Usage(4, 0, 0)
    assert w.order(3, BTC, BUY, 5_000_000, 10).ok  # the same operation, in the next batch


def test_an_operation_larger_than_a_batch_is_refused() -> None:
    w = World()
    w.funded(4)
    w.priced()
    w.ex.close_batch(witness=False)
    w.ex.batch_capacity = Usage(4, 1, 1)
    for i in range(3):
        assert w.order(i, BTC, SELL, 5_000_000 + 100 * i, 10).ok
    w.ex.close_batch(witness=False)
    digest = w.ex.digest()
    res = w.order(3, BTC, BUY, 5_000_200, 30)  # three fills: six slots
    assert res.code is ErrorCode.OPERATION_TOO_LARGE and w.ex.digest() == digest


def test_queue_capacity_counts_deposits() -> None:
    w = World()
    w.ex.batch_capacity = Usage(8, 2, 1)
    assert w.deposit(0, 1_000).ok and w.deposit(1, 1_000).ok
    assert w.deposit(2, 1_000).code is ErrorCode.BATCH_FULL
