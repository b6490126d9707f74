"""Groth16 proving benchmark: our prover against snarkjs and groth16py (arkworks) on the same zkey
and witness, at about 2^16 and 2^20 constraints.

    .venv/bin/python bench/groth16.py [--sizes 16,20] [--runs 3] [--only-ours] [--json]   (under the CPU lock:
    flock /tmp/zkclear-cpu.lock .venv/bin/python bench/groth16.py)

What it does, per size 2^k:
  1. writes a circuit of 2^k - 2 constraints with our own R1CS writer (a squaring chain,
     t_{i+1} = t_i * (t_i + x), one public output) and its witness;
  2. makes the keys with our trusted setup: one powers-of-tau file for the largest size
     (new, one contribution, prepare), then `zkey new` + one contribution per circuit (timed);
  3. times, on that zkey and witness, `zkclear groth16 prove` (CLI, end to end, and in-process),
     `snarkjs groth16 prove` (node) and groth16py's import_zkey + prove_wtns, each in its own
     process for its peak memory, each the best of --runs runs at 2^16 (one run at 2^20), and
     checks every proof with our verifier;
  4. times verification (ours in-process, ours CLI, snarkjs) and the Solidity verifier's gas.

Keys, circuits and the ptau are cached in build/bench-groth16/ (delete it to start over).
Targets (issue 3): >= 10x snarkjs and >= 1.5x groth16py at both sizes; verify < 5 ms.
With --json the last line printed is one JSON object of all figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from native.constants import R  # noqa: E402
from native.engine import get_engine  # noqa: E402
from prover.formats.json_files import (  # noqa: E402
    load_json,
    proof_from_json,
    public_from_json,
    vk_from_json,
    vk_to_json,
    write_json,
)
from prover.formats.ptau import read_ptau, write_ptau  # noqa: E402
from prover.formats.r1cs import R1CS, write_r1cs  # noqa: E402
from prover.formats.wtns import Witness, read_wtns, write_wtns  # noqa: E402
from prover.formats.zkey import read_zkey, write_zkey  # noqa: E402
from prover.prove import prove  # noqa: E402
from prover.setup import phase1, phase2  # noqa: E402
from prover.verify import verify  # noqa: E402

CACHE = ROOT / "build" / "bench-groth16"
NODE_BIN = ROOT / "node_modules" / ".bin"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---- the circuit -------------------------------------------------------------------------------------
def chain_circuit(k: int) -> tuple[R1CS, Witness]:
    """2^k - 2 constraints: t_1 = x (x + 1), t_{i+1} = t_i (t_i + x), out = last.
    Wires: 0 one, 1 out (public), 2 x (private input), 3.. t_1 .. t_{m-1}."""
    m = (1 << k) - 2
    n_wires = m + 2
    # per constraint: A = [t_i], B = [t_i, x] (or [x, one] for the first), C = [t_{i+1}] (or out)
    t = np.arange(m, dtype=np.int64) + 2  # wire of the left factor of constraint i: x, t_1, ...
    t[1:] = np.arange(3, m + 2)
    out_wire = np.arange(m, dtype=np.int64) + 3
    out_wire[-1] = 1
    wires = np.empty((m, 4), dtype=np.uint32)
    wires[:, 0] = t  # A
    wires[:, 1] = t  # B first term
    wires[:, 2] = 2  # B second term: x
    wires[0, 2] = 0  # first constraint: x + one
    wires[:, 3] = out_wire  # C
    counts = np.tile(np.array([1, 2, 1], dtype=np.int64), m)
    offsets = np.zeros(3 * m + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    coefs = np.zeros((4 * m, 32), dtype=np.uint8)
    coefs[:, 0] = 1
    r1cs = R1CS(
        prime=R,
        n_wires=n_wires,
        n_pub_out=1,
        n_pub_in=0,
        n_prv_in=1,
        n_labels=n_wires,
        lc_offsets=offsets,
        wires=wires.reshape(-1),
        coefs=coefs,
        wire_to_label=np.arange(n_wires, dtype=np.uint64),
    )
    x = 7
    values = [0] * n_wires
    values[0], values[2] = 1, x
    cur = x * (x + 1) % R
    for i in range(1, m):
        values[2 + i] = cur
        cur = cur * (cur + x) % R
    values[1] = cur
    return r1cs, Witness.from_values(R, values)


# ---- measurement helpers ----------------------------------------------------------------------------
# The CLI runs as it would from an installed package, with its bytecode cached: a
# PYTHONDONTWRITEBYTECODE inherited from the shell would recompile every import on every run (~30 ms).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_rss(cmd: list[str], timeout: float | None = None) -> dict[str, Any]:
    """Wall time and peak RSS (MiB) of one command.  The peak comes from GNU time's %M: a child's
    own ru_maxrss would include the resident pages of this (large) process it was forked from."""
    marker = "@@peak-kib="
    full = ["/usr/bin/time", "-f", f"{marker}%M", *cmd] if Path("/usr/bin/time").exists() else cmd
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            full, cwd=ROOT, env=CHILD_ENV, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "timeout": True, "seconds": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    err = proc.stderr
    peak = float("nan")
    if marker in err:
        head, _, tail = err.rpartition(marker)
        peak = int(tail.strip().splitlines()[0]) / 1024
        err = head
    return {
        "ok": proc.returncode == 0,
        "seconds": wall,
        "peak_mib": peak,
        "stdout": proc.stdout[-4000:],
        "stderr": err[-2000:],
    }


# ---- setup (cached) ----------------------------------------------------------------------------------
def ensure_ptau(power: int, figures: dict[str, Any]) -> Path:
    path = CACHE / f"pot{power}_final.ptau"
    if path.exists():
        log(f"using cached {path.name}")
        return path
    engine = get_engine()
    log(f"ptau 2^{power}: new, contribute, prepare (our setup; this is the long step)")
    t0 = time.perf_counter()
    p0, _ = phase1.new_ptau(power, engine)
    p1, _ = phase1.contribute(p0, "bench", engine)
    t1 = time.perf_counter()
    prepared = phase1.prepare(p1, engine)
    t2 = time.perf_counter()
    write_ptau(path, prepared, engine)
    figures[f"ptau_{power}"] = {"contribute_s": round(t1 - t0, 1), "prepare_s": round(t2 - t1, 1)}
    log(f"  contribute {t1 - t0:.1f} s, prepare {t2 - t1:.1f} s")
    return path


def ensure_circuit(k: int, ptau_path: Path, figures: dict[str, Any]) -> dict[str, Path]:
    d = CACHE / f"chain{k}"
    d.mkdir(parents=True, exist_ok=True)
    files = {
        "r1cs": d / "circuit.r1cs",
        "wtns": d / "witness.wtns",
        "zkey": d / "circuit.zkey",
        "vk": d / "vk.json",
    }
    if all(p.exists() for p in files.values()):
        log(f"using cached circuit and keys for 2^{k}")
        return files
    engine = get_engine()
    r1cs, witness = chain_circuit(k)
    write_r1cs(files["r1cs"], r1cs)
    write_wtns(files["wtns"], witness)
    log(f"zkey 2^{k}: new + one contribution")
    t0 = time.perf_counter()
    with read_ptau(ptau_path, engine) as ptau:
        z0 = phase2.new_zkey(r1cs, ptau, engine)
    t1 = time.perf_counter()
    z1, _ = phase2.contribute(z0, "bench", engine)
    t2 = time.perf_counter()
    write_zkey(files["zkey"], z1, engine)
    write_json(files["vk"], vk_to_json(phase2.export_vk(z1, engine)))
    figures[f"setup_{k}"] = {"zkey_new_s": round(t1 - t0, 1), "zkey_contribute_s": round(t2 - t1, 1)}
    log(f"  zkey new {t1 - t0:.1f} s, contribute {t2 - t1:.1f} s")
    return files


# ---- provers -----------------------------------------------------------------------------------------
def check_proof(vk_path: Path, proof_path: Path, public_path: Path) -> bool:
    vk = vk_from_json(load_json(vk_path, "vk"))
    return verify(
        vk,
        public_from_json(load_json(public_path, "public")),
        proof_from_json(load_json(proof_path, "proof")),
    )


def bench_size(
    k: int,
    files: dict[str, Path],
    runs: int,
    snarkjs_timeout: float,
    skip_snarkjs: bool,
    only_ours: bool = False,
) -> dict[str, Any]:
    out: dict[str, Any] = {"constraints": (1 << k) - 2, "domain": 1 << k}
    tmp = Path(tempfile.mkdtemp(prefix=f"bench{k}-"))
    try:
        zkclear = [
            str(ROOT / ".venv" / "bin" / "zkclear"),
            "groth16",
            "prove",
            str(files["zkey"]),
            str(files["wtns"]),
        ]
        res = []
        for i in range(runs):
            r = run_rss([*zkclear, str(tmp / f"p{i}.json"), str(tmp / f"pub{i}.json"), "--quiet"])
            if not r["ok"] or not check_proof(files["vk"], tmp / f"p{i}.json", tmp / f"pub{i}.json"):
                raise RuntimeError(f"our prover failed: {r.get('stderr')}")
            res.append(r)
        out["ours_cli_s"] = round(min(r["seconds"] for r in res), 3)
        out["ours_peak_mib"] = round(max(r["peak_mib"] for r in res), 1)
        log(f"  ours (CLI) {out['ours_cli_s']:.3f} s, peak {out['ours_peak_mib']:.0f} MiB")

        engine = get_engine()
        with read_zkey(files["zkey"], engine) as zk:
            w = read_wtns(files["wtns"])
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                prove(zk, w, engine)
                times.append(time.perf_counter() - t0)
        out["ours_inprocess_s"] = round(min(times), 3)
        log(f"  ours (in-process, zkey mapped) {out['ours_inprocess_s']:.3f} s")
        if only_ours:
            return out

        gp = (
            "import groth16py, time, json, sys\n"
            "t0 = time.perf_counter(); pk, vk = groth16py.import_zkey(sys.argv[1]); t1 = time.perf_counter()\n"
            "proof = groth16py.prove_wtns(pk, sys.argv[2]); t2 = time.perf_counter()\n"
            "print(json.dumps({'import_s': t1 - t0, 'prove_s': t2 - t1, 'proof': proof.hex()}))\n"
        )
        gres = []
        for _ in range(runs):
            r = run_rss([sys.executable, "-c", gp, str(files["zkey"]), str(files["wtns"])])
            if not r["ok"]:
                raise RuntimeError(f"groth16py failed: {r['stderr']}")
            gres.append((r, json.loads(r["stdout"].strip().splitlines()[-1])))
        out["groth16py_prove_s"] = round(min(g["prove_s"] for _, g in gres), 3)
        out["groth16py_import_plus_prove_s"] = round(min(g["import_s"] + g["prove_s"] for _, g in gres), 3)
        out["groth16py_process_s"] = round(min(r["seconds"] for r, _ in gres), 3)
        out["groth16py_peak_mib"] = round(max(r["peak_mib"] for r, _ in gres), 1)
        log(
            f"  groth16py prove_wtns {out['groth16py_prove_s']:.3f} s (+import {out['groth16py_import_plus_prove_s']:.3f} s), peak {out['groth16py_peak_mib']:.0f} MiB"
        )

        if skip_snarkjs:
            out["snarkjs"] = "skipped"
        else:
            # best of the same number of runs as ours (one at 2^20), so neither side gets the luckier draw
            sres = []
            for _ in range(runs):
                r = run_rss(
                    [
                        str(NODE_BIN / "snarkjs"),
                        "groth16",
                        "prove",
                        str(files["zkey"]),
                        str(files["wtns"]),
                        str(tmp / "s.json"),
                        str(tmp / "spub.json"),
                    ],
                    timeout=snarkjs_timeout,
                )
                sres.append(r)
                if not r.get("ok"):
                    break
            if all(x.get("ok") for x in sres):
                r = {**min(sres, key=lambda x: x["seconds"]), "peak_mib": max(x["peak_mib"] for x in sres)}
            if r.get("timeout"):
                out["snarkjs"] = f"did not finish within {snarkjs_timeout:.0f} s"
                log(f"  snarkjs: {out['snarkjs']}")
            elif not r["ok"]:
                out["snarkjs"] = f"failed: {r['stderr'][-300:]}"
            else:
                if not check_proof(files["vk"], tmp / "s.json", tmp / "spub.json"):
                    raise RuntimeError("snarkjs's proof does not verify with ours")
                out["snarkjs_s"] = round(r["seconds"], 3)
                out["snarkjs_peak_mib"] = round(r["peak_mib"], 1)
                log(f"  snarkjs {out['snarkjs_s']:.3f} s, peak {out['snarkjs_peak_mib']:.0f} MiB")
                v = run_rss(
                    [
                        str(NODE_BIN / "snarkjs"),
                        "groth16",
                        "verify",
                        str(files["vk"]),
                        str(tmp / "spub.json"),
                        str(tmp / "s.json"),
                    ]
                )
                out["snarkjs_verify_cli_s"] = round(v["seconds"], 3)

        if "snarkjs_s" in out:
            out["speedup_vs_snarkjs"] = round(out["snarkjs_s"] / out["ours_cli_s"], 1)
        out["speedup_vs_groth16py"] = round(out["groth16py_prove_s"] / out["ours_cli_s"], 2)
        out["speedup_vs_groth16py_inprocess"] = round(out["groth16py_prove_s"] / out["ours_inprocess_s"], 2)

        # verification: ours in-process (the key loaded once, as a verifier service keeps it)
        from prover.verify import check_vk

        vk = check_vk(vk_from_json(load_json(files["vk"], "vk")), engine)
        proof = proof_from_json(load_json(tmp / "p0.json", "proof"))
        public = public_from_json(load_json(tmp / "pub0.json", "public"))
        vt = []
        for _ in range(30):
            t0 = time.perf_counter()
            ok = verify(vk, public, proof, engine, vk_checked=True)
            vt.append(time.perf_counter() - t0)
            assert ok
        out["ours_verify_ms"] = round(statistics.median(vt) * 1000, 3)
        vt2 = []
        for _ in range(10):
            t0 = time.perf_counter()
            verify(vk_from_json(load_json(files["vk"], "vk")), public, proof, engine)
            vt2.append(time.perf_counter() - t0)
        out["ours_verify_with_key_checks_ms"] = round(statistics.median(vt2) * 1000, 3)
        v = run_rss(
            [
                str(ROOT / ".venv" / "bin" / "zkclear"),
                "groth16",
                "verify",
                str(files["vk"]),
                str(tmp / "pub0.json"),
                str(tmp / "p0.json"),
                "-q",
            ]
        )
        out["ours_verify_cli_s"] = round(v["seconds"], 3)
        log(
            f"  verify: ours {out['ours_verify_ms']} ms in-process ({out['ours_verify_with_key_checks_ms']} ms with key checks), CLI {out['ours_verify_cli_s']} s"
        )
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def solidity_gas(vk_path: Path, proof_path: Path | None = None) -> dict[str, Any]:
    from prover.evm import compile_solidity, deploy_verifier
    from prover.solidity import render_verifier

    vk = vk_from_json(load_json(vk_path, "vk"))
    with tempfile.TemporaryDirectory() as d:
        sol = Path(d) / "V.sol"
        sol.write_text(render_verifier(vk, "BenchVerifier"))
        art = compile_solidity(sol, "BenchVerifier")
    verifier = deploy_verifier(art)
    files = vk_path.parent
    engine = get_engine()
    with read_zkey(files / "circuit.zkey", engine) as zk:
        res = prove(zk, read_wtns(files / "witness.wtns"), engine)
    assert verifier.verify(res.proof, res.public)
    return {
        "public_signals": vk.n_public,
        "verify_tx_gas": verifier.gas_used(res.proof, res.public),
        "solc": art["version"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="16,20", help="log2 sizes, comma separated (default 16,20)")
    ap.add_argument("--runs", type=int, default=3, help="prover runs per tool at 2^16 (1 at 2^20)")
    ap.add_argument("--snarkjs-timeout", type=float, default=1800, help="seconds before giving up on snarkjs")
    ap.add_argument(
        "--skip-snarkjs-above", type=int, default=99, help="skip snarkjs for sizes above this log2"
    )
    ap.add_argument(
        "--only-ours", action="store_true", help="time our prover only (no peers, verification or gas)"
    )
    ap.add_argument("--json", action="store_true", help="print one JSON object of all figures last")
    args = ap.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    CACHE.mkdir(parents=True, exist_ok=True)
    engine = get_engine()
    figures: dict[str, Any] = {"engine": engine.name, "threads": os.cpu_count(), "sizes": {}}
    ptau = ensure_ptau(max(sizes), figures)
    for k in sizes:
        log(f"== 2^{k} ==")
        files = ensure_circuit(k, ptau, figures)
        runs = args.runs if k <= 16 else 1
        figures["sizes"][str(k)] = bench_size(
            k, files, runs, args.snarkjs_timeout, k > args.skip_snarkjs_above, args.only_ours
        )
    if args.only_ours:
        print("\nsize   ours CLI  ours in-proc  peak MiB")
        for k, f in figures["sizes"].items():
            print(
                f"2^{k:<4} {f['ours_cli_s']:>8.3f} {f['ours_inprocess_s']:>12.3f}  {f['ours_peak_mib']:.0f}"
            )
        if args.json:
            print(json.dumps(figures))
        return
    try:
        figures["solidity"] = solidity_gas(ensure_circuit(sizes[0], ptau, figures)["vk"])
        log(
            f"Solidity verifier: {figures['solidity']['verify_tx_gas']} gas per verifyProof transaction (1 public signal)"
        )
    except Exception as exc:  # the gas figure needs node + solc; report rather than abort the run
        figures["solidity"] = f"not measured: {exc}"
    print(
        "\nsize   ours CLI  ours in-proc  snarkjs   groth16py  x snarkjs  x groth16py  verify ms  peak MiB (ours/snarkjs/g16py)"
    )
    for k, f in figures["sizes"].items():
        print(
            f"2^{k:<4} {f['ours_cli_s']:>8.3f} {f['ours_inprocess_s']:>12.3f} {f.get('snarkjs_s', float('nan')):>9.3f} "
            f"{f['groth16py_prove_s']:>10.3f} {f.get('speedup_vs_snarkjs', float('nan')):>10.1f} {f['speedup_vs_groth16py']:>12.2f} "
            f"{f['ours_verify_ms']:>10.3f}  {f['ours_peak_mib']:.0f}/{f.get('snarkjs_peak_mib', float('nan')):.0f}/{f['groth16py_peak_mib']:.0f}"
        )
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
