"""Sequencer node end to end: signed orders over HTTP to a node in another process, acknowledged only
once durable (SQLite WAL, synchronous=FULL, group commit).

    .venv/bin/python bench/node.py [--quick] [--json]

Starts `zkclear node` on 127.0.0.1 (a fresh data dir, rate limits off) and drives it from this
process with pre-signed orders of 64 funded traders (prices around the oracle; about one in six
crosses the book and fills):
- batched: 16 connections each sending POST /v1/orders/batch of 100 orders back to back;
  accepted orders/s and p50/p99 of the batch's time to durable ack;
- single, closed loop: 64 connections each sending POST /v1/orders back to back;
- single at 1,000 orders/s: an open-loop schedule (one order every millisecond on 32
  connections); latency from each order's scheduled send time to its durable ack, so a stall
  is never hidden (no coordinated omission).
The driver pre-signs and pre-builds every request before the timed phases and speaks HTTP/1.1
over keep-alive connections itself (`Conn`), so its own CPU share of the 2 cores stays small; each
phase also reports the node's per-stage latency breakdown (GET /v1/devnet/latency).
Peers measured in the same run, on the same disk and cores:
- sqlite_commit_per_order: the same journal insert committed one transaction per order
  (synchronous=FULL), i.e. durability without group commit;
- native_verify: `native.eddsa.verify_many` on all cores, the signature ceiling of the node.
Targets (issue 6): batched > 5,000 orders/s; p99 < 20 ms at 1,000 orders/s.
`--prove` runs the node's prover stage beside (the shape's test key; the phases start once it is
loaded) to compare order throughput with proving on and off at the same `--batch-slots`.
Run under the shared CPU lock: `flock /tmp/zkclear-cpu.lock .venv/bin/python bench/node.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from sequencer.node.latency import percentile  # noqa: E402

TRADERS = 64
BTC_PRICE = 5_000_000  # 50,000.00 USD
TARGET_BATCHED = 5_000
TARGET_P99_MS = 20.0


# ---- order generation (pre-signed in worker processes) ------------------------------------------
def _sign_chunk(args: tuple[int, int, int, int, int, int]) -> list[bytes]:
    from client.wallet import Wallet
    from protocol.signing import Signer
    from sequencer.node.defaults import devnet_config

    trader, account_id, first_id, count, seed, expiry = args
    rng = random.Random(seed)
    domain = devnet_config().domain_hash()
    w = Wallet(Signer(f"zkclear bench trader {trader}".encode()), account_id, domain)
    out = []
    for k in range(count):
        side = rng.randrange(2)
        cross = rng.random() < 0.16
        ticks = rng.randrange(1, 400)
        if cross:  # marketable: crosses the spread by a little
            price = BTC_PRICE + (100 * rng.randrange(1, 20) if side == 0 else -100 * rng.randrange(1, 20))
        else:
            price = BTC_PRICE - 100 * ticks if side == 0 else BTC_PRICE + 100 * ticks
        body = w.order(
            market_id=0,
            side=side,
            price=price,
            size=10 * rng.randrange(1, 5),
            order_id=first_id + k,
            expiry=expiry,
        )
        out.append(json.dumps(body, separators=(",", ":")).encode())
    return out


def presign(accounts: list[int], per_trader: int, seed: int) -> list[list[bytes]]:
    """per_trader orders for each trader, ids consecutive (slots used in turn)."""
    expiry = int(time.time()) + 86400
    first = int(time.time() * 1000) * 16
    jobs = [(i, accounts[i], first, per_trader, seed * 1000 + i, expiry) for i in range(len(accounts))]
    with mp.get_context("fork").Pool(os.cpu_count() or 2) as pool:
        return pool.map(_sign_chunk, jobs)


def interleave(per_trader: list[list[bytes]]) -> list[bytes]:
    out = []
    for k in range(max(len(x) for x in per_trader)):
        for lst in per_trader:
            if k < len(lst):
                out.append(lst[k])
    return out


# ---- the node ------------------------------------------------------------------------------------
def start_node(
    data_dir: Path, batch_slots: int | None = None, prove: bool = False
) -> tuple[subprocess.Popen[str], str]:
    import re

    proc = subprocess.Popen(
        [
            sys.executable, "-c", "from zkclear.cli import main; main()", "node",
            "--data-dir", str(data_dir), "--port", "0", "--devnet",
            "--key-rate", "0", "--address-rate", "0", "--batch-max-ops", "1000",
            *(["--batch-slots", str(batch_slots)] if batch_slots else []),
            *(["--prove", "--prover-test-key"] if prove else []),
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return proc, m.group(1)
    raise RuntimeError("the node did not start")


async def prover_ready(url: str) -> None:
    """Wait until the node's prover stage has loaded (circuit compiled, key set checked)."""
    while (await _get(url + "/v1/health"))["prover"]["state"] == "loading":
        await asyncio.sleep(0.5)


async def setup(url: str) -> list[int]:
    from client.http import AsyncClient
    from protocol.signing import Signer

    async with AsyncClient(url) as c:
        await c.devnet_oracle({"market": "BTC-USD", "price": str(BTC_PRICE)})
        ids = []
        for i in range(TRADERS):
            pub = Signer(f"zkclear bench trader {i}".encode()).pub
            out = await c.devnet_deposit({"pub_x": str(pub[0]), "pub_y": str(pub[1]), "amount": str(10**14)})
            ids.append(int(out["account_id"]))
        return ids


def print_cpu(res: dict[str, Any]) -> None:
    print(
        f"    node CPU {res['node_cpu_us_per_order']:.0f} us/order, driver CPU {res['driver_cpu_us_per_order']:.0f} us/order"
    )


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(pid: int, url: str, phase: Any) -> dict[str, Any]:
    """Run a phase; add the node's and the driver's CPU microseconds per accepted order, which stay
    meaningful when other work shares the machine (wall-clock figures do not), and the node's own
    per-stage latency breakdown of the phase (GET /v1/devnet/latency, reset before the phase)."""
    asyncio.run(_get(url + "/v1/devnet/latency?reset=1"))
    n0, d0 = cpu_s(pid), time.process_time()
    res = asyncio.run(phase)
    n1, d1 = cpu_s(pid), time.process_time()
    acc = max(res["accepted"], 1)
    res["node_cpu_us_per_order"] = (n1 - n0) / acc * 1e6
    res["driver_cpu_us_per_order"] = (d1 - d0) / acc * 1e6
    res["node_latency"] = asyncio.run(_get(url + "/v1/devnet/latency"))
    return res


def print_breakdown(name: str, lat: dict[str, Any]) -> None:
    """The node-side stages (one line each) and the loop stalls/thread calls seen in a phase."""
    print(f"    node-side breakdown, {name} (ms: p50 / p99 / max):")
    for k, v in list(lat["stages"].items()) + list(lat["stalls"].items()):
        if v.get("count"):
            print(f"      {k:18s} {v['p50_ms']:8.2f} {v['p99_ms']:8.2f} {v['max_ms']:8.1f}   n={v['count']}")
    for k, v in lat.get("counts", {}).items():
        print(f"      {k:18s} {v['p50']:8} {v['p99']:8} {v['max']:8}   n={v['count']}")


# ---- a lean HTTP/1.1 client ----------------------------------------------------------------------
class Conn:
    """One keep-alive HTTP/1.1 connection sending pre-built requests one at a time.

    The driver shares the 2 cores with the node, so it must cost little per request: requests are
    built before the timed phase and responses parsed only as far as the status and the body
    (Content-Length framing, which the node always uses); aiohttp's client costs several times as
    much CPU per request.  Latency is still taken from the driver's clock around the whole exchange."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Conn:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 22)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        i = head.lower().find(b"content-length:")
        n = int(head[i + 15 : head.index(b"\r\n", i)])
        return status, await self.reader.readexactly(n)

    def close(self) -> None:
        self.writer.close()


def post(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def connections(url: str, n: int) -> list[Conn]:
    return list(await asyncio.gather(*(Conn.open(url) for _ in range(n))))


# ---- load phases ---------------------------------------------------------------------------------
async def closed_loop(
    url: str, requests: list[bytes], conns: int, accepted_in: Callable[[int, bytes], int]
) -> tuple[int, float, list[float]]:
    """Send `requests` over `conns` keep-alive connections, each sending its next one as soon as
    the last is answered: (accepted, seconds, per-request latencies)."""
    lat: list[float] = []
    accepted = 0
    it = iter(requests)
    pool = await connections(url, conns)

    async def worker(c: Conn) -> None:
        nonlocal accepted
        for req in it:
            t = time.perf_counter()
            status, body = await c.send(req)
            lat.append(time.perf_counter() - t)
            accepted += accepted_in(status, body)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in pool))
    dt = time.perf_counter() - t0
    for c in pool:
        c.close()
    return accepted, dt, lat


async def batched(url: str, orders: list[bytes], conns: int, size: int) -> dict[str, Any]:
    chunks = [
        post("/v1/orders/batch", b'{"orders":[' + b",".join(orders[i : i + size]) + b"]}")
        for i in range(0, len(orders), size)
    ]
    accepted, dt, lat = await closed_loop(
        url, chunks, conns, lambda _, body: sum(1 for x in json.loads(body)["results"] if x["ok"])
    )
    return {
        "orders": len(orders),
        "accepted": accepted,
        "orders_per_s": accepted / dt,
        "batch_size": size,
        "connections": conns,
        "p50_ms": percentile(lat, 50) * 1e3,
        "p99_ms": percentile(lat, 99) * 1e3,
    }


async def single_closed(url: str, orders: list[bytes], conns: int) -> dict[str, Any]:
    requests = [post("/v1/orders", o) for o in orders]
    accepted, dt, lat = await closed_loop(url, requests, conns, lambda status, _: int(status == 200))
    return {
        "orders": len(orders),
        "accepted": accepted,
        "orders_per_s": accepted / dt,
        "connections": conns,
        "p50_ms": percentile(lat, 50) * 1e3,
        "p99_ms": percentile(lat, 99) * 1e3,
    }


async def single_open_loop(url: str, orders: list[bytes], rate: float, conns: int) -> dict[str, Any]:
    lat: list[float] = []
    accepted = 0
    requests = [post("/v1/orders", o) for o in orders]
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    pool = await connections(url, conns)

    async def worker(c: Conn) -> None:
        nonlocal accepted
        while (item := await queue.get()) is not None:
            due, req = item
            status, _ = await c.send(req)
            lat.append(time.perf_counter() - due)
            accepted += status == 200

    workers = [asyncio.create_task(worker(c)) for c in pool]
    t0 = time.perf_counter()
    for i, req in enumerate(requests):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        # everything already due goes out now (a late wake-up must not delay the schedule)
        queue.put_nowait((due, req))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    dt = time.perf_counter() - t0
    for c in pool:
        c.close()
    return {
        "orders": len(orders),
        "accepted": accepted,
        "offered_per_s": rate,
        "achieved_per_s": accepted / dt,
        "connections": conns,
        "p50_ms": percentile(lat, 50) * 1e3,
        "p99_ms": percentile(lat, 99) * 1e3,
        "max_ms": max(lat) * 1e3,
    }


# ---- peers ---------------------------------------------------------------------------------------
def sqlite_commit_per_order(orders: list[bytes], n: int = 2000) -> float:
    from sequencer.journal.store import connect

    with tempfile.TemporaryDirectory() as d:
        conn = connect(Path(d) / "peer.db")
        conn.execute("CREATE TABLE journal (seq INTEGER PRIMARY KEY, ts INTEGER, kind TEXT, body BLOB)")
        t0 = time.perf_counter()
        for i in range(n):
            conn.execute("BEGIN")
            conn.execute(
                "INSERT INTO journal VALUES (?, ?, ?, ?)", (i + 1, 0, "order", orders[i % len(orders)])
            )
            conn.execute("COMMIT")
        dt = time.perf_counter() - t0
        conn.close()
    return n / dt


def native_verify_rate(n: int = 2000) -> float:
    from native.eddsa import verify_many
    from protocol.signing import Signer

    s = Signer(b"bench verify")
    msgs = list(range(1, n + 1))
    sigs = [s.sign(m) for m in msgs]
    t0 = time.perf_counter()
    ok = verify_many([s.pub] * n, msgs, sigs)
    dt = time.perf_counter() - t0
    assert all(ok)
    return n / dt


# ---- main ----------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    ap.add_argument("--quick", action="store_true", help="smaller phases (a smoke run, not for figures)")
    ap.add_argument(
        "--batch-slots",
        type=int,
        default=None,
        help="the node's batch circuit size (default: the node's, 48)",
    )
    ap.add_argument(
        "--prove",
        action="store_true",
        help="run the node's prover stage (test key of the shape, cached under build/batch-keys; "
        "timed phases start once it is ready), to compare order throughput with it on and off",
    )
    args = ap.parse_args()
    scale = 0.2 if args.quick else 1.0
    n_batched = int(20_000 * scale)
    n_closed = int(10_000 * scale)
    n_open = int(8_000 * scale)
    per_trader = (n_batched + n_closed + n_open) // TRADERS + 1

    with tempfile.TemporaryDirectory(prefix="zkclear-bench-node-") as tmp:
        proc, url = start_node(Path(tmp) / "node", args.batch_slots, args.prove)
        try:
            if args.prove:
                asyncio.run(prover_ready(url))
            accounts = asyncio.run(setup(url))
            t = time.perf_counter()
            signed = presign(accounts, per_trader, seed=7)
            sign_s = time.perf_counter() - t
            flat = interleave(signed)
            a, b = flat[:n_batched], flat[n_batched : n_batched + n_closed]
            c = flat[n_batched + n_closed : n_batched + n_closed + n_open]
            res_batched = measured(proc.pid, url, batched(url, a, conns=16, size=100))
            res_closed = measured(proc.pid, url, single_closed(url, b, conns=64))
            res_open = measured(proc.pid, url, single_open_loop(url, c, rate=1000.0, conns=32))
            load = os.getloadavg()[0]
            health = asyncio.run(_get(url + "/v1/health"))
            listed = asyncio.run(_get(url + "/v1/batches?limit=500"))["batches"]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        peer_sqlite = sqlite_commit_per_order(flat)
    peer_verify = native_verify_rate()

    pipe = health.get("pipeline", {})
    figures = {
        "machine_cpus": os.cpu_count(),
        "load_average_1min": round(load, 2),
        "traders": TRADERS,
        "presign_s": round(sign_s, 2),
        "batched": _round(res_batched),
        "single_closed_loop": _round(res_closed),
        "single_at_1000_per_s": _round(res_open),
        "node_groups": pipe.get("groups"),
        "node_ops": pipe.get("ops"),
        "journal_commits": health.get("journal_commits"),
        "peer_sqlite_commit_per_order_per_s": round(peer_sqlite, 1),
        "peer_native_verify_per_s": round(peer_verify, 1),
        "ratio_batched_vs_sqlite_commit_per_order": round(res_batched["orders_per_s"] / peer_sqlite, 2),
        "ratio_batched_vs_native_verify": round(res_batched["orders_per_s"] / peer_verify, 2),
        "target_batched_orders_per_s": TARGET_BATCHED,
        "target_p99_ms_at_1000_per_s": TARGET_P99_MS,
        "meets_batched_target": res_batched["orders_per_s"] > TARGET_BATCHED,
        "meets_latency_target": res_open["p99_ms"] < TARGET_P99_MS,
        "quick": args.quick,
        "batch_slots": args.batch_slots,
        "prove": args.prove,
        # with --prove: batches the stage proved while the phases ran (of the newest 500 listed)
        "batches_proven": sum(b["status"] == "proven" for b in listed),
        "batches_listed": len(listed),
    }
    print(
        f"node bench ({'quick' if args.quick else 'full'}), {os.cpu_count()} CPUs, {TRADERS} traders, load average {load:.2f}"
    )
    rb, rc, ro = res_batched, res_closed, res_open
    print(
        f"  batched ({rb['batch_size']}/request, {rb['connections']} conns): {rb['orders_per_s']:8.0f} orders/s accepted "
        f"({rb['accepted']}/{rb['orders']}), batch ack p50 {rb['p50_ms']:.1f} ms p99 {rb['p99_ms']:.1f} ms  [target > {TARGET_BATCHED}]"
    )
    print_cpu(rb)
    print_breakdown("batched", rb["node_latency"])
    print(
        f"  single, closed loop ({rc['connections']} conns): {rc['orders_per_s']:8.0f} orders/s, p50 {rc['p50_ms']:.1f} ms p99 {rc['p99_ms']:.1f} ms"
    )
    print_cpu(rc)
    print(
        f"  single at {ro['offered_per_s']:.0f}/s offered: {ro['achieved_per_s']:8.0f} orders/s, p50 {ro['p50_ms']:.2f} ms "
        f"p99 {ro['p99_ms']:.2f} ms max {ro['max_ms']:.1f} ms  [target p99 < {TARGET_P99_MS} ms]"
    )
    print_cpu(ro)
    print_breakdown("single at 1000/s", ro["node_latency"])
    print(
        f"  group commit: {pipe.get('ops')} operations in {health.get('journal_commits')} fsynced transactions"
    )
    print(
        f"  peer sqlite, one commit per order: {peer_sqlite:8.0f} /s  (batched node is {figures['ratio_batched_vs_sqlite_commit_per_order']}x)"
    )
    print(
        f"  peer native verify_many (all cores): {peer_verify:8.0f} sig/s (batched node is {figures['ratio_batched_vs_native_verify']}x of it)"
    )
    if args.json:
        print(json.dumps(figures))


async def _get(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s, s.get(url) as r:
        return await r.json()


def _round(d: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in d.items()}


if __name__ == "__main__":
    main()
