"""Key-generation benchmark: the single-party setup (prover/setup/single.py) against our ceremony
path (`ptau prepare` + `zkey new`) and snarkjs's (`powersoftau prepare phase2` + `zkey new`).

    .venv/bin/python bench/setup.py [--sizes 16,20] [--ceremony-sizes 16] [--snarkjs-timeout 900] [--json]
    (under the CPU lock: flock /tmp/zkclear-cpu.lock .venv/bin/python bench/setup.py)

Per size 2^k: bench/groth16.py's squaring-chain circuit of 2^k - 2 constraints (domain 2^k);
the single-party setup timed in-process (wall and CPU time of all threads), the key written and,
at the smallest size, a proof made and checked with it.  For --ceremony-sizes: a fresh ptau of
power k (new + one contribution, untimed), then timed `prepare` and `zkey new` (ours in-process;
snarkjs's as commands, with a timeout).  Prints the ratios; with --json the last line is one JSON
object of all figures.  Target (issue 15): a single-party key for 2^20 in under a minute.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.groth16 import chain_circuit  # noqa: E402
from native.engine import get_engine  # noqa: E402
from prover.formats.ptau import write_ptau  # noqa: E402
from prover.formats.r1cs import write_r1cs  # noqa: E402
from prover.formats.zkey import read_zkey, write_zkey  # noqa: E402
from prover.prove import prove  # noqa: E402
from prover.setup import phase1, phase2  # noqa: E402
from prover.setup.single import single_party_setup  # noqa: E402
from prover.verify import verify  # noqa: E402
from tests.conftest import npm_bin  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def timed(fn: Any) -> tuple[Any, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def snarkjs(args: list[str], timeout: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [npm_bin("snarkjs"), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "timeout": True, "wall_s": round(time.perf_counter() - t0, 1)}
    return {"ok": proc.returncode == 0, "wall_s": round(time.perf_counter() - t0, 2)}


def bench_single(k: int, work: Path, check: bool) -> dict[str, Any]:
    engine = get_engine()
    r1cs, witness = chain_circuit(k)
    log(f"2^{k}: single-party setup")
    zkey, wall, cpu = timed(lambda: single_party_setup(r1cs, engine))
    _, wall_w, cpu_w = timed(lambda: write_zkey(work / f"single{k}.zkey", zkey, engine))
    row: dict[str, Any] = {
        "constraints": r1cs.n_constraints,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "write_wall_s": round(wall_w, 2),
        "write_cpu_s": round(cpu_w, 2),
    }
    log(f"  setup {wall:.2f} s wall, {cpu:.2f} s CPU; write {wall_w:.2f} s")
    if check:
        with read_zkey(work / f"single{k}.zkey", engine) as back:
            res = prove(back, witness, engine)
            row["proof_verifies"] = verify(phase2.export_vk(back, engine), res.public, res.proof, engine)
        log(f"  a proof under it verifies: {row['proof_verifies']}")
    return row


def bench_ceremony(k: int, work: Path, snarkjs_timeout: float) -> dict[str, Any]:
    engine = get_engine()
    r1cs, _ = chain_circuit(k)
    write_r1cs(work / f"chain{k}.r1cs", r1cs)
    log(f"2^{k}: ptau new + contribute (untimed)")
    p0, _ = phase1.new_ptau(k, engine)
    p1, _ = phase1.contribute(p0, "bench", engine)
    write_ptau(work / f"pot{k}_1.ptau", p1, engine)
    log(f"2^{k}: our prepare + zkey new")
    prepared, prep_wall, prep_cpu = timed(lambda: phase1.prepare(p1, engine))
    _, new_wall, new_cpu = timed(lambda: phase2.new_zkey(r1cs, prepared, engine))
    ours = {
        "prepare_wall_s": round(prep_wall, 2),
        "prepare_cpu_s": round(prep_cpu, 2),
        "zkey_new_wall_s": round(new_wall, 2),
        "zkey_new_cpu_s": round(new_cpu, 2),
        "wall_s": round(prep_wall + new_wall, 2),
        "cpu_s": round(prep_cpu + new_cpu, 2),
    }
    log(f"  ours: prepare {prep_wall:.1f} s, zkey new {new_wall:.1f} s")
    log(f"2^{k}: snarkjs prepare phase2 + zkey new (timeout {snarkjs_timeout:.0f} s each)")
    prep = snarkjs(
        ["powersoftau", "prepare", "phase2", str(work / f"pot{k}_1.ptau"), str(work / f"pot{k}_final.ptau")],
        snarkjs_timeout,
    )
    theirs: dict[str, Any] = {"prepare": prep}
    if prep["ok"]:
        theirs["zkey_new"] = snarkjs(
            [
                "zkey",
                "new",
                str(work / f"chain{k}.r1cs"),
                str(work / f"pot{k}_final.ptau"),
                str(work / "s.zkey"),
            ],
            snarkjs_timeout,
        )
        if theirs["zkey_new"]["ok"]:
            theirs["wall_s"] = round(prep["wall_s"] + theirs["zkey_new"]["wall_s"], 2)
    log(f"  snarkjs: {theirs}")
    return {"ours": ours, "snarkjs": theirs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="16,20", help="log2 sizes for the single-party setup")
    ap.add_argument("--ceremony-sizes", default="16", help="log2 sizes for the ceremony paths ('' = none)")
    ap.add_argument("--snarkjs-timeout", type=float, default=900.0)
    ap.add_argument("--json", action="store_true", help="print one JSON object of all figures last")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    ceremony_sizes = [int(s) for s in args.ceremony_sizes.split(",") if s]
    figures: dict[str, Any] = {"single": {}, "ceremony": {}, "ratios": {}}
    with tempfile.TemporaryDirectory(prefix="zkclear-bench-setup-") as tmp:
        work = Path(tmp)
        for k in sizes:
            figures["single"][str(k)] = bench_single(k, work, check=k == min(sizes))
        for k in ceremony_sizes:
            figures["ceremony"][str(k)] = bench_ceremony(k, work, args.snarkjs_timeout)
    for k in ceremony_sizes:
        single = figures["single"].get(str(k))
        cer = figures["ceremony"][str(k)]
        if single:
            ratios = {"ours_ceremony_over_single": round(cer["ours"]["wall_s"] / single["wall_s"], 1)}
            if "wall_s" in cer["snarkjs"]:
                ratios["snarkjs_over_single"] = round(cer["snarkjs"]["wall_s"] / single["wall_s"], 1)
            figures["ratios"][str(k)] = ratios
    print("\nsize   single wall / CPU      ceremony (ours) wall    snarkjs wall")
    for k in sorted(set(sizes) | set(ceremony_sizes)):
        s = figures["single"].get(str(k), {})
        c = figures["ceremony"].get(str(k), {})
        ours = c.get("ours", {}).get("wall_s", "-")
        theirs = c.get("snarkjs", {}).get("wall_s", "timeout/-" if c else "-")
        print(
            f"2^{k:<4} {s.get('wall_s', '-')!s:>8} / {s.get('cpu_s', '-')!s:<8}   {ours!s:>12}   {theirs!s:>12}"
        )
    for k, r in figures["ratios"].items():
        print(
            f"2^{k}: ceremony/single {r.get('ours_ceremony_over_single')}x, snarkjs/single {r.get('snarkjs_over_single', '-')}x"
        )
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
