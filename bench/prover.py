"""The node's prover stage end to end: `zkclear node --prove` in another process at a batch size,
real traffic over HTTP, every closed batch proven (and verified) by the stage.

    .venv/bin/python bench/prover.py [--slots 4,8] [--trades 6] [--json]

Per batch size: the time from the node's start until its prover is ready (spawning the worker,
compiling the circuit, checking the key set; the deterministic test key of sequencer.batch_keys,
cached under build/batch-keys, so no key is made in the timed part once the cache exists), and
each batch's `prove_s` as the stage recorded it (replay to the batch, witness, Groth16 proof,
verification; in the worker process at nice 10), p50 and max, with the batches' slot use.
Traffic: faucet deposits for four traders, an oracle price, `--trades` crossing trades and one
withdrawal; the node closes a batch whenever the next operation would not fit its circuit.
Run under the shared CPU lock: `flock /tmp/zkclear-cpu.lock .venv/bin/python bench/prover.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from client.http import AsyncClient  # noqa: E402
from client.wallet import Wallet  # noqa: E402
from protocol.signing import Signer  # noqa: E402

USD = 1_000_000
BTC_PRICE = 5_000_000


def start_node(data_dir: Path, slots: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable, "-c", "from zkclear.cli import main; main()", "node",
            "--data-dir", str(data_dir), "--port", "0", "--devnet", "--batch-slots", str(slots),
            "--batch-max-age", "1", "--prove", "--prover-test-key",
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


async def traffic(c: AsyncClient, trades: int) -> None:
    info = await c.info()
    ws = []
    for i in range(4):
        w = Wallet(Signer(f"bench prover trader {i}".encode()), None, int(info["domain_hash"]))
        out = await c.devnet_deposit(w.deposit_body(100_000 * USD, owner=0x2000 + i))
        w.account_id = int(out["account_id"])
        ws.append(w)
    await c.devnet_oracle({"market": "BTC-USD", "price": str(BTC_PRICE)})
    exp = int(time.time()) + 3600
    for k in range(trades):
        maker, taker = ws[k % 4], ws[(k + 1) % 4]
        await c.place_order(
            maker.order(market_id=0, side=1, price=BTC_PRICE, size=10, order_id=k + 1, expiry=exp)
        )
        out = await c.place_order(
            taker.order(market_id=0, side=0, price=BTC_PRICE, size=10, order_id=1000 + k, expiry=exp)
        )
        assert out["fills"], out
    await c.withdraw(ws[0].withdraw(amount=1_000 * USD, recipient=0xABC, nonce=0, expiry=exp))


async def run_size(url: str, trades: int, started: float) -> dict[str, Any]:
    async with AsyncClient(url, timeout=60) as c:
        while (await c.health())["prover"]["state"] == "loading":
            await asyncio.sleep(0.2)
        ready_s = time.perf_counter() - started
        t = time.perf_counter()
        await traffic(c, trades)
        await asyncio.sleep(1.5)  # the last batch closes by age
        while True:
            bs = await c.batches(limit=500)
            if bs and all(b["status"] == "proven" for b in bs):
                break
            assert not any(b["prove_error"] for b in bs), bs
            await asyncio.sleep(0.5)
        wall = time.perf_counter() - t
    prove = sorted(b["prove_s"] for b in bs)
    return {
        "ready_s": round(ready_s, 2),
        "batches": len(bs),
        "ops": sum(b["n_ops"] for b in bs),
        "prove_s_p50": round(statistics.median(prove), 3),
        "prove_s_max": round(prove[-1], 3),
        "prove_s_sum": round(sum(prove), 2),
        "traffic_to_all_proven_s": round(wall, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slots", default="4,8", help="comma-separated batch sizes (default 4,8)")
    ap.add_argument("--trades", type=int, default=6)
    ap.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = ap.parse_args()
    out: dict[str, Any] = {"machine_cpus": os.cpu_count(), "sizes": {}}
    for slots in (int(s) for s in args.slots.split(",")):
        with tempfile.TemporaryDirectory(prefix="zkclear-bench-prover-") as tmp:
            started = time.perf_counter()
            proc, url = start_node(Path(tmp) / "node", slots)
            try:
                res = asyncio.run(run_size(url, args.trades, started))
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
        out["sizes"][str(slots)] = res
        print(
            f"{slots:3d} slots: prover ready {res['ready_s']:6.1f}s after start; {res['batches']} batches "
            f"({res['ops']} ops) proven, prove_s p50 {res['prove_s_p50']:.2f}s max {res['prove_s_max']:.2f}s"
        )
    out["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(
        f"load average {out['load_average_1min']} on {os.cpu_count()} CPUs (shared machine: figures are noisy)"
    )
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
