"""Token buckets: burst, refill, per-key isolation, oversize costs, refunds."""

from __future__ import annotations

from sequencer.node.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_burst_then_refill() -> None:
    clock = Clock()
    rl = RateLimiter(rate=10, burst=5, clock=clock)
    assert all(rl.try_take("a") == 0.0 for _ in range(5))
    wait = rl.try_take("a")
    assert 0.09 < wait <= 0.1
    assert rl.try_take("b") == 0.0  # another key has its own bucket
    clock.t += 0.1
    assert rl.try_take("a") == 0.0
    assert rl.try_take("a") > 0


def test_cost_over_burst_never_passes_and_takes_nothing() -> None:
    clock = Clock()
    rl = RateLimiter(rate=10, burst=5, clock=clock)
    assert rl.try_take("a", 6) == float("inf")
    assert rl.try_take("a", 5) == 0.0
    rl.refund("a", 2)
    assert rl.try_take("a", 2) == 0.0


def test_sweep_bounds_memory() -> None:
    clock = Clock()
    rl = RateLimiter(rate=1, burst=1, clock=clock, max_keys=10)
    for i in range(100):
        clock.t += 0.01
        rl.try_take(i)
    assert len(rl._buckets) <= 10
