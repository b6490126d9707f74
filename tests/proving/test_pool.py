"""The prover pool on a real Dask cluster started here (a `dask scheduler` process and `zkclear
prover-worker` processes on 127.0.0.1), with a real node `--prover-scheduler` (4-slot shape, the
cached test key; the workers find it by its sha256 in the node's key folder):
- batches proven on the workers, each row `proven` with a proof that verifies, all in order at the
  end; a worker killed (SIGKILL) mid-job: Dask runs the job again, the batch is proven once;
- bad workers (tests.proving.evil_worker): one that never returns (the job is cancelled at its
  deadline and sent elsewhere), one whose proofs are corrupted (each rejected by the node and
  recorded with that worker's address); the job ends on an honest worker;
- the node killed (-9) with jobs in flight, then restarted: the in-flight jobs are dispatched again
  from the job table, nothing proven before is proved again, nothing is lost;
- a worker answering with a pickle that would run code when loaded: refused unread."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from distributed import Client

from client.http import AsyncClient
from sequencer.proving.pool import ProverPool
from sequencer.proving.task import ProofTask, prove_task
from tests.node.harness import fund, kill9, run, running_node, spawn_node
from tests.node.test_metrics import scrape
from tests.proving.cluster import Cluster, cluster
from tests.proving.lib import SLOTS, all_proven, check_proven, check_restarted, rows, traffic

PROVER = {"batch_slots": SLOTS, "prove": True, "prover_test_key": True}
TIMEOUT = 45  # the bad-workers test's job deadline: a hung worker's wait, and 2x+ an honest 4-slot proof here


def jobs(data_dir: Path) -> dict[int, tuple[str, int, str | None]]:
    """batch -> (state, attempts, worker) of the prove_job table."""
    conn = sqlite3.connect(data_dir / "journal.db")
    try:
        return {
            b: (s, a, w)
            for b, s, a, w in conn.execute("SELECT batch, state, attempts, worker FROM prove_job")
        }
    finally:
        conn.close()


def keys_folder(data_dir: Path) -> Path:
    """The node's key folder, which the workers on this machine share (filled at the node's start)."""
    keys = data_dir / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    return keys


async def more_batches(c: AsyncClient, n: int, first: int = 3) -> None:
    for i in range(first, first + n):
        await fund(c, i)  # one queue record per batch at 4 slots: a batch each


def test_batches_proven_on_workers_one_killed(tmp_path: Path) -> None:
    data = tmp_path / "node"
    with cluster(tmp_path) as cl:
        for name in ("w1", "w2"):
            cl.add_worker(keys_folder(data), name=name)
        workers = set(cl.wait_for_workers(2))

        async def main() -> tuple[int, str, int]:
            async with running_node(data, prover_scheduler=cl.address, **PROVER) as r:
                await traffic(r.client)
                await more_batches(r.client, 2)
                await r.node.close_batch()
                assert r.node.engine is not None and r.node.engine.batches.last is not None
                last = r.node.engine.batches.last.number
                killed = await kill_busy_worker(r, cl)
                await all_proven(r.client, last, timeout=400)
                health = (await r.client.health())["prover"]
                assert health["state"] == "ready" and health["pool"]["scheduler"] == cl.address
                assert not health["pool"]["embedded"] and health["pool"]["in_flight"] == 0
                assert health["pool"]["job_bytes"] is not None and health["pool"]["job_bytes"] < 20_000
                assert health["pool"]["workers"] == 2 and health["pool"]["threads"] == 2
                m = await scrape(r.url)
                assert m[("zkclear_prover_pool_workers", ())] == 2
                assert m[("zkclear_prover_jobs_in_flight", ())] == 0
                print(f"job bytes at {SLOTS} slots: {health['pool']['job_bytes']}")
                return last, *killed

        last, killed_addr, killed_batch = run(main())
    proven = rows(data)
    assert [b.number for b in proven] == list(range(last + 1))
    for row in proven:
        check_proven(data, row)
        assert row.info["prove_attempts"] == 1  # the killed job too: Dask ran it again by itself
    done = jobs(data)
    assert sorted(done) == list(range(last + 1)) and {s for s, _, _ in done.values()} == {"done"}
    on = {w for _, _, w in done.values()}
    assert on <= workers | {w for w in on if w and w.startswith("tcp://127.0.0.1:")}
    assert len(on) >= 2, on  # both workers proved (the killed one's nanny restarted it elsewhere)
    assert killed_addr in workers and 0 <= killed_batch <= last


async def kill_busy_worker(r: Any, cl: Cluster) -> tuple[str, int]:
    """SIGKILL a worker process while it runs a job; (its address, a batch then proving)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        proving = [b["number"] for b in await r.client.batches() if b["status"] == "proving"]
        busy = await asyncio.to_thread(cl.busy_worker) if proving else None
        if busy is not None:
            os.kill(busy[1], signal.SIGKILL)
            return busy[0], proving[0]
        await asyncio.sleep(0.05)
    raise AssertionError("no worker was ever busy")


def test_bad_workers_hung_and_corrupt(tmp_path: Path) -> None:
    """A worker that never returns, then one whose proofs are corrupted, then an honest one."""
    data = tmp_path / "node"
    events: list[dict[str, Any]] = []
    evil = ("--preload", "tests.proving.evil_worker")
    with cluster(tmp_path) as cl:
        cl.add_worker(keys_folder(data), *evil, name="hang", env={"ZKCLEAR_EVIL_WORKER": "hang"})
        cl.wait_for_workers(1)
        hang = cl.worker_named("hang")

        def failures() -> list[dict[str, Any]]:
            return [e for e in events if e.get("status") == "closed" and e.get("prove_error")]

        async def until(what: str, cond: Any) -> None:
            deadline = time.monotonic() + 300
            while not cond():
                assert time.monotonic() < deadline, what
                await asyncio.sleep(0.2)

        async def watch(r: Any) -> None:
            async for ev in r.client.stream([{"channel": "batches"}]):
                events.append(ev)

        async def main() -> str:
            async with running_node(
                data, prover_scheduler=cl.address, prover_job_timeout_s=TIMEOUT, **PROVER
            ) as r:
                watcher = asyncio.create_task(watch(r))
                await fund(r.client, 1)
                await r.node.close_batch()
                await until("never dispatched", lambda: any(e.get("status") == "proving" for e in events))
                cl.add_worker(keys_folder(data), *evil, name="corrupt")  # joins while the job hangs
                await asyncio.to_thread(cl.wait_for_workers, 2)
                corrupt = await asyncio.to_thread(cl.worker_named, "corrupt")
                # the attempt after the hung one goes to the corrupting worker, the only one not avoided;
                # an honest worker joins meanwhile, for the attempt after the rejection
                await until("no second attempt", lambda: any(e.get("prove_attempts") == 2 for e in events))
                cl.add_worker(keys_folder(data), name="honest")
                await until(
                    "no proof was rejected", lambda: any("rejected" in e["prove_error"] for e in failures())
                )
                assert all(b["status"] != "proven" for b in await r.client.batches())
                await all_proven(r.client, 0, timeout=300)
                watcher.cancel()
                return corrupt

        corrupt = run(main())
    failed = failures()
    assert failed and {e["number"] for e in failed} == {0}
    hung = [e["prove_error"] for e in failed if f"no result within {TIMEOUT}s" in e["prove_error"]]
    assert hung and f"from worker {hang} (hung?); cancelled, worker restarted" in hung[0]
    rejected = [e["prove_error"] for e in failed if "rejected" in e["prove_error"]]
    assert rejected and all(f"the proof from worker {corrupt} was rejected" in e for e in rejected)
    assert all("does not verify" in e for e in rejected)
    row = rows(data)[0]
    check_proven(data, row)
    assert row.info["prove_worker"] not in (hang, corrupt) and row.info["prove_attempts"] == len(failed) + 1


def test_node_restarted_with_jobs_in_flight(tmp_path: Path) -> None:
    data = tmp_path / "node"
    args = ("--batch-slots", str(SLOTS), "--prove", "--prover-test-key", "--batch-max-age", "1")
    with cluster(tmp_path) as cl:
        for name in ("w1", "w2"):
            cl.add_worker(keys_folder(data), name=name)
        cl.wait_for_workers(2)
        proc, url = spawn_node(data, *args, "--prover-scheduler", cl.address)
        try:

            async def first() -> tuple[int, dict[int, Any], list[int]]:
                async with AsyncClient(url) as c:
                    await traffic(c)
                    await more_batches(c, 3)
                    await asyncio.sleep(1.5)  # the last open batch closes by age
                    deadline = time.monotonic() + 300
                    while time.monotonic() < deadline:
                        batches = await c.batches(limit=500)
                        status = {b["number"]: b["status"] for b in batches}
                        proving = sorted(n for n, s in status.items() if s == "proving")
                        if proving and "proven" in status.values():
                            proven = {b["number"]: b["proof"] for b in batches if b["status"] == "proven"}
                            return max(status), proven, proving
                        await asyncio.sleep(0.05)
                    raise AssertionError(f"never caught a job in flight after one proven: {status}")

            last, proven_before, in_flight = run(first())
            kill9(proc)
        finally:
            if proc.poll() is None:
                kill9(proc)
        assert all(rows(data)[n].status == "proving" for n in in_flight)
        assert all(jobs(data)[n][0] == "running" for n in in_flight)

        proc, url = spawn_node(data, *args, "--prover-scheduler", cl.address)
        try:

            async def second() -> None:
                async with AsyncClient(url) as c:
                    await all_proven(c, last, timeout=400)

            run(second())
        finally:
            kill9(proc)
    after = check_restarted(data, last, proven_before)
    done = jobs(data)
    assert {s for s, _, _ in done.values()} == {"done"} and sorted(done) == list(range(last + 1))
    for n in in_flight:  # dispatched again after the restart (a proof the first node never saw)
        assert after[n].info["prove_attempts"] == 2 and done[n][1] == 2


def test_a_worker_answer_is_never_unpickled(tmp_path: Path) -> None:
    """A worker that answers with a pickle whose loading runs code: the node's pool client reads
    answers as msgpack only, so it refuses the answer and nothing runs; a client with Dask's
    default deserializers would have run it (the trap is real)."""
    marker = tmp_path / "ran"
    task = ProofTask(0, "batch_s4_q1_w1_validium", "00" * 32, b"")
    with cluster(tmp_path) as cl:
        env = {"ZKCLEAR_EVIL_WORKER": "pickle", "ZKCLEAR_EVIL_MARKER": str(marker)}
        cl.add_worker(
            keys_folder(tmp_path / "node"), "--preload", "tests.proving.evil_worker", name="pickle", env=env
        )
        cl.wait_for_workers(1)

        async def main() -> None:
            pool = await ProverPool.connect(cl.address)
            try:
                await pool.refresh()
                with pytest.raises(TypeError, match="deserialize"):
                    await pool.result(pool.submit(task, 1, set()))
                assert not marker.exists()
            finally:
                await pool.close()
            async with Client(cl.address, asynchronous=True) as naive:
                await naive.submit(prove_task, task, pure=False)
            assert marker.exists()

        asyncio.run(main())
