"""Proving throughput, in process and on Dask distributed workers (issue 18):

    .venv/bin/python bench/proving.py [--slots 48] [--jobs 2] [--json]
    (under the CPU lock: flock /tmp/zkclear-cpu.lock .venv/bin/python bench/proving.py)

One batch of the node's default shape (`--slots`, validium, the node's queue and withdrawal
counts) filled with TRADE steps (bench/batch.py's `trade_batch`: slots/2 trades), proven under the
shape's deterministic test key (sequencer.batch_keys, cached under build/batch-keys; made once,
minutes at 48 slots) in three ways:
- in process: solve and prove here, the native prover on every core (what one machine does
  without a pool);
- Dask, 1 worker: a LocalCluster of one worker process with one task thread, its proofs on one
  core (`ProverPlugin(zk_threads=1)`), jobs sent through the node's own `ProverPool`;
- Dask, 2 workers: the same with two single-threaded worker processes.
Each Dask run first warms every worker (one job each, not timed: it compiles the circuit and opens
the key, once per worker process), then sends `--jobs` jobs per worker at once and times them to
the last result (throughput), then sends single jobs one after another: the scheduling overhead
per job is the client's submit-to-result time minus the worker's own solve-and-prove time. Bytes
per job: the pickled `ProofTask` (what travels to the worker) and the answer back (msgpack).
Peak RSS per worker process comes from the workers themselves.

Targets (issue 18): scheduling overhead under 2% of a proof; throughput growing at least 0.9x per
added single-threaded worker. From the per-core figure the script also prints how many machines
of this kind (2 cores) and of a 64-core prover box 1,000 trades proven per second would need.
With --json the last line is one JSON object of all figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgpack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from batch import trade_batch  # noqa: E402
from distributed import LocalCluster  # noqa: E402

from circuits.batch.batch import BatchCircuit, BatchShape  # noqa: E402
from native.engine import get_engine  # noqa: E402
from prover.formats.zkey import read_zkey  # noqa: E402
from prover.prove import prove  # noqa: E402
from sequencer.batch_keys import fixed_zkey_path  # noqa: E402
from sequencer.prover_inputs import circuit_inputs  # noqa: E402
from sequencer.proving.pool import ProverPool  # noqa: E402
from sequencer.proving.task import (  # noqa: E402
    ProofResult,
    ProofTask,
    ProverPlugin,
    encode_inputs,
    prove_task,
)

TARGET_OVERHEAD = 0.02
TARGET_SCALING = 0.9
GOAL_TRADES_PER_S = 1000.0


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it is not inherited across fork and exec,
    so a worker process reports its own)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_process(program: Any, zkey_path: Path, inputs: dict[str, Any], jobs: int) -> dict[str, Any]:
    zkey = read_zkey(zkey_path)
    times = []
    for _ in range(jobs):
        t = time.perf_counter()
        solved = program.solve(inputs, check=False)
        prove(zkey, solved.to_wtns(), get_engine())
        times.append(time.perf_counter() - t)
    zkey.close()
    return {
        "prove_s": [round(x, 2) for x in times],
        "per_proof_s": round(min(times), 2),
        "process_peak_rss_mb": round(peak_rss_mb()),
    }


async def on_dask(
    keys: Path, task: ProofTask, workers: int, jobs_per_worker: int, singles: int
) -> dict[str, Any]:
    async with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address="127.0.0.1:0",
        memory_limit=0,
        asynchronous=True,
        plugins={ProverPlugin(keys, zk_threads=1)},
    ) as cluster:
        pool = await ProverPool.connect(cluster.scheduler_address)
        try:
            addrs = sorted(await pool.refresh())
            assert len(addrs) == workers, addrs
            t = time.perf_counter()
            warm = [
                pool.client.submit(prove_task, task, key=f"warm-{i}", pure=False, workers=[a])
                for i, a in enumerate(addrs)
            ]
            first = [ProofResult.from_wire(a) for a in await pool.client.gather(warm)]
            warm_s = time.perf_counter() - t

            n = workers * jobs_per_worker
            t = time.perf_counter()
            futs = [pool.submit(task, attempt, set()) for attempt in range(n)]
            answers = await pool.client.gather(futs)
            results = [ProofResult.from_wire(a) for a in answers]
            wall = time.perf_counter() - t

            overheads, proofs = [], []
            for i in range(singles):
                t = time.perf_counter()
                answer, _ = await pool.result(pool.submit(task, 1000 + i, set()))
                res = ProofResult.from_wire(answer)
                total = time.perf_counter() - t
                overheads.append(total - res.prove_s)
                proofs.append(res.prove_s)
            rss = await pool.client.run(peak_rss_mb)
            return {
                "workers": workers,
                "jobs": n,
                "warm_up_s": round(warm_s, 1),
                "warm_up_worker_s": [r.prove_s for r in first],
                "wall_s": round(wall, 2),
                "worker_prove_s": sorted(round(r.prove_s, 2) for r in results),
                "jobs_per_s": n / wall,
                "single_job_prove_s": [round(x, 2) for x in proofs],
                "overhead_ms": [round(x * 1000, 1) for x in overheads],
                "overhead_share": max(o / p for o, p in zip(overheads, proofs, strict=True)),
                "worker_peak_rss_mb": sorted(round(v) for v in rss.values()),
                "result_bytes": len(msgpack.packb(answers[0])),
            }
        finally:
            await pool.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slots", type=int, default=48, help="batch size (default: the node's, 48)")
    ap.add_argument("--jobs", type=int, default=2, help="timed jobs per worker (default 2)")
    ap.add_argument("--singles", type=int, default=2, help="one-at-a-time jobs for the overhead (default 2)")
    ap.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    args = ap.parse_args()

    shape = BatchShape.default(args.slots)
    trades = args.slots // 2
    t = time.perf_counter()
    w, b, acc0, g0 = trade_batch(args.slots)
    program = BatchCircuit(shape).program
    ci = circuit_inputs(w.config, shape, b, acc0, g0)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    zkey_path = fixed_zkey_path(shape, program)
    t_key = time.perf_counter() - t
    with open(zkey_path, "rb") as fh:
        sha = hashlib.file_digest(fh, "sha256").hexdigest()
    task = ProofTask(0, shape.name, sha, encode_inputs(ci.inputs))
    print(
        f"{shape.name}: {program.n_constraints:,} constraints, {trades} trades; built in {t_build:.0f}s, key {t_key:.0f}s",
        flush=True,
    )

    inproc = in_process(program, zkey_path, ci.inputs, args.jobs)
    n_constraints = program.n_constraints
    del program, w, b  # the workers compile their own: free this process's copy first
    gc.collect()
    print(f"in process ({os.cpu_count()} cores): {inproc['per_proof_s']} s per proof", flush=True)
    with tempfile.TemporaryDirectory(prefix="zkclear-bench-proving-") as tmp:
        keys = Path(tmp)
        (keys / "batch.zkey").symlink_to(zkey_path)
        dask: dict[int, dict[str, Any]] = {}
        for n in (1, 2):
            dask[n] = asyncio.run(on_dask(keys, task, n, args.jobs, args.singles))
            d = dask[n]
            print(
                f"dask, {n} single-threaded worker(s): {d['jobs']} jobs in {d['wall_s']} s "
                f"({d['jobs_per_s'] * trades:.3f} trades/s), overhead {d['overhead_ms']} ms "
                f"({100 * d['overhead_share']:.2f}% of a proof), worker peak RSS {d['worker_peak_rss_mb']} MB",
                flush=True,
            )

    per_worker = dask[1]["jobs_per_s"] * trades  # trades/s of one single-threaded worker (one core)
    scaling = dask[2]["jobs_per_s"] / (2 * dask[1]["jobs_per_s"])
    proof_1core_s = min(dask[1]["worker_prove_s"])
    cores_for_goal = GOAL_TRADES_PER_S / (dask[2]["jobs_per_s"] * trades / 2)
    rss_max = max(dask[1]["worker_peak_rss_mb"] + dask[2]["worker_peak_rss_mb"])
    overhead_max = max(dask[1]["overhead_share"], dask[2]["overhead_share"])
    figures: dict[str, Any] = {
        "shape": shape.name,
        "constraints": n_constraints,
        "trades_per_batch": trades,
        "machine_cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "bytes_per_job": task.wire_bytes(),
        "inputs_bytes": len(task.inputs),
        "result_bytes": dask[1]["result_bytes"],
        "in_process": {**inproc, "trades_per_s": round(trades / inproc["per_proof_s"], 3)},
        "dask_1_worker": {**dask[1], "trades_per_s": round(per_worker, 3)},
        "dask_2_workers": {**dask[2], "trades_per_s": round(dask[2]["jobs_per_s"] * trades, 3)},
        "scaling_per_added_worker": round(scaling, 3),
        "overhead_share_max": round(overhead_max, 5),
        "proof_one_core_s": proof_1core_s,
        "worker_peak_rss_mb": rss_max,
        "cores_for_1000_trades_per_s": round(cores_for_goal),
        "machines_2_core_for_1000_trades_per_s": math.ceil(cores_for_goal / 2),
        "machines_64_core_for_1000_trades_per_s": math.ceil(cores_for_goal / 64),
        "memory_gb_per_64_core_machine": round(64 * rss_max / 1024, 1),
        "target_overhead_share": TARGET_OVERHEAD,
        "target_scaling": TARGET_SCALING,
        "meets_overhead_target": overhead_max < TARGET_OVERHEAD,
        "meets_scaling_target": scaling >= TARGET_SCALING,
    }
    for d in (figures["dask_1_worker"], figures["dask_2_workers"]):
        d["jobs_per_s"], d["overhead_share"] = round(d["jobs_per_s"], 5), round(d["overhead_share"], 5)
    print(
        f"bytes per job {figures['bytes_per_job']:,} (inputs {figures['inputs_bytes']:,}), back {figures['result_bytes']:,}; "
        f"scaling {scaling:.2f}x per added worker (target {TARGET_SCALING}); "
        f"1,000 trades/s needs ~{figures['cores_for_1000_trades_per_s']} cores: "
        f"{figures['machines_64_core_for_1000_trades_per_s']} machines of 64 cores "
        f"({figures['memory_gb_per_64_core_machine']} GB each at one proof per core)"
    )
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
