"""A real node with the prover stage on (4-slot shape, the fixed cached test key): deposits from
the devnet faucet, a trade and a withdrawal over HTTP; every batch becomes `proven` in order, each
proof verifies under the key's vk for the public input rebuilt from the row, the status changes
reach the `batches` stream, `GET /v1/batches` and `zkclear batches`; the embedded pool's worker
process killed mid-proof is restarted by its nanny and Dask runs the job again (proven once, one
attempt); a restarted node proves nothing again."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tests.node.harness import run, running_node
from tests.proving.lib import SLOTS, all_proven, check_proven, rows, traffic


def _cli(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", "from zkclear.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


async def cli(*args: str) -> str:
    """`zkclear ARGS` in a subprocess (the trader's side, talking HTTP to the node)."""
    return await asyncio.to_thread(_cli, *args)


async def kill_worker_while_proving(r: Any) -> int:
    """SIGKILL the embedded pool's worker process while a batch is `proving` (as the OOM killer
    would); returns that batch's number."""
    while True:
        proving = [b["number"] for b in await r.client.batches() if b["status"] == "proving"]
        pool = r.node.prover.pool
        if proving and pool is not None:
            pids = await pool.client.run(os.getpid)
            if pids:
                for pid in pids.values():
                    os.kill(pid, signal.SIGKILL)
                return proving[0]
        await asyncio.sleep(0.05)


PROVER = {"batch_slots": SLOTS, "prove": True, "prover_test_key": True}


def test_node_proves_its_batches(tmp_path: Path) -> None:
    events: list[dict[str, Any]] = []

    async def watch(r: Any) -> None:
        async for ev in r.client.stream([{"channel": "batches"}]):
            events.append(ev)

    async def main() -> tuple[int, int]:
        async with running_node(tmp_path, **PROVER) as r:
            watcher = asyncio.create_task(watch(r))
            health = await r.client.health()
            assert health["prover"]["state"] in ("loading", "ready")  # serving while it loads
            await traffic(r.client)
            await r.node.close_batch()
            assert r.node.engine is not None and r.node.engine.batches.last is not None
            last = r.node.engine.batches.last.number
            assert last >= 2  # two deposits (one queue record per batch), then the rest
            killed = await kill_worker_while_proving(r)
            listed = await all_proven(r.client, last)
            for b in listed:
                assert b["proof"] is not None and b["public_input"] is not None
                # Dask itself ran the killed worker's task again on the worker its nanny restarted:
                # one attempt of ours, no failure
                assert b["prove_attempts"] == 1 and b["prove_error"] is None
            doc = await r.client.request("GET", "/openapi.json")
            answers = [("/v1/batches", await r.client.request("GET", "/v1/batches"))]
            answers += [("/v1/health", health := await r.client.health())]
            for path, body in answers:
                schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
                    "schema"
                ]
                assert not list(Draft202012Validator(schema).iter_errors(body)), (path, body)
            stream = Draft202012Validator(doc["components"]["schemas"]["StreamEvent"])
            assert health["prover"]["state"] == "ready" and health["prover"]["last_proven"] == last
            table, listing = await asyncio.gather(
                cli("batches", "--node", r.url), cli("batches", "--node", r.url, "--json")
            )
            got = [(b["number"], b["status"]) for b in json.loads(listing)]
            assert got == [(b["number"], "proven") for b in listed]
            assert table.count("proven") == last + 1 and "yes (" in table
            await asyncio.sleep(0.3)
            watcher.cancel()
            for ev in events:
                assert not list(stream.iter_errors(ev)), ev
        return last, killed

    last, killed = run(main())
    proven = rows(tmp_path)
    assert [b.number for b in proven] == list(range(last + 1))
    for row in proven:
        check_proven(tmp_path, row)
    seen = {(e["number"], e["status"]) for e in events if e.get("type") == "batch"}
    for n in range(last + 1):
        assert (n, "proving") in seen and (n, "proven") in seen, (n, sorted(seen))
    failed = [e for e in events if e.get("type") == "batch" and e["status"] == "closed" and e["prove_error"]]
    assert failed == []
    assert rows(tmp_path)[killed].info["prove_worker"].startswith("tcp://127.0.0.1:")

    async def again() -> None:  # a restart finds everything proven: nothing is proved again
        async with running_node(tmp_path, **PROVER) as r:
            await asyncio.sleep(2)
            assert (await r.client.health())["prover"]["state"] in ("loading", "ready")

    run(again())
    assert [(b.number, b.info["proof"]) for b in rows(tmp_path)] == [
        (b.number, b.info["proof"]) for b in proven
    ]
