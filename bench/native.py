"""Benchmark of the native BN254 core against MCL (PyPI `mclbn256`), measured side by side.

    .venv/bin/python bench/native.py [--json] [--quick] [--reps N]

Run it under the shared lock so figures are not polluted: `flock /tmp/zkclear-cpu.lock ...`.
Figures (best of --reps runs):
  Fr mul (ns/op, chained products in a native loop), Fq inversion (ns/op: the variable-time
  safegcd over 10,000 values in one call, against the constant-time Fermat a^(p-2) called once per
  value with the cost of an empty cffi call subtracted; no MCL peer: its C API inverts one element
  per call), G1 MSM at 2^16/2^18/2^20 points with random
  scalars and with circom-like witness scalars, G2 MSM at 2^16, NTT at 2^20, one pairing.
MCL runs on the same inputs in a child process (its mclBnG1_mulVec was seen to crash above about
2^17 points: a crash is reported, not fatal), initialised on BN_SNARK1 (= BN254/alt_bn128), and
its MSM results are checked against ours.  MCL has no native-loop Fr product nor an NTT in its C
API, so those rows have no peer.  --quick stops at 2^18 points.
The sequencer's per-order native work is timed on one thread, per item of a batched call from
Python: Poseidon(2)/(5)/(10) (`poseidon_many`) and EdDSA-Poseidon verification (`verify_many`,
its own Poseidon(5) of R8, A, msg included, the message hash not), against circomlibjs
(node_modules, timed inside node over many calls).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# numpy's OpenBLAS pool would otherwise spin threads beside the native ones being timed
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# `python bench/native.py` puts bench/ first on the path, where this file would shadow the package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from native import curve as nc
from native._lib import ffi, lib
from native.constants import FQ_MODULUS, FR_MODULUS
from native.fields import FR

R = FR_MODULUS
SEED = 20240601
# circom-like witness: mostly booleans and small integers, a few field-sized values
WITNESS_MIX = {"zero": 0.30, "one": 0.40, "minus_one": 0.05, "small_u32": 0.15, "random": 0.10}


# ---- inputs (deterministic, so the MCL child rebuilds exactly the same ones) -------------------------
def random_scalars(rng: np.random.Generator, n: int) -> np.ndarray:
    """n uniform-ish scalars below r as a (n, 4) uint64 array (top limb drawn below r's)."""
    limbs = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    limbs[:, 3] = rng.integers(0, R >> 192, size=n, dtype=np.uint64)
    return limbs


def witness_scalars(rng: np.random.Generator, n: int) -> np.ndarray:
    out = random_scalars(rng, n)
    kinds = rng.choice(len(WITNESS_MIX), size=n, p=list(WITNESS_MIX.values()))
    out[kinds == 0] = 0
    out[kinds == 1] = [1, 0, 0, 0]
    out[kinds == 2] = [(R - 1) >> (64 * i) & (2**64 - 1) for i in range(4)]
    small = kinds == 3
    out[small] = 0
    out[small, 0] = rng.integers(0, 2**32, size=int(small.sum()), dtype=np.uint64)
    return out


def points(group: Any, n: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    s, d = (int(rng.integers(1, 2**62)) for _ in range(2))
    return group.progression(group.mul(group.generator, s), group.mul(group.generator, d), n)


def inputs(group_name: str, n: int, kind: str) -> tuple[bytes, np.ndarray]:
    group = nc.G1 if group_name == "G1" else nc.G2
    rng = np.random.default_rng([SEED, n, len(kind)])
    scalars = random_scalars(rng, n) if kind == "random" else witness_scalars(rng, n)
    return points(group, n, SEED + n), scalars


def best_of(reps: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(reps):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


# ---- MCL, in a child process ---------------------------------------------------------------------------
def _mcl_lib() -> Any:
    import mclbn256.mclbn256 as mcl

    if mcl.lib.mclBn_init(4, 44) != 0:  # MCL_BN_SNARK1: the alt_bn128 curve
        raise RuntimeError("mclBn_init(BN_SNARK1) failed")
    return mcl.lib


def _mcl_points(lem: bytes, n: int, degree: int) -> np.ndarray:
    """LEM affine points to MCL's Jacobian structs: MCL keeps coordinates in the same Montgomery form."""
    width = 8 * degree
    aff = np.frombuffer(lem, dtype=np.uint64).reshape(n, width)
    out = np.zeros((n, width + 4 * degree), dtype=np.uint64)
    out[:, :width] = aff
    one = (2**256 % FQ_MODULUS).to_bytes(32, "little")
    out[:, width : width + 4] = np.frombuffer(one, dtype=np.uint64)
    out[~aff.any(axis=1), width:] = 0  # infinity: Z = 0
    return out


def _mcl_msm(group_name: str, n: int, kind: str, reps: int) -> dict[str, Any]:
    import ctypes

    mcl = _mcl_lib()
    degree = 1 if group_name == "G1" else 2
    pts, scalars = inputs(group_name, n, kind)
    mp_pts = _mcl_points(pts, n, degree)
    mont = np.frombuffer(bytes(FR.vec_to_mont(scalars.tobytes())), dtype=np.uint64).copy()
    out = (ctypes.c_uint64 * (12 * degree))()
    fn = mcl.mclBnG1_mulVec if degree == 1 else mcl.mclBnG2_mulVec
    norm = mcl.mclBnG1_normalize if degree == 1 else mcl.mclBnG2_normalize
    ptr_p = mp_pts.ctypes.data_as(ctypes.c_void_p)
    ptr_s = mont.ctypes.data_as(ctypes.c_void_p)
    secs, _ = best_of(reps, lambda: fn(out, ptr_p, ptr_s, n))
    norm(out, out)
    raw = bytes(out)
    if not any(raw[64 * degree :]):  # Z = 0
        raw = bytes(64 * degree)
    return {"seconds": secs, "lem": raw[: 64 * degree].hex()}


def _mcl_pairing(reps: int) -> dict[str, Any]:
    import ctypes

    mcl = _mcl_lib()
    p = (ctypes.c_uint64 * 12)()
    q = (ctypes.c_uint64 * 24)()
    e = (ctypes.c_uint64 * 48)()
    g1 = np.frombuffer(_mcl_points(nc.G1.to_lem(nc.G1.generator), 1, 1).tobytes(), dtype=np.uint64)
    g2 = np.frombuffer(_mcl_points(nc.G2.to_lem(nc.G2.generator), 1, 2).tobytes(), dtype=np.uint64)
    ctypes.memmove(p, g1.ctypes.data, 96)
    ctypes.memmove(q, g2.ctypes.data, 192)
    loops = 50
    secs, _ = best_of(reps, lambda: [mcl.mclBn_pairing(e, p, q) for _ in range(loops)])
    return {"seconds": secs / loops}


def _child(conn: Any, job: str, args: tuple[Any, ...]) -> None:
    try:
        result = _mcl_msm(*args) if job == "msm" else _mcl_pairing(*args)
        conn.send(("ok", result))
    except Exception as exc:  # reported to the parent as a failed peer run
        conn.send(("error", f"{type(exc).__name__}: {exc}"))


def run_mcl(job: str, *args: Any, timeout: float = 900) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, job, args))
    proc.start()
    child.close()
    status, payload = "error", "no result"
    if parent.poll(timeout):
        with contextlib.suppress(EOFError):
            status, payload = parent.recv()
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.exitcode and proc.exitcode < 0:
        return {"error": f"crashed (signal {-proc.exitcode})"}
    if status != "ok":
        return {"error": str(payload)}
    return payload


# ---- our figures --------------------------------------------------------------------------------------
def fr_mul_ns(reps: int) -> float:
    acc = ffi.new("uint64_t[4]", [5, 6, 7, 8])
    b = ffi.new("uint64_t[4]", [0x1234567, 0x89ABCDEF, 0x1111, 0x2222])
    iters = 20_000_000
    secs, _ = best_of(reps, lambda: lib.zk_fr_mul_chain(acc, b, iters))
    return secs / iters * 1e9


def fq_inversion_ns(reps: int) -> tuple[float, float, bool]:
    """ns per Fq inversion, safegcd and Fermat, and whether the two agree."""
    n, n_fermat = 10_000, 1_000
    vals = random_scalars(np.random.default_rng([SEED, 7]), n)  # below r < p: canonical in Fq
    src = ffi.from_buffer("uint64_t[]", vals)
    out = ffi.new("uint64_t[]", 4 * n)
    secs, _ = best_of(reps, lambda: lib.zk_fq_inv_var(out, src, n))
    safegcd_ns = secs / n * 1e9

    exp = ffi.new("uint64_t[4]", [(FQ_MODULUS - 2) >> (64 * i) & (2**64 - 1) for i in range(4)])
    fermat_out = ffi.new("uint64_t[]", 4 * n_fermat)
    pairs = [(fermat_out + 4 * i, src + 4 * i) for i in range(n_fermat)]

    def fermat() -> None:
        for dst, a in pairs:
            lib.zk_fq_pow(dst, a, exp, 4)

    def empty_calls() -> None:
        for _, a in pairs:
            lib.zk_fq_check(a, 0)

    fermat_secs, _ = best_of(reps, fermat)
    call_secs, _ = best_of(reps, empty_calls)
    fermat_ns = (fermat_secs - call_secs) / n_fermat * 1e9
    agree = bytes(ffi.buffer(fermat_out)) == bytes(ffi.buffer(out, 32 * n_fermat))
    return safegcd_ns, fermat_ns, agree


def our_msm(group_name: str, n: int, kind: str, reps: int) -> tuple[float, bytes]:
    from native import msm as nm

    group = nc.G1 if group_name == "G1" else nc.G2
    fn = nm.msm_g1 if group_name == "G1" else nm.msm_g2
    pts, scalars = inputs(group_name, n, kind)
    secs, res = best_of(reps, lambda: fn(pts, scalars))
    return secs, group.to_lem(res)


def our_ntt(log_n: int, reps: int) -> float:
    from native import ntt as cn

    rng = np.random.default_rng(SEED)
    base = random_scalars(rng, 1 << log_n)
    buf = base.copy()
    best = float("inf")
    for _ in range(reps):
        buf[:] = base
        t = time.perf_counter()
        cn.ntt(buf)
        best = min(best, time.perf_counter() - t)
    return best


def our_pairing(reps: int) -> float:
    ps = ffi.from_buffer("uint64_t[]", bytearray(nc.G1.to_lem(nc.G1.generator)))
    qs = ffi.from_buffer("uint64_t[]", bytearray(nc.G2.to_lem(nc.G2.generator)))
    out = ffi.new("uint64_t[48]")
    loops = 50
    secs, _ = best_of(reps, lambda: [lib.zk_pairing_product(out, ps, qs, 1) for _ in range(loops)])
    return secs / loops


# ---- per-order work: Poseidon and EdDSA vs circomlibjs -------------------------------------------------
CIRCOMLIBJS_PEER = r"""
import { buildPoseidon, buildEddsa } from "circomlibjs";
const n = Number(process.argv[1] || 500);
const poseidon = await buildPoseidon();
const eddsa = await buildEddsa();
const F = poseidon.F;
const out = {};
for (const arity of [2, 5, 10]) {
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(Array.from({ length: arity }, (_, j) => BigInt(i * 1000003 + j * 7919 + 1)));
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    for (const row of rows) poseidon(row);
    best = Math.min(best, performance.now() - t);
  }
  out[`poseidon${arity}`] = best / 1000 / n;
}
const sigs = [];
const m = Math.max(20, Math.floor(n / 5));
for (let i = 0; i < m; i++) {
  const prv = Buffer.alloc(32, i + 1);
  const msg = F.e(BigInt(i) * 123456789n + 1n);
  sigs.push([msg, eddsa.signPoseidon(prv, msg), eddsa.prv2pub(prv)]);
}
let best = Infinity, ok = 0;
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  ok = 0;
  for (const [msg, sig, pub] of sigs) ok += eddsa.verifyPoseidon(msg, sig, pub) ? 1 : 0;
  best = Math.min(best, performance.now() - t);
}
out.eddsa_verify = best / 1000 / m;
out.eddsa_valid = ok === m;
console.log(JSON.stringify(out));
"""


def circomlibjs_peer(n: int) -> dict[str, Any]:
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        return {"error": "node not found"}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [node, "--input-type=module", "-e", CIRCOMLIBJS_PEER, str(n)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["node failed"])[-1][:80]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def one_thread(fn: Callable[[], Any]) -> Any:
    """Run fn with the native thread pool at one thread (the figures are single-core)."""
    before = lib.zk_num_threads()
    lib.zk_set_num_threads(1)
    try:
        return fn()
    finally:
        lib.zk_set_num_threads(before)


def our_poseidon(arity: int, n: int, reps: int) -> float:
    from native.poseidon import poseidon_many

    rng = np.random.default_rng([SEED, arity])
    rows = [[int(x) for x in rng.integers(0, 2**62, size=arity)] for _ in range(n)]
    secs, _ = one_thread(lambda: best_of(reps, lambda: poseidon_many(rows)))
    return secs / n


def our_eddsa(n: int, reps: int) -> tuple[float, bool]:
    from circuits.primitives import eddsa as ref
    from native.eddsa import verify_many

    pubs, msgs, sigs = [], [], []
    for i in range(n):
        prv = (i + 1).to_bytes(32, "little")
        msg = i * 123456789 + 1
        pubs.append(ref.prv2pub(prv))
        msgs.append(msg)
        sigs.append(ref.sign(prv, msg))
    secs, ok = one_thread(lambda: best_of(reps, lambda: verify_many(pubs, msgs, sigs)))
    return secs / n, all(ok)


# ---- report -------------------------------------------------------------------------------------------
def fmt_time(secs: float | None) -> str:
    if secs is None:
        return "-"
    if secs >= 1:
        return f"{secs:.3f} s"
    if secs >= 1e-3:
        return f"{secs * 1e3:.1f} ms"
    return f"{secs * 1e6:.0f} us"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object of the figures last")
    ap.add_argument("--quick", action="store_true", help="stop at 2^18 points")
    ap.add_argument("--reps", type=int, default=3, help="runs per figure (best is kept)")
    args = ap.parse_args()
    reps = max(1, args.reps)
    threads = lib.zk_num_threads()
    figures: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "threads": threads, "platform": platform.platform()},
        "field_backend": "x86-64 MULX/ADX asm" if lib.zk_field_backend() else "portable C",
        "rows": [],
    }
    rows = figures["rows"]

    def row(
        name: str, ours: float | None, peer: dict[str, Any] | None = None, unit: str = "s", **extra: Any
    ) -> None:
        entry: dict[str, Any] = {"name": name, "ours": ours, "unit": unit, **extra}
        if peer is not None:
            entry["mcl"] = peer.get("seconds")
            if "error" in peer:
                entry["mcl_error"] = peer["error"]
            if entry["mcl"] and ours:
                entry["speedup_vs_mcl"] = entry["mcl"] / ours
        rows.append(entry)
        if unit == "ns":
            ours_s, mcl_s = f"{ours:.1f} ns", "-"
        else:
            ours_s, mcl_s = fmt_time(ours), fmt_time(entry.get("mcl"))
        if "mcl_error" in entry:
            mcl_s = entry["mcl_error"]
        ratio = f"{entry['speedup_vs_mcl']:.2f}x" if "speedup_vs_mcl" in entry else ""
        note = " ".join(f"{k}={v}" for k, v in extra.items() if k not in ("agree",))
        if "agree" in extra:
            note += " results agree" if extra["agree"] else " RESULTS DIFFER"
        print(f"{name:<34} {ours_s:>12} {mcl_s:>28} {ratio:>8}  {note}", flush=True)

    print(f"zkclear native core vs MCL (mclbn256, BN_SNARK1); {threads} threads; best of {reps}")
    print(f"{'':<34} {'zkclear':>12} {'MCL':>28} {'speedup':>8}")
    row("Fr mul (chained, native loop)", fr_mul_ns(reps), unit="ns", target="<=20ns")
    safegcd_ns, fermat_ns, agree = fq_inversion_ns(reps)
    row(
        "Fq inversion (safegcd, var-time)",
        safegcd_ns,
        unit="ns",
        fermat_ns=round(fermat_ns, 1),
        speedup_vs_fermat=f"{fermat_ns / safegcd_ns:.1f}x",
        agree=agree,
    )

    sizes = [16, 18] if args.quick else [16, 18, 20]
    for log_n in sizes:
        n = 1 << log_n
        for kind in ("random", "witness"):
            secs, lem = our_msm("G1", n, kind, reps)
            peer = run_mcl("msm", "G1", n, kind, reps)
            agree = {"agree": peer["lem"] == lem.hex()} if "lem" in peer else {}
            row(f"G1 MSM 2^{log_n} {kind}", secs, peer, **agree)
    secs, lem = our_msm("G2", 1 << 16, "random", reps)
    peer = run_mcl("msm", "G2", 1 << 16, "random", reps)
    row("G2 MSM 2^16 random", secs, peer, **({"agree": peer["lem"] == lem.hex()} if "lem" in peer else {}))
    row("NTT 2^20 (forward)", our_ntt(20, reps))
    row("pairing (one)", our_pairing(reps), run_mcl("pairing", reps))

    n_hash = 400 if args.quick else 2000
    js = circomlibjs_peer(n_hash // 4)
    print(
        f"\nper-order work, one thread, per item of a batched call; peer: circomlibjs in node ({n_hash:,} items)"
    )
    targets = {2: 6e-6, 5: None, 10: 25e-6}
    for arity in (2, 5, 10):
        ours = our_poseidon(arity, n_hash, reps)
        peer = js.get(f"poseidon{arity}")
        extra: dict[str, Any] = {"target": f"<={targets[arity] * 1e6:.0f}us"} if targets[arity] else {}
        rows.append({"name": f"Poseidon({arity})", "ours": ours, "unit": "s", "circomlibjs": peer, **extra})
        ratio = f"{peer / ours:.1f}x" if peer else js.get("error", "")
        print(
            f"{'Poseidon(' + str(arity) + ')':<34} {ours * 1e6:>9.1f} us {(peer or 0) * 1e6:>25.1f} us {ratio:>8}"
        )
    ours, ok = our_eddsa(n_hash // 4, reps)
    peer = js.get("eddsa_verify")
    rows.append(
        {
            "name": "EdDSA-Poseidon verify",
            "ours": ours,
            "unit": "s",
            "circomlibjs": peer,
            "valid": ok,
            "target": "<=60us",
        }
    )
    ratio = f"{peer / ours:.0f}x" if peer else js.get("error", "")
    print(
        f"{'EdDSA-Poseidon verify':<34} {ours * 1e6:>9.1f} us {(peer or 0) * 1e6:>25.1f} us {ratio:>8}  all valid={ok}"
    )

    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
