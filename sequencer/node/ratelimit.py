"""Token-bucket rate limits, per signing key and per client address.

Each key has a bucket of `burst` tokens refilled at `rate` tokens per second; an operation costs
one token (a batch of n orders costs n).  Per-address limits guard the work done before a
signature is checked, counted in operations (a request costs one, a batch of n orders n); per-key
limits count only operations the exchange accepted (a token taken before applying is refunded when
the operation is rejected), so nobody can spend another account's budget by naming it or by
replaying its old signed messages.  Buckets idle long enough to be full are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("rate and burst must be positive")
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[object, _Bucket] = {}

    def _bucket(self, key: object, now: float) -> _Bucket:
        b = self._buckets.get(key)
        if b is None:
            if len(self._buckets) >= self.max_keys:
                self._sweep(now)
            b = self._buckets[key] = _Bucket(self.burst, now)
        else:
            b.tokens = min(self.burst, b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
        return b

    def try_take(self, key: object, cost: float = 1.0) -> float:
        """Take `cost` tokens; returns 0.0 on success, else the seconds to wait (nothing is taken)."""
        now = self.clock()
        b = self._bucket(key, now)
        if cost > self.burst:
            return float("inf")
        if b.tokens >= cost:
            b.tokens -= cost
            return 0.0
        return (cost - b.tokens) / self.rate

    def refund(self, key: object, cost: float = 1.0) -> None:
        b = self._buckets.get(key)
        if b is not None:
            b.tokens = min(self.burst, b.tokens + cost)

    def _sweep(self, now: float) -> None:
        full_after = self.burst / self.rate
        stale = [k for k, b in self._buckets.items() if now - b.stamp >= full_after]
        for k in stale:
            del self._buckets[k]
        if len(self._buckets) >= self.max_keys:  # all busy: drop the oldest half rather than grow unbounded
            for k, _ in sorted(self._buckets.items(), key=lambda kv: kv[1].stamp)[: self.max_keys // 2]:
                del self._buckets[k]
