"""Circuit DSL benchmark: a chain of N Poseidon(2) hashes (N = 4000 is about a million constraints).

Times our compile (build + fold + R1CS) and witness solving (native tape VM), beside circom's own
toolchain on the same chain in the same run: `circom2 --wasm` to build its WASM witness
calculator, then `snarkjs wtns calculate` (wall time, as a user runs it) and the calculator alone
inside node (load once, time calculateWTNSBin).  Both witnesses are checked to end in the same
hash, which is also recomputed with the native Poseidon.

    .venv/bin/python bench/circuits.py [--n 4000] [--json] [--skip-circom] [--rebuild-circom]

circom2's compile of the 4000-hash chain takes minutes, so its WASM is cached under
build/bench_circuits/ keyed by the circuit source (--rebuild-circom recompiles and times it).
Run it under the shared CPU lock: `flock /tmp/zkclear-cpu.lock .venv/bin/python bench/circuits.py`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from circuits.dsl import Circuit  # noqa: E402
from circuits.gadgets.poseidon import poseidon  # noqa: E402
from native.poseidon import poseidon as native_poseidon  # noqa: E402

BUILD = ROOT / "build" / "bench_circuits"
INPUT = [1, 2]

CIRCOM_CHAIN = """pragma circom 2.0.0;
include "circomlib/circuits/poseidon.circom";
template Chain(n) {
    signal input in[2];
    signal output out;
    component h[n];
    for (var i = 0; i < n; i++) {
        h[i] = Poseidon(2);
        if (i == 0) {
            h[i].inputs[0] <== in[0];
        } else {
            h[i].inputs[0] <== h[i-1].out;
        }
        h[i].inputs[1] <== in[1];
    }
    out <== h[n-1].out;
}
component main = Chain(%d);
"""

NODE_CALC = """
const wc = require(process.argv[1]);
const fs = require('fs');
const input = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
(async () => {
  let t = process.hrtime.bigint();
  const calc = await wc(fs.readFileSync(process.argv[2]));
  const load = Number(process.hrtime.bigint() - t) / 1e9;
  const times = [];
  let buff;
  for (let i = 0; i < 3; i++) {
    t = process.hrtime.bigint();
    buff = await calc.calculateWTNSBin(input, 0);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  fs.writeFileSync(process.argv[4], buff);
  console.log(JSON.stringify({ load, times }));
})();
"""


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def build_chain(n: int) -> Circuit:
    cs = Circuit(f"chain{n}")
    a = cs.private_inputs("in", 2)
    h = a[0]
    for i in range(n):
        h = poseidon(cs, [h, a[1]], f"h{i}")
    cs.public_output("out", h)
    return cs


def ours(n: int, files: Path) -> dict[str, float | int]:
    cs, t_build = timed(build_chain, n)
    program, t_fold = timed(cs.compile)
    r1cs, t_r1cs = timed(program.r1cs)
    _, t_write_r1cs = timed(program.write_r1cs, files / "ours.r1cs")
    solves = []
    solved = None
    for _ in range(3):
        solved, dt = timed(program.solve, {"in": INPUT}, False)
        solves.append(dt)
    assert solved is not None
    bad, t_check = timed(program.first_unsatisfied, solved)
    if bad is not None:
        raise SystemExit(f"our witness breaks constraint {program.constraint_name(bad)}")
    _, t_write_wtns = timed(solved.write_wtns, files / "ours.wtns")
    return {
        "constraints": program.n_constraints,
        "wires": program.n_wires,
        "terms": int(r1cs.n_terms),
        "build_s": t_build,
        "fold_s": t_fold,
        "r1cs_s": t_r1cs,
        "compile_s": t_build + t_fold + t_r1cs,
        "write_r1cs_s": t_write_r1cs,
        "witness_s": min(solves),
        "witness_first_s": solves[0],
        "check_s": t_check,
        "write_wtns_s": t_write_wtns,
        "out": solved.signal("out"),
    }


def circom(n: int, rebuild: bool, files: Path) -> dict[str, float | None]:
    src = CIRCOM_CHAIN % n
    key = hashlib.sha256(src.encode()).hexdigest()[:16]
    folder = BUILD / key
    wasm = folder / "chain_js" / "chain.wasm"
    meta = folder / "compile.json"
    folder.mkdir(parents=True, exist_ok=True)
    compile_s = None
    cached = wasm.exists() and meta.exists() and not rebuild
    if not cached:
        (folder / "chain.circom").write_text(src)
        t = time.perf_counter()
        # circom2 runs under WASI with the working directory as its root: relative paths only.
        proc = subprocess.run(
            [str(ROOT / "node_modules/.bin/circom2"), str((folder / "chain.circom").relative_to(ROOT)), "--wasm",
             "-l", "node_modules", "-o", str(folder.relative_to(ROOT))],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        compile_s = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"circom2 failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        meta.write_text(json.dumps({"compile_s": compile_s}))
    else:
        compile_s = json.loads(meta.read_text())["compile_s"]
    inp = files / "input.json"
    inp.write_text(json.dumps({"in": [str(v) for v in INPUT]}))
    cli = []
    for _ in range(2):
        t = time.perf_counter()
        subprocess.run(
            [str(ROOT / "node_modules/.bin/snarkjs"), "wtns", "calculate", str(wasm), str(inp), str(files / "circom.wtns")],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        cli.append(time.perf_counter() - t)
    proc = subprocess.run(
        ["node", "-e", NODE_CALC, str(folder / "chain_js" / "witness_calculator.js"), str(wasm), str(inp),
         str(files / "circom_inproc.wtns")],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    inproc = json.loads(proc.stdout)
    from prover.formats.wtns import read_wtns

    w = read_wtns(files / "circom.wtns")
    return {
        "compile_s": compile_s,
        "compile_cached": cached,
        "wtns_calculate_s": min(cli),
        "calculator_s": min(inproc["times"]),
        "calculator_load_s": inproc["load"],
        "wires": len(w),
        "out": w[1],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000, help="number of chained Poseidon(2) hashes")
    ap.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    ap.add_argument("--skip-circom", action="store_true", help="only our side")
    ap.add_argument("--rebuild-circom", action="store_true", help="recompile circom's WASM and time it")
    args = ap.parse_args()

    expect = INPUT[0]
    for _ in range(args.n):
        expect = native_poseidon([expect, INPUT[1]])
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp)
        mine = ours(args.n, files)
        if mine["out"] != expect:
            raise SystemExit("our chain output differs from the native Poseidon chain")
        theirs = None if args.skip_circom else circom(args.n, args.rebuild_circom, files)
    if theirs is not None and theirs["out"] != expect:
        raise SystemExit("circom's chain output differs from the native Poseidon chain")

    figures: dict[str, object] = {
        "n_hashes": args.n,
        "threads": os.cpu_count(),
        "ours": mine,
        "circom": theirs,
    }
    print(
        f"chain of {args.n} Poseidon(2): {mine['constraints']:,} constraints, {mine['wires']:,} wires, {mine['terms']:,} terms"
    )
    print(
        f"ours   compile {mine['compile_s']:.2f} s (build {mine['build_s']:.2f}, fold+stamp {mine['fold_s']:.2f}, "
        f"R1CS {mine['r1cs_s']:.2f}); .r1cs write {mine['write_r1cs_s']:.2f} s"
    )
    print(
        f"ours   witness {mine['witness_s']:.3f} s (first run {mine['witness_first_s']:.3f}); check {mine['check_s']:.3f} s"
    )
    if theirs is not None:
        cached = " (cached from an earlier run)" if theirs["compile_cached"] else ""
        print(f"circom compile (circom2 --wasm) {theirs['compile_s']:.1f} s{cached}")
        print(
            f"circom witness: snarkjs wtns calculate {theirs['wtns_calculate_s']:.3f} s, "
            f"WASM calculator alone {theirs['calculator_s']:.3f} s (+ {theirs['calculator_load_s']:.3f} s load)"
        )
        ratios = {
            "witness_vs_wtns_calculate": theirs["wtns_calculate_s"] / mine["witness_s"],
            "witness_vs_calculator": theirs["calculator_s"] / mine["witness_s"],
            "compile_vs_circom2": theirs["compile_s"] / mine["compile_s"],
        }
        figures["ratios"] = ratios
        print(
            f"speed-up: witness {ratios['witness_vs_calculator']:.1f}x the WASM calculator, "
            f"{ratios['witness_vs_wtns_calculate']:.1f}x snarkjs wtns calculate; compile {ratios['compile_vs_circom2']:.0f}x circom2"
        )
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
