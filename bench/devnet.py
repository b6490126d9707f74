"""How long `zkclear devnet` takes to come up on this machine: the first start in a fresh data dir
(compile the batch circuit, make the devnet's proving key by the single-party setup, start the
embedded L1, deploy the system, fund the demo traders, start the node) and a restart (the key,
the deployment and the L1 database reopened), each until the banner is printed.

    .venv/bin/python bench/devnet.py [--slots 8] [--data-mode validium] [--json]

With --json the last line is one JSON object of the figures. Not a test: timings depend on the
machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.node.devnet_proc import spawn_devnet  # noqa: E402


def start_until_banner(data_dir: Path, slots: int, mode: str) -> tuple[float, subprocess.Popen[str], str]:
    t0 = time.perf_counter()
    proc, out = spawn_devnet(
        [
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
            "--l1-port",
            "0",
            "--batch-slots",
            str(slots),
            "--data-mode",
            mode,
            "-v",
        ],
        until="Not included yet",
    )
    return time.perf_counter() - t0, proc, out


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--slots", type=int, default=8)
    ap.add_argument("--data-mode", choices=["validium", "rollup"], default="validium")
    ap.add_argument("--json", action="store_true", help="print one JSON object last")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="zkclear-devnet-bench-") as tmp:
        data_dir = Path(tmp) / "dv"
        first, proc, _ = start_until_banner(data_dir, args.slots, args.data_mode)
        stop(proc)
        again, proc, _ = start_until_banner(data_dir, args.slots, args.data_mode)
        stop(proc)
        with sqlite3.connect(data_dir / "l1.db") as db:
            l1_mb = db.execute("SELECT SUM(length(k) + length(v)) FROM kv").fetchone()[0] / 2**20
        zkey = next((data_dir / "keys").glob("*/batch.zkey"))
        out = {
            "shape": zkey.parent.name,
            "first_start_s": round(first, 1),
            "restart_s": round(again, 1),
            "l1_db_mb": round(l1_mb, 2),
            "zkey_mb": round(zkey.stat().st_size / 2**20, 1),
            "cpus": os.cpu_count(),
        }
    for k, v in out.items():
        print(f"{k:<20}  {v}")
    if args.json:
        print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
