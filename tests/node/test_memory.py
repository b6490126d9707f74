"""The node's memory comes back after bursts of slow and non-reading clients (issue 14).

A real node in a subprocess (its RSS is its own) gets bursts of slow-header and slow-body
connections and WebSocket subscribers that never read, while orders trade and batches close (a
batch close freezes what is alive then, open connections included: sequencer.node.gcpolicy), and
then every socket closes.  Stated margins: after each burst the node's RSS comes back to within
RSS_MARGIN_MB of its baseline (the pymalloc arenas the first burst needed may stay, partly used,
for the next one), and bursts after the first add at most GROWTH_MARGIN_MB (before the fix every
burst added ~7 kB per connection, kept frozen until the ten-minute full collection).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import aiohttp

from client.http import AsyncClient
from sequencer.node.memdebug import rss_kb
from tests.node.harness import BTC, BTC_PRICE, SELL, fund, kill9, run, set_price, spawn_node
from tests.node.slow_clients import open_burst

SLOW = 300  # slow-header connections per burst, and as many slow-body ones
SUBSCRIBERS = 60
ROUNDS = 2
RSS_MARGIN_MB = 16.0
GROWTH_MARGIN_MB = 2.5
RELEASE_WAIT_S = 15.0  # the longest to wait for the node's full collection after the sockets close


async def _releases(s: aiohttp.ClientSession, url: str) -> tuple[int, float]:
    """How many early full collections the node ran (its devnet latency trace), the last's pause."""
    async with s.get(url + "/v1/devnet/latency") as resp:
        rel = (await resp.json())["stalls"].get("gc_release", {})
    return rel.get("count", 0), rel.get("max_ms", 0.0)


def test_rss_comes_back_after_bursts_of_slow_clients_and_deaf_subscribers(tmp_path: Path) -> None:
    proc, url = spawn_node(
        tmp_path / "node", "--key-rate", "0", "--address-rate", "0", "--batch-max-age", "0.2"
    )

    async def main() -> None:
        async with AsyncClient(url) as c, aiohttp.ClientSession() as http:
            await set_price(c, "BTC-USD", BTC_PRICE)
            a, b = await fund(c, 1), await fund(c, 2)
            oid = 1

            expiry = int(time.time()) + 3600

            async def trade(n: int) -> None:
                nonlocal oid
                for _ in range(n):
                    sell = a.order(
                        market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=oid, expiry=expiry
                    )
                    buy = b.order(
                        market_id=BTC, side=0, price=BTC_PRICE, size=10, order_id=oid, expiry=expiry
                    )
                    oid += 1
                    outs = await c.place_orders([sell]) + await c.place_orders([buy])
                    assert all(o["ok"] for o in outs), outs

            await trade(20)  # warm: the same work without the sockets
            await asyncio.sleep(1.0)
            base = rss_kb(proc.pid) / 1024
            after: list[float] = []
            for _ in range(ROUNDS):
                burst = await open_burst(url, SLOW, SUBSCRIBERS)
                await trade(10)  # book and trade events for every subscriber; batches close
                await asyncio.sleep(0.6)  # ... at least one while every socket is open
                burst.close()
                deadline = time.monotonic() + RELEASE_WAIT_S
                while (await _releases(http, url))[0] <= len(after) and time.monotonic() < deadline:
                    await asyncio.sleep(0.25)
                after.append(rss_kb(proc.pid) / 1024)
            async with http.get(url + "/v1/health") as resp:
                assert resp.status == 200
            assert len(os.listdir(f"/proc/{proc.pid}/fd")) < 64  # every socket closed on the node too
            assert max(after) <= base + RSS_MARGIN_MB, (base, after)
            assert after[-1] <= after[0] + GROWTH_MARGIN_MB, (base, after)

    try:
        run(main())
    finally:
        kill9(proc)
