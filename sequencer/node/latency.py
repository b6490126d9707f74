"""Where an operation's time goes inside the node: per-stage latency samples and loop stalls.

Every accepted operation of a client's order request (POST /v1/orders, /v1/orders/batch) is
stamped (time.perf_counter) as it moves through the node:

    received   the route handler starts (HTTP headers parsed)
    queued     body read, JSON decoded, operation decoded; handed to the pipeline
    verified   the loop sees its group's signature check finished
    applied    applied to the exchange and appended to the journal
    durable    the loop sees the group commit covering it
    answered   the response body is built

and the gaps between consecutive stamps are kept as samples (bounded; the newest dropped past the
cap).  Beside them, work done on the loop thread in one piece (applying a slice of a group,
sealing a batch, a garbage collection, a snapshot fork) is kept as "stall" samples, and a probe
task measures how late the loop wakes up from a short sleep (loop lag: what any request waiting
on the loop experiences).  A tail in `total` is attributed by looking at which stage's tail
matches it, and which stall explains that stage.

The node keeps these only when started with --devnet (`GET /v1/devnet/latency`); it costs a few
clock reads per operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

STAGES = ("decode", "verify", "apply", "durable", "respond", "total")
MAX_SAMPLES = 200_000
LAG_PROBE_S = 0.005


def percentile(xs: list[Any], p: float) -> Any:
    """The nearest-rank p-th percentile of xs (NaN when xs is empty)."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summarize(xs: list[float]) -> dict[str, Any]:
    """count, p50/p90/p99/max in milliseconds."""
    if not xs:
        return {"count": 0}
    return {
        "count": len(xs),
        "p50_ms": round(percentile(xs, 50) * 1e3, 3),
        "p90_ms": round(percentile(xs, 90) * 1e3, 3),
        "p99_ms": round(percentile(xs, 99) * 1e3, 3),
        "max_ms": round(max(xs) * 1e3, 3),
        "sum_ms": round(sum(xs) * 1e3, 1),
    }


class LatencyTrace:
    """Stage samples of accepted operations and loop-thread stalls, since the last reset."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.counts: dict[str, list[int]] = {}
        self.since = time.perf_counter()
        self._probe: asyncio.Task[None] | None = None

    def reset(self) -> None:
        self.samples = {}
        self.counts = {}
        self.since = time.perf_counter()

    def add(self, name: str, seconds: float) -> None:
        xs = self.samples.get(name)
        if xs is None:
            xs = self.samples[name] = []
        if len(xs) < MAX_SAMPLES:
            xs.append(seconds)

    def count(self, name: str, n: int) -> None:
        xs = self.counts.setdefault(name, [])
        if len(xs) < MAX_SAMPLES:
            xs.append(n)

    def op(self, received: float, queued: float, verified: float, applied: float, durable: float) -> None:
        """One accepted operation's stamps up to durability (the answer is stamped by `answered`)."""
        self.add("decode", queued - received)
        self.add("verify", verified - queued)
        self.add("apply", applied - verified)
        self.add("durable", durable - applied)

    def answered(self, received: float, durable: float, n: int = 1) -> None:
        """n operations of one request answered now: received and durable are its stamps."""
        now = time.perf_counter()
        for _ in range(n):
            self.add("respond", now - durable)
            self.add("total", now - received)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"window_s": round(time.perf_counter() - self.since, 3)}
        out["stages"] = {s: summarize(self.samples.get(s, [])) for s in STAGES}
        out["stalls"] = {k: summarize(v) for k, v in sorted(self.samples.items()) if k not in STAGES}
        out["counts"] = {
            k: {"count": len(v), "p50": percentile(v, 50), "p99": percentile(v, 99), "max": max(v)}
            for k, v in sorted(self.counts.items())
            if v
        }
        return out

    # -- loop lag probe ------------------------------------------------------------------------
    def start_probe(self) -> None:
        self._probe = asyncio.get_running_loop().create_task(self._lag_probe(), name="latency-probe")

    async def stop_probe(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None

    async def _lag_probe(self) -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(LAG_PROBE_S)
            self.add("loop_lag", time.perf_counter() - t - LAG_PROBE_S)
