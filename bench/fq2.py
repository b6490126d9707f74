"""Fq2 arithmetic and the G2 MSM it dominates: fq2_mul latency/throughput and a 2^16 G2 MSM.

Run under the shared lock: `flock /tmp/zkclear-cpu.lock .venv/bin/python bench/fq2.py [--reps N]
[--log-n K] [--json]`.  Prints min and median over the runs (the machine is shared and noisy, so
compare minima); with --json the last line is one JSON object.  The MSM uses all cores (ZK_THREADS
overrides); the fq2_mul figures are single-threaded native loops.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# `python bench/fq2.py` puts bench/ first on the path, where bench/native.py would shadow the package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from native import curve as nc
from native import msm as nm
from native._lib import ffi, lib
from native.constants import FQ_MODULUS, FR_MODULUS

SEED = 20240601


def timings(
    reps: int, fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    out = []
    for _ in range(reps):
        t = clock()
        fn()
        out.append(clock() - t)
    return out


def g2_inputs(n: int) -> tuple[bytes, np.ndarray]:
    """n distinct G2 points (an arithmetic progression) and n uniform scalars below r."""
    rng = np.random.default_rng([SEED, n])
    s, d = (int(rng.integers(1, 2**62)) for _ in range(2))
    g = nc.G2
    pts = g.progression(g.mul(g.generator, s), g.mul(g.generator, d), n)
    limbs = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    limbs[:, 3] = rng.integers(0, FR_MODULUS >> 192, size=n, dtype=np.uint64)
    return pts, limbs


def fq2_operands(n: int) -> tuple[bytes, bytes]:
    """Two buffers of n random canonical Fq2 elements (valid Montgomery residues too)."""
    rng = np.random.default_rng([SEED, 2, n])
    vals = [int.from_bytes(rng.bytes(32), "little") % FQ_MODULUS for _ in range(4 * n)]
    raw = b"".join(v.to_bytes(32, "little") for v in vals)
    return raw[: 64 * n], raw[64 * n :]


def fq2_mul_latency_ns(reps: int, iters: int = 5_000_000) -> list[float]:
    a, b = fq2_operands(1)
    acc = ffi.from_buffer("uint64_t[]", bytearray(a))
    bb = ffi.from_buffer("uint64_t[]", bytearray(b))
    return [t / iters * 1e9 for t in timings(reps, lambda: lib.zk_fq2_mul_chain(acc, bb, iters))]


def fq2_mul_throughput_ns(reps: int, n: int = 1024, rounds: int = 4000) -> list[float]:
    a, b = fq2_operands(n)
    ab = ffi.from_buffer("uint64_t[]", bytearray(a))
    bb = ffi.from_buffer("uint64_t[]", bytearray(b))
    out = ffi.new("uint64_t[]", 8 * n)

    def run() -> None:
        for _ in range(rounds):
            lib.zk_fq2_mul_many(out, ab, bb, n)

    return [t / (n * rounds) * 1e9 for t in timings(reps, run)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--log-n", type=int, default=16)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--msm-only", action="store_true")
    args = ap.parse_args()

    result: dict[str, object] = {"backend": "adx" if lib.zk_field_backend() else "portable"}
    if not args.msm_only:
        for name, fn in (
            ("fq2_mul_latency_ns", fq2_mul_latency_ns),
            ("fq2_mul_throughput_ns", fq2_mul_throughput_ns),
        ):
            xs = fn(args.reps)
            result[name] = {"min": round(min(xs), 2), "median": round(statistics.median(xs), 2)}
            print(f"{name:24s} min {min(xs):7.2f}  median {statistics.median(xs):7.2f}")
    n = 1 << args.log_n
    pts, scalars = g2_inputs(n)
    nm.msm_g2(pts, scalars)  # warm-up (page faults, thread pool)
    key = f"g2_msm_2^{args.log_n}"
    # wall time, and the CPU time of all threads (less sensitive to a core taken by someone else)
    for suffix, clock in (("_ms", time.perf_counter), ("_cpu_ms", time.process_time)):
        xs = [t * 1e3 for t in timings(args.reps, lambda: nm.msm_g2(pts, scalars), clock)]
        result[key + suffix] = {"min": round(min(xs), 1), "median": round(statistics.median(xs), 1)}
        print(f"{key + suffix:24s} min {min(xs):7.1f}  median {statistics.median(xs):7.1f}")
    res = nc.G2.to_lem(nm.msm_g2(pts, scalars)).hex()[:16]
    result["g2_msm_result_prefix"] = res
    print(f"{'g2_msm result':24s} {res}")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
