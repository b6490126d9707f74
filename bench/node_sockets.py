"""Node memory under a burst of slow and non-reading connections, and after they all close.

    .venv/bin/python bench/node_sockets.py [--slow N] [--subscribers N] [--rounds N] [--json]

Starts `zkclear node` on 127.0.0.1 (a fresh data dir, devnet, rate limits off; loopback only) with
ZKCLEAR_MEMTRACE set (sequencer/node/memdebug.py: on SIGUSR1 a report of live connection handlers,
object counts by type and, with --tracemalloc, Python allocations by source line; on SIGUSR2
malloc_trim(0); signals only a local process can send), warms it up, then for each round:
- opens N slow-header connections (a request head never finished), N slow-body connections (a
  complete head announcing 100 kB, one byte of body) and M WebSocket subscribers to the BTC-USD
  book and trades that never read after the handshake (small receive buffer; the clients of
  tests/node/slow_clients.py, which tests/node/test_memory.py opens too), while a driver
  trades on BTC-USD (a busy book: book and trade events for every subscriber);
- samples the node's RSS (VmRSS from /proc) and open file descriptors at the peak;
- closes every socket, waits 3 s, and samples again, with the node's report (after gc.collect()).
After the last round it waits past the body and header timeouts (--settle), reports again, and
asks the node to malloc_trim(0) (glibc): what that gives back is memory the C allocator kept, not
memory the node still references.  It also reports how many early full collections the node ran
(sequencer.node.gcpolicy: after enough connections that were open at a batch's freeze closed) and
the longest pause.  `--slow 0 --subscribers 0` is the control (the trading alone).
A bounded run (about 40 s for two rounds); `--json` prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from sequencer.node.memdebug import rss_kb  # noqa: E402
from tests.node.slow_clients import open_burst  # noqa: E402

BTC_PRICE = 5_000_000
TRADERS = 8


def start_node(data_dir: Path, trace: Path, tracemalloc: bool) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "ZKCLEAR_MEMTRACE": str(trace)}
    if tracemalloc:
        env["ZKCLEAR_MEMTRACE_TRACEMALLOC"] = "1"
    proc = subprocess.Popen(
        [
            sys.executable, "-c", "from zkclear.cli import main; main()", "node",
            "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", "0", "--devnet",
            "--key-rate", "0", "--address-rate", "0",
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return proc, m.group(1)
    raise RuntimeError("the node did not start")


def fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


async def ask(proc: subprocess.Popen[str], sig: int, trace: Path) -> dict[str, Any]:
    """Signal the node's memdebug hook and read the report it writes."""
    before = trace.stat().st_mtime_ns if trace.exists() else 0
    proc.send_signal(sig)
    for _ in range(200):
        await asyncio.sleep(0.05)
        if trace.exists() and trace.stat().st_mtime_ns != before:
            return dict(json.loads(trace.read_text()))
    return {}


async def setup(url: str) -> list[Any]:
    from client.http import AsyncClient
    from client.wallet import Wallet
    from protocol.signing import Signer
    from sequencer.node.defaults import devnet_config

    domain = devnet_config().domain_hash()
    wallets = []
    async with AsyncClient(url) as c:
        await c.devnet_oracle({"market": "BTC-USD", "price": str(BTC_PRICE)})
        for i in range(TRADERS):
            signer = Signer(f"zkclear bench sockets {i}".encode())
            out = await c.devnet_deposit(
                {"pub_x": str(signer.pub[0]), "pub_y": str(signer.pub[1]), "amount": str(10**14)}
            )
            wallets.append(Wallet(signer, int(out["account_id"]), domain))
    return wallets


def presign(wallets: list[Any], n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    expiry = int(time.time()) + 3600
    first = int(time.time() * 1000) * 16 + seed * 100_000
    out = []
    for k in range(n):
        w = wallets[k % len(wallets)]
        side = rng.randrange(2)
        if rng.random() < 0.3:  # crosses: trades
            price = BTC_PRICE + (100 * rng.randrange(1, 20) if side == 0 else -100 * rng.randrange(1, 20))
        else:
            ticks = rng.randrange(1, 200)
            price = BTC_PRICE - 100 * ticks if side == 0 else BTC_PRICE + 100 * ticks
        out.append(
            w.order(market_id=0, side=side, price=price, size=10 * rng.randrange(1, 5),
                    order_id=first + k, expiry=expiry)
        )  # fmt: skip
    return out


async def drive(url: str, orders: list[dict[str, Any]], seconds: float) -> int:
    """Post the orders spread over `seconds` on 4 connections; how many were accepted."""
    ok = 0
    gap = seconds / max(1, len(orders)) * 4
    async with aiohttp.ClientSession() as s:

        async def worker(part: list[dict[str, Any]]) -> None:
            nonlocal ok
            for body in part:
                async with s.post(url + "/v1/orders", json=body) as r:
                    ok += r.status == 200
                await asyncio.sleep(gap)

        await asyncio.gather(*(worker(orders[i::4]) for i in range(4)))
    return ok


async def one_round(
    proc: subprocess.Popen[str], url: str, orders: list[dict[str, Any]], n_slow: int, n_subs: int
) -> dict[str, Any]:
    peak = {"rss_kb": rss_kb(proc.pid), "fds": fds(proc.pid)}
    stop = asyncio.Event()

    async def sampler() -> None:
        while not stop.is_set():
            peak["rss_kb"] = max(peak["rss_kb"], rss_kb(proc.pid))
            peak["fds"] = max(peak["fds"], fds(proc.pid))
            await asyncio.sleep(0.1)

    samp = asyncio.create_task(sampler())
    t0 = time.monotonic()
    burst = await open_burst(url, n_slow, n_subs)
    opened_s = time.monotonic() - t0
    accepted = await drive(url, orders, 6.0)  # the busy book, while every socket is open
    await asyncio.sleep(0.5)
    open_fds = fds(proc.pid)
    burst.close()
    await asyncio.sleep(3.0)  # the node notices every close
    stop.set()
    await samp
    return {
        "opened_s": round(opened_s, 2),
        "orders_accepted": accepted,
        "peak_rss_kb": peak["rss_kb"],
        "peak_fds": peak["fds"],
        "fds_with_all_open": open_fds,
        "rss_kb_after_close": rss_kb(proc.pid),
        "fds_after_close": fds(proc.pid),
    }


async def main_async(args: argparse.Namespace, data_dir: Path, trace: Path) -> dict[str, Any]:
    proc, url = start_node(data_dir, trace, args.tracemalloc)
    try:
        wallets = await setup(url)
        per_round = int(args.orders)
        signed = presign(wallets, per_round * (args.rounds + 1), seed=3)
        await drive(url, signed[:per_round], 3.0)  # warm-up: the same work without the sockets
        await asyncio.sleep(1.0)
        base = {"rss_kb": rss_kb(proc.pid), "fds": fds(proc.pid)}
        await ask(proc, signal.SIGUSR1, trace)  # tracemalloc's baseline snapshot
        rounds = []
        for i in range(args.rounds):
            r = await one_round(
                proc, url, signed[per_round * (i + 1) : per_round * (i + 2)], args.slow, args.subscribers
            )
            rep = await ask(proc, signal.SIGUSR1, trace)
            r["traced_kb_before_gc"] = rep.get("traced_before_gc", 0) // 1024
            r["gc_found"] = rep.get("gc_found", 0)
            r["handlers_lost"] = rep.get("handlers_lost", 0)
            r["handlers_alive"] = rep.get("handlers_alive", 0)
            r["lost_held_by"] = rep.get("lost_held_by", [])
            r["traced_kb"] = rep.get("traced", 0) // 1024
            r["top_growth"] = rep.get("top_growth", [])[:15]
            r["object_growth"] = rep.get("object_growth", [])
            rounds.append(r)
        await asyncio.sleep(args.settle)  # past the body and header timeouts: every timer has fired
        late = await ask(proc, signal.SIGUSR1, trace)
        settled = rss_kb(proc.pid)
        trim = await ask(proc, signal.SIGUSR2, trace)
        async with aiohttp.ClientSession() as s:
            async with s.get(url + "/v1/health") as resp:
                healthy = resp.status == 200
            async with s.get(url + "/v1/devnet/latency") as resp:
                release = (await resp.json())["stalls"].get("gc_release", {})
        return {
            "baseline_rss_kb": base["rss_kb"],
            "baseline_fds": base["fds"],
            "rounds": rounds,
            "settled_rss_kb": settled,
            "settled_object_change": late.get("object_growth", []),
            "malloc_trim": trim.get("trimmed", False),
            "rss_kb_after_trim": trim.get("rss_kb", 0),
            "healthy_after": healthy,
            "gc_releases": release.get("count", 0),
            "gc_release_max_ms": release.get("max_ms", 0.0),
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slow", type=int, default=350, help="slow-header and (as many) slow-body connections")
    ap.add_argument("--subscribers", type=int, default=100, help="non-reading WebSocket subscribers")
    ap.add_argument("--orders", type=int, default=600, help="orders per round (the busy book)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--settle", type=float, default=16.0, help="seconds to wait after the last round")
    ap.add_argument(
        "--tracemalloc", action="store_true", help="trace Python allocations in the node (inflates its RSS)"
    )
    ap.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="zkclear-bench-sockets-") as tmp:
        res = asyncio.run(asyncio.wait_for(main_async(args, Path(tmp) / "node", Path(tmp) / "mem.json"), 300))
    mb = lambda kb: f"{kb / 1024:.1f} MB"  # noqa: E731
    print(f"baseline (after warm-up): RSS {mb(res['baseline_rss_kb'])}, {res['baseline_fds']} fds")
    for i, r in enumerate(res["rounds"]):
        print(
            f"round {i + 1}: {2 * args.slow} slow + {args.subscribers} deaf subscribers opened in "
            f"{r['opened_s']} s, {r['orders_accepted']} orders; peak RSS {mb(r['peak_rss_kb'])}, "
            f"{r['peak_fds']} fds; after close: RSS {mb(r['rss_kb_after_close'])}, {r['fds_after_close']} fds, "
            f"{r['handlers_alive']} connection handlers alive; gc.collect() found {r['gc_found']} objects"
            + (
                f"; Python objects (tracemalloc) {r['traced_kb_before_gc'] / 1024:.1f} MB"
                if args.tracemalloc
                else ""
            )
        )
        for g in r["top_growth"][:4]:
            print(f"    {g['size_diff'] / 1024:+9.1f} KiB  {g['where']}")
    print(
        f"settled: RSS {mb(res['settled_rss_kb'])}; after malloc_trim(0) "
        f"({'glibc' if res['malloc_trim'] else 'not available'}): {mb(res['rss_kb_after_trim'])}; "
        f"healthy: {res['healthy_after']}; early full collections (sequencer.node.gcpolicy): "
        f"{res['gc_releases']}, longest {res['gc_release_max_ms']:.0f} ms"
    )
    if args.json:
        print(json.dumps(res))


if __name__ == "__main__":
    main()
