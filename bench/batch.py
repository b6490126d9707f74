"""Batch proving benchmark (issue 15): the batch circuit per batch size, filled with trades.

    .venv/bin/python bench/batch.py [--sizes 4,8,16,32] [--snarkjs] [--json]
    (under the CPU lock: flock /tmp/zkclear-cpu.lock .venv/bin/python bench/batch.py)

Per size (one subprocess each, so peak memory is the size's own): an exchange whose batch holds
size/2 TRADE steps (each two slots), closed with witnesses; then the circuit compiled, a
single-party key made (prover/setup/single.py), the witness built from the records and solved,
the proof made by the native prover and checked.  Printed: constraints (total, per slot, per
trade), compile, key, witness and proving times, peak RSS, trades proven per second, the
witness's share of proving time, public-data bytes per trade; then the constraints per step kind
(slots x slot, plus the public data each kind adds in validium mode) and how a slot splits.
With --snarkjs, snarkjs proves the smallest size's witness with the same key (the peer).
With --json the last line is one JSON object of all figures.

Rollup mode (unless --no-rollup): rollup and validium circuits compiled at 2 and 4 slots give the
constraints rollup mode adds per slot and per batch.

Targets (issue 15): a TRADE at most 40,000 constraints in validium mode (Loopring v3: 56,000-71,000
per trade, Hermez v1 ~59,000 per transaction), witness under 5% of proving, >= 2.5 trades/s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuits.batch.batch import BatchCircuit, BatchShape  # noqa: E402
from circuits.batch.pubdata import QUEUE_RECORD_BITS, WITHDRAWAL_BITS  # noqa: E402
from circuits.batch.report import grouped, slot_report  # noqa: E402
from protocol.pubdata.fields import Mode  # noqa: E402
from protocol.records import StepKind  # noqa: E402
from prover.prove import prove  # noqa: E402
from prover.setup.phase2 import export_vk  # noqa: E402
from prover.setup.single import single_party_setup  # noqa: E402
from prover.verify import verify  # noqa: E402
from sequencer.prover_inputs import circuit_inputs  # noqa: E402
from tests.sequencer.world import BTC, BUY, SELL, World  # noqa: E402

TARGET_PER_TRADE = 40_000
PEERS: dict[str, Any] = {
    "loopring_v3_per_trade": (56_000, 71_000),
    "hermez_v1_per_tx": 59_000,
    "target_per_trade": TARGET_PER_TRADE,
}
SLOTS_PER_KIND = {
    "TRADE": 2,
    "DEPOSIT": 1,
    "WITHDRAW": 1,
    "TRANSFER": 2,
    "FORCED_WITHDRAWAL": 1,
    "ORACLE_UPDATE (k signers)": "k",
    "FUNDING_TICK": 8,
}


def trade_batch(slots: int) -> tuple[World, Any, int, Any]:
    """A World whose pending batch is slots/2 trades: trader 0 rests a large sell, each other
    trader buys the minimum size once (a TRADE step each)."""
    n = slots // 2
    w = World()
    w.funded(n + 1)
    w.priced()
    assert w.order(0, BTC, SELL, 5_000_000, 10 * n).ok
    w.ex.close_batch(witness=False)
    g0 = w.ex.global_state()
    acc0 = w.ex.trees.accounts.root
    for i in range(1, n + 1):
        assert w.order(i, BTC, BUY, 5_000_000, 10).ok
    b = w.ex.close_batch(witness=True)
    kinds = [s.kind for r in b.records for s in r.steps]
    assert kinds == [StepKind.TRADE] * n, kinds
    return w, b, acc0, g0


def one(slots: int, snarkjs: bool) -> dict[str, Any]:
    shape = BatchShape(slots, 1, 1)
    w, b, acc0, g0 = trade_batch(slots)
    t = time.perf_counter()
    program = BatchCircuit(shape).program
    t_compile = time.perf_counter() - t
    r1cs = program.r1cs()
    t = time.perf_counter()
    zkey = single_party_setup(r1cs)
    t_key = time.perf_counter() - t
    t = time.perf_counter()
    ci = circuit_inputs(w.config, shape, b, acc0, g0)
    t_assign = time.perf_counter() - t
    t = time.perf_counter()
    solved = program.solve(ci.inputs, check=False)
    t_solve = time.perf_counter() - t
    wtns = solved.to_wtns()
    t = time.perf_counter()
    res = prove(zkey, wtns)
    t_prove = time.perf_counter() - t
    ok = verify(export_vk(zkey), res.public, res.proof)
    trades = slots // 2
    out: dict[str, Any] = {
        "slots": slots,
        "trades": trades,
        "constraints": program.n_constraints,
        "per_trade_amortised": round(program.n_constraints / trades),
        "compile_s": round(t_compile, 2),
        "key_s": round(t_key, 2),
        "witness_s": round(t_assign + t_solve, 3),
        "witness_assign_s": round(t_assign, 3),
        "prove_s": round(t_prove, 2),
        "verified": ok,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "trades_per_s": round(trades / t_prove, 3),
        "witness_share_of_proving": round((t_assign + t_solve) / t_prove, 4),
        "pubdata_bytes_per_trade": (len(ci.data) - 7) / trades,  # validium framing (7 bytes) aside
    }
    if snarkjs:
        out["snarkjs"] = snarkjs_prove(zkey, wtns)
    return out


def rollup_costs() -> dict[str, int]:
    """Rollup minus validium constraints at 2 and 4 slots: the per-slot and per-batch parts."""
    n = {}
    for slots in (2, 4):
        for mode in (Mode.VALIDIUM, Mode.ROLLUP):
            n[slots, mode] = BatchCircuit(BatchShape(slots, 1, 1, mode)).program.n_constraints
    d2 = n[2, Mode.ROLLUP] - n[2, Mode.VALIDIUM]
    d4 = n[4, Mode.ROLLUP] - n[4, Mode.VALIDIUM]
    per_slot = (d4 - d2) // 2
    return {"rollup_per_slot": per_slot, "rollup_per_batch": d2 - 2 * per_slot, "rollup_trade": 2 * per_slot}


def snarkjs_prove(zkey: Any, wtns: Any) -> dict[str, Any]:
    from prover.formats.wtns import write_wtns
    from prover.formats.zkey import write_zkey

    exe = ROOT / "node_modules/.bin/snarkjs"
    with tempfile.TemporaryDirectory() as d:
        zk, wt = Path(d) / "b.zkey", Path(d) / "b.wtns"
        write_zkey(zk, zkey)
        write_wtns(wt, wtns)
        t = time.perf_counter()
        r = subprocess.run(
            ["node", str(exe), "groth16", "prove", str(zk), str(wt), f"{d}/p.json", f"{d}/pub.json"],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        return {"prove_s": round(time.perf_counter() - t, 2), "ok": r.returncode == 0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="8,16,32,48,56")
    ap.add_argument("--snarkjs", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-rollup", action="store_true", help="skip compiling rollup-mode shapes")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--one-snarkjs", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.one_snarkjs)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for k, n in enumerate(sizes):
        cmd = [sys.executable, __file__, "--one", str(n)] + (
            ["--one-snarkjs"] if args.snarkjs and k == 0 else []
        )
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"size {n}: failed\n{p.stderr[-2000:]}", file=sys.stderr)
            break
        rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(
            f"{n:3d} slots: {r['constraints']:>9,} constraints ({r['per_trade_amortised']:,}/trade), compile"
            f" {r['compile_s']}s, key {r['key_s']}s, witness {r['witness_s']}s, prove {r['prove_s']}s,"
            f" peak {r['peak_rss_mb']} MB, {r['trades_per_s']} trades/s, witness/prove"
            f" {100 * r['witness_share_of_proving']:.1f}%"
        )
    slot = slot_report(1, 1)
    per_slot = sum(slot.values())
    groups = grouped(slot)
    per_kind = {
        k: (v * per_slot if isinstance(v, int) else f"k x {per_slot}") for k, v in SLOTS_PER_KIND.items()
    }
    pubdata: dict[str, Any] = {
        "queue_record_bytes": QUEUE_RECORD_BITS // 8,
        "withdrawal_record_bytes": WITHDRAWAL_BITS // 8,
        "validium_bytes_per_trade": 0,
        "rollup_bytes_per_trade": 2 * 84,  # one 84-byte record per slot (protocol.md 7.5)
    }
    if not args.no_rollup:
        pubdata.update(rollup_costs())
        print(
            f"rollup mode adds {pubdata['rollup_per_slot']:,} per slot (84 bytes of SHA-256) and"
            f" {pubdata['rollup_per_batch']:,} per batch (global section, fourth outer block)"
        )
    print(f"one slot: {per_slot:,} constraints; a TRADE (2 slots): {2 * per_slot:,} (target 40,000)")
    small = sum(n for n in groups.values() if n < 100)
    groups = {g: n for g, n in groups.items() if n >= 100} | {"other (< 100 each)": small}
    for g, n in groups.items():
        print(f"  {g:<22} {n:>6,}  {100 * n / per_slot:4.1f}%")
    best = max(rows, key=lambda r: r["trades_per_s"]) if rows else None
    figures = {
        "sizes": rows,
        "per_slot": per_slot,
        "trade_constraints": 2 * per_slot,
        "per_kind": per_kind,
        "slot_split": groups,
        "pubdata": pubdata,
        "peers": PEERS,
        "trade_vs_target": round(2 * per_slot / TARGET_PER_TRADE, 3),
        "trade_vs_loopring_v3_low": round(2 * per_slot / 56_000, 3),
        "best_trades_per_s": best["trades_per_s"] if best else None,
    }
    if rows and "snarkjs" in rows[0]:
        s = rows[0]["snarkjs"]
        figures["snarkjs_vs_ours_prove"] = round(s["prove_s"] / rows[0]["prove_s"], 2)
        print(
            f"snarkjs proves the {rows[0]['slots']}-slot batch in {s['prove_s']}s: {figures['snarkjs_vs_ours_prove']}x ours"
        )
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
