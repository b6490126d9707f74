"""The whole pipeline on one machine: signed orders -> the node -> its prover stage -> the embedded
L1 (`zkclear devnet`, rollup mode), from an order's acknowledgement to its batch `finalized` on L1.

    .venv/bin/python bench/pipeline.py [--batch-slots 8] [--test-key] [--trades 32] [--json]

Starts `zkclear devnet` in a fresh data dir (its own chain served over JSON-RPC, the system
deployed, the node proving with the shape's key and submitting through the chain's signer). The
demo traders deposit on L1 with `zkclear deposit` (approve + deposit; the node credits them from the
rollup's queue), then, from this process with the traders' keystores' L2 keys (client.wallet):
- accept: `--orders` resting orders (far from the oracle price, so they take no batch slot) in
  POST /v1/orders/batch requests of 100 on 4 connections, while the prover works; accepted orders/s;
- pipeline: `--trades` trades sent back to back (a resting sell at the oracle price, then a buy that
  takes it), each taker order's ack time and journal seq kept; this process polls GET /v1/batches
  every 0.2 s and keeps when it first sees each batch in each status (so times are +-0.2 s). Then:
  trades proven per second (the trades in the batches holding them / from the first trade's ack to
  the last of those batches `proven`), latency from each taker order's ack to its batch seen
  `finalized` (p50/p99; the trades come as one burst, so later batches queue for the prover: the
  first batch's p50, sent once every earlier batch is final, is the latency without a backlog) with its split per stage, and L1 gas per trade as executed (the
  transactions' receipts' gasUsed, summed over those batches, / the trades in them).
The output says which stage bounds each figure. Not a test: timings depend on the machine and its
load; run it under the shared CPU lock: `flock /tmp/zkclear-cpu.lock .venv/bin/python bench/pipeline.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402
from web3 import Web3  # noqa: E402

from client.http import AsyncClient  # noqa: E402
from client.keys.keystore import load_keystore  # noqa: E402
from client.wallet import Wallet  # noqa: E402
from protocol.signing import Signer  # noqa: E402
from sequencer.node.latency import percentile  # noqa: E402
from tests.node.devnet_proc import spawn_devnet  # noqa: E402
from zkclear.cli import main as zkclear_main  # noqa: E402
from zkclear.devnet import DEMO_TRADERS, eth_key  # noqa: E402

PW = "bench"
BUY, SELL = 0, 1
STATUSES = ("closed", "proving", "proven", "submitted", "finalized")


# ---- the devnet -------------------------------------------------------------------------------------
def start_devnet(data_dir: Path, a: argparse.Namespace) -> tuple[subprocess.Popen[str], str, str]:
    """`zkclear devnet` in a subprocess; returns it, the node's URL and the L1's JSON-RPC URL."""
    proc, banner = spawn_devnet(
        [
            *("--data-dir", str(data_dir), "--port", "0", "--l1-port", "0"),
            *("--batch-slots", str(a.batch_slots), "--data-mode", "rollup"),
            *(["--batch-queue", str(a.batch_queue)] if a.batch_queue else []),
            *(["--batch-withdrawals", str(a.batch_withdrawals)] if a.batch_withdrawals else []),
            *(["--test-key"] if a.test_key else []),
        ]
    )
    node = re.search(r"ZKCLEAR_NODE=(http://\S+)", banner)
    rpc = re.search(r"JSON-RPC\): (http://127\.0\.0\.1:\d+)", banner)
    if node is None or rpc is None:
        raise SystemExit(f"no node or L1 URL in the devnet's banner:\n{banner}")
    return proc, node.group(1), rpc.group(1)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cli(node: str, ks: Path, *args: str) -> Any:
    env = {"ZKCLEAR_NODE": node, "ZKCLEAR_KEYSTORE": str(ks), "ZKCLEAR_PASSWORD": PW}
    r = CliRunner().invoke(zkclear_main, [*args, "--json"], env=env)
    if r.exit_code != 0:
        raise SystemExit(f"zkclear {' '.join(args)} failed: {r.output}")
    return json.loads(r.stdout)


def deposit_on_l1(node: str, tmp: Path, traders: int, amount_usd: int) -> list[Path]:
    """Each demo trader: a keystore bound to its funded L1 key, then approve + deposit on L1."""
    out = []
    for i in range(traders):
        ks = tmp / f"trader{i}.json"
        cli(node, ks, "account", "create", "--eth-key", "0x" + eth_key(i).hex(), "--scrypt-n", "1024")
        cli(node, ks, "deposit", str(amount_usd), "--wait-timeout", "300")
        out.append(ks)
    return out


async def wallets(c: AsyncClient, keystores: list[Path]) -> list[Wallet]:
    info = await c.info()
    out = []
    for path in keystores:
        key = load_keystore(path).unlock(PW)
        aid = int((await c.account_by_key(key.public_key))["account_id"])
        out.append(Wallet(Signer(key.private_key), aid, int(info["domain_hash"])))
    return out


# ---- status watcher ---------------------------------------------------------------------------------
@dataclass
class Watch:
    """When this process first saw each batch in each status (time.monotonic())."""

    seen: dict[int, dict[str, float]] = field(default_factory=dict)
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)

    async def run(self, c: AsyncClient, period: float = 0.2) -> None:
        while True:
            now = time.monotonic()
            for b in await c.batches(limit=100):
                n = int(b["number"])
                self.rows[n] = b
                times = self.seen.setdefault(n, {})
                # a status skipped between two polls counts as reached at this poll
                for s in STATUSES[: STATUSES.index(b["status"]) + 1]:
                    times.setdefault(s, now)
            await asyncio.sleep(period)


# ---- phases ------------------------------------------------------------------------------------------
async def accept_phase(c: AsyncClient, ws: list[Wallet], price: int, n: int) -> dict[str, Any]:
    """n resting orders $100-$399 away from the oracle price (whole dollars, inside the price
    band), in requests of 100 on 4 connections."""
    expiry = int(time.time()) + 3600
    bodies = []
    for k in range(n):
        w = ws[k % len(ws)]
        side = k % 2
        away = 100 * (100 + k % 300)
        p = price - away if side == BUY else price + away
        bodies.append(
            w.order(market_id=0, side=side, price=p, size=10, order_id=w.next_order_id(), expiry=expiry)
        )
    chunks = [bodies[i : i + 100] for i in range(0, len(bodies), 100)]
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for ch in chunks:
        queue.put_nowait(ch)
    accepted = 0
    errors: dict[str, int] = {}

    async def worker() -> None:
        nonlocal accepted
        async with AsyncClient(c.url) as cc:
            while not queue.empty():
                for r in await cc.place_orders(queue.get_nowait()):
                    if r.get("ok", "error" not in r):
                        accepted += 1
                    else:
                        err = r.get("error", r)
                        code = (
                            f"{err.get('code')}: {err.get('message')}" if isinstance(err, dict) else str(err)
                        )
                        errors[code] = errors.get(code, 0) + 1

    t = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(4)))
    dt = time.monotonic() - t
    return {"orders": n, "accepted": accepted, "errors": errors, "seconds": dt, "orders_per_s": accepted / dt}


@dataclass
class Trade:
    ack: float  # monotonic time of the taker order's ack
    seq: int  # its journal seq


async def trade_phase(c: AsyncClient, ws: list[Wallet], price: int, n: int) -> list[Trade]:
    """n trades back to back: trader i sells at the oracle price, trader i+1 buys it."""
    expiry = int(time.time()) + 3600
    out = []
    for k in range(n):
        maker, taker = ws[k % len(ws)], ws[(k + 1) % len(ws)]
        sell = maker.order(
            market_id=0, side=SELL, price=price, size=10, order_id=maker.next_order_id(), expiry=expiry
        )
        buy = taker.order(
            market_id=0, side=BUY, price=price, size=10, order_id=taker.next_order_id(), expiry=expiry
        )
        await c.place_order(sell)
        ack = await c.place_order(buy)
        out.append(Trade(time.monotonic(), int(ack["seq"])))
    return out


def batch_of(seq: int, rows: dict[int, dict[str, Any]]) -> int | None:
    for n, b in rows.items():
        if b["first_seq"] is not None and int(b["first_seq"]) <= seq <= int(b["last_seq"]):
            return n
    return None


def ms(x: float) -> float:
    return round(x * 1000, 1)


async def run(a: argparse.Namespace, node: str, rpc: str, keystores: list[Path]) -> dict[str, Any]:
    async with AsyncClient(node) as c:
        ws = await wallets(c, keystores)
        btc = next(m for m in await c.markets() if m["symbol"] == "BTC-USD")
        price = int(btc["oracle_price"])
        watch = Watch()
        watcher = asyncio.create_task(watch.run(c))
        try:
            acc = await accept_phase(c, ws, price, a.orders)
            # the deposits' and the oracle's batches so far through the pipeline, so the first
            # trades find the prover idle
            drain_end = time.monotonic() + a.timeout
            while not watch.seen or any("finalized" not in s for s in watch.seen.values()):
                if time.monotonic() > drain_end:
                    break
                await asyncio.sleep(0.2)
            drained = all("finalized" in s for s in watch.seen.values())
            t0 = time.monotonic()
            trades = await trade_phase(c, ws, price, a.trades)
            sent_s = time.monotonic() - t0
            # every trade's batch closed (the node's max age), then finalized on L1
            deadline = time.monotonic() + a.timeout
            while True:
                where = [batch_of(t.seq, watch.rows) for t in trades]
                if all(n is not None and "finalized" in watch.seen.get(n, {}) for n in where):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"timed out: batches {sorted(set(where), key=str)} not all finalized")
                await asyncio.sleep(0.2)
        finally:
            watcher.cancel()
    ours = sorted({n for n in where if n is not None})
    first = min(t.ack for t in trades) - sent_s  # about when the first trade was sent
    proven_end = max(watch.seen[n]["proven"] for n in ours)
    lat = [watch.seen[n]["finalized"] - t.ack for n, t in zip(where, trades, strict=True) if n is not None]

    def stage(a_: str, b_: str) -> list[float]:
        return [watch.seen[n][b_] - watch.seen[n][a_] for n in ours]

    close_wait = [
        watch.seen[n]["closed"] - t.ack for n, t in zip(where, trades, strict=True) if n is not None
    ]
    prove_s = [float(watch.rows[n]["prove_s"] or 0) for n in ours]
    w3 = Web3(Web3.HTTPProvider(rpc))
    gas = {n: int(w3.eth.get_transaction_receipt(watch.rows[n]["l1_tx"])["gasUsed"]) for n in ours}
    # all batches of the run (the oracle's keep closing, deposits): batch interval vs prove time
    closed_times = sorted(s["closed"] for s in watch.seen.values() if "closed" in s)
    intervals = [b - a_ for a_, b in itertools.pairwise(closed_times)]
    n_trades = len(lat)
    # batches of the devnet's oracle refreshes proven in the same window (they share the prover)
    others = [n for n, s in watch.seen.items() if n not in ours and first <= s.get("proven", 0) <= proven_end]
    med = statistics.median
    return {
        "batch_slots": a.batch_slots,
        "traders": len(ws),
        "accept": {
            "orders": acc["orders"],
            "accepted": acc["accepted"],
            "errors": acc["errors"],
            "orders_per_s": round(acc["orders_per_s"], 1),
        },
        "trades": n_trades,
        "batches": len(ours),
        "trades_per_batch": round(n_trades / len(ours), 2),
        "trades_proven_per_s": round(n_trades / (proven_end - first), 3),
        "other_batches_proven_meanwhile": len(others),
        "prove_s_per_batch_p50": round(med(prove_s), 2),
        "prover_bound_trades_per_s": round(n_trades / len(ours) / med(prove_s), 3),
        "batch_interval_s_p50": round(med(intervals), 2) if intervals else None,
        "ack_to_finalized_ms_p50": ms(percentile(sorted(lat), 50)),
        "ack_to_finalized_ms_p99": ms(percentile(sorted(lat), 99)),
        # the first batch's trades find the prover idle: the latency without a backlog
        "drained_before_trades": drained,
        "first_batch_ack_to_finalized_ms_p50": ms(
            med(
                [
                    watch.seen[n]["finalized"] - t.ack
                    for n, t in zip(where, trades, strict=True)
                    if n == ours[0]
                ]
            )
        ),
        "stage_ms_p50": {
            "ack_to_closed": ms(med(close_wait)),
            "closed_to_proven": ms(med(stage("closed", "proven"))),
            "proven_to_submitted": ms(med(stage("proven", "submitted"))),
            "submitted_to_finalized": ms(med(stage("submitted", "finalized"))),
        },
        "l1_gas_per_batch_p50": int(med(gas.values())),
        "l1_gas_per_trade": round(sum(gas.values()) / n_trades),
        "trades_sent_s": round(sent_s, 2),
        "poll_resolution_s": 0.2,
        "cpus": os.cpu_count(),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
    }


WHY = {
    "ack_to_closed": "the batch's max age (a batch closes when full or old enough)",
    "closed_to_proven": "the prover (and its queue: trades sent faster than they are proven wait)",
    "proven_to_submitted": "the L1 client's submission on the embedded chain (batches in order; "
    "eth-tester's py-evm executes the Groth16 verifier, pairing included, in Python)",
    "submitted_to_finalized": "the L1's confirmations",
}


def bounds(f: dict[str, Any]) -> dict[str, str]:
    """Which stage bounds each figure, read from the figures themselves."""
    st = f["stage_ms_p50"]
    slowest = max(st, key=lambda k: st[k])
    return {
        "orders_per_s": "the node's order path (signature check, matching, group-committed journal) "
        "sharing the cores with the prover and the embedded chain; resting orders take no batch slot",
        "trades_proven_per_s": (
            f"the prover: {f['prove_s_per_batch_p50']} s per {f['batch_slots']}-slot batch of about "
            f"{f['trades_per_batch']} trades (a trade takes 2 slots; oracle updates take the rest), "
            f"so at most {f['prover_bound_trades_per_s']} trades/s; the measured rate is lower as the "
            "prover shares the cores with the embedded chain's verification of each submission"
            + (
                f" and also proved {f['other_batches_proven_meanwhile']} batches of the devnet's oracle "
                "refreshes meanwhile"
                if f["other_batches_proven_meanwhile"]
                else ""
            )
        ),
        "ack_to_finalized": f"the slowest stage is {slowest} ({st[slowest]} ms p50): {WHY[slowest]}",
        "l1_gas_per_trade": "the rollup's per-batch cost (Groth16 verify, root and queue updates, "
        "calldata) divided by the few trades an 8-slot batch holds; grows with fewer trades per batch",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch-slots", type=int, default=8)
    ap.add_argument("--batch-queue", type=int, default=2)
    ap.add_argument("--batch-withdrawals", type=int, default=1)
    ap.add_argument("--test-key", action="store_true", help="the committed/cached test key of the shape")
    ap.add_argument("--traders", type=int, default=DEMO_TRADERS, help=f"at most {DEMO_TRADERS}")
    ap.add_argument("--orders", type=int, default=2000, help="resting orders of the accept phase")
    ap.add_argument("--trades", type=int, default=32)
    ap.add_argument("--timeout", type=float, default=900.0, help="for the last batch to finalize")
    ap.add_argument("--json", action="store_true", help="print one JSON object last")
    a = ap.parse_args()
    if not 2 <= a.traders <= DEMO_TRADERS:
        ap.error(f"--traders: 2..{DEMO_TRADERS} (the devnet's funded L1 accounts)")
    with tempfile.TemporaryDirectory(prefix="zkclear-pipeline-bench-") as tmp:
        proc, node, rpc = start_devnet(Path(tmp) / "dv", a)
        try:
            keystores = deposit_on_l1(node, Path(tmp), a.traders, 10_000)
            figures = asyncio.run(run(a, node, rpc, keystores))
        finally:
            stop(proc)
    figures["bound_by"] = bounds(figures)
    for k, v in figures.items():
        print(f"{k:<26}  {v}")
    if a.json:
        print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
