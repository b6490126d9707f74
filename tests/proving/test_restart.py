"""Durability of the prover stage: a `zkclear node --prove` process killed (-9) while a batch is
`proving`, then restarted: every batch ends `proven`, none is lost, and none proven before the
kill is proved again (its proof, randomized per run, is unchanged); the batch that was `proving`
is proved again (its attempts count both).  And the follower, after a restart, starts from the
newest snapshot before the first batch it is asked for, giving the same circuit input as a replay
from genesis (and, in validium mode, the state diff that rollup mode publishes)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from circuits.batch.batch import BatchShape
from client.http import AsyncClient
from protocol.pubdata.batch import split, state_diff_hash
from protocol.pubdata.fields import Mode
from sequencer.journal import SnapshotDir
from sequencer.node.defaults import devnet_config
from sequencer.proving.follower import Follower
from tests.node.harness import fund, kill9, run, running_node, spawn_node
from tests.proving.lib import SHAPE, SLOTS, all_proven, check_restarted, rows, traffic

ARGS = ("--batch-slots", str(SLOTS), "--prove", "--prover-test-key", "--batch-max-age", "1")


def test_kill9_while_proving_then_restart(tmp_path: Path) -> None:
    proc, url = spawn_node(tmp_path, *ARGS)
    try:

        async def first() -> tuple[int, dict[int, object], int]:
            async with AsyncClient(url) as c:
                await traffic(c)
                for i in range(3, 5):
                    await fund(c, i)  # two more batches: one deposit each
                await asyncio.sleep(1.5)  # the last open batch closes by age
                deadline = time.monotonic() + 240
                while time.monotonic() < deadline:
                    batches = await c.batches(limit=500)
                    status = {b["number"]: b["status"] for b in batches}
                    proving = [n for n, s in status.items() if s == "proving"]
                    if proving and "proven" in status.values():
                        proven = {b["number"]: b["proof"] for b in batches if b["status"] == "proven"}
                        return max(status), proven, proving[0]
                    await asyncio.sleep(0.1)
                raise AssertionError(f"never caught a batch proving after one proven: {status}")

        last, proven_before, killed_at = run(first())
        kill9(proc)
    finally:
        if proc.poll() is None:
            kill9(proc)
    assert rows(tmp_path)[killed_at].status == "proving"  # the kill left it mid-proof

    proc, url = spawn_node(tmp_path, *ARGS)
    try:

        async def second() -> None:
            async with AsyncClient(url) as c:
                await all_proven(c, last)

        run(second())
    finally:
        kill9(proc)
    after = check_restarted(tmp_path, last, proven_before)
    assert after[killed_at].info["prove_attempts"] == 2


def test_follower_starts_from_a_snapshot(tmp_path: Path) -> None:
    async def main() -> tuple[int, int]:
        async with running_node(tmp_path, batch_slots=SLOTS) as r:
            await traffic(r.client)
            await r.node.close_batch()
            await fund(r.client, 3)  # batch k+1 begins ...
            await r.node.journal.flush()  # type: ignore[union-attr]
            r.node._snapshot(background=False)  # ... a snapshot inside it ...
            await fund(r.client, 4)  # ... and the next deposit makes batch k+2
            await r.node.close_batch()
            assert r.node.engine is not None and r.node.engine.batches.last is not None
            assert r.node.journal is not None
            return r.node.engine.batches.last.number, r.node.journal.last_seq

    last, _ = run(main())
    snaps = SnapshotDir(tmp_path / "snapshots").seqs()
    closes = [b.last_seq for b in rows(tmp_path)]
    inside = [s for s in snaps if closes[last - 2] < s < closes[last - 1]]
    assert inside, (snaps, closes)
    config = devnet_config()
    cold = Follower(config, tmp_path, SHAPE)
    cold.snapshots = SnapshotDir(tmp_path / "no-snapshots")  # forces a replay from genesis
    warm = Follower(config, tmp_path, SHAPE)
    try:
        a, b = cold.batch(last), warm.batch(last)
        assert cold.started_at == 0 and warm.started_at == inside[-1]
        assert (a.inputs, a.state_diff, a.state_diff_hash) == (b.inputs, b.state_diff, b.state_diff_hash)
        assert warm.batch(last - 2).number == last - 2  # behind its position: starts again ...
        assert warm.started_at == 0  # ... from genesis (no snapshot at or before batch last - 3's close)
        rollup = Follower(config, tmp_path, BatchShape.default(SLOTS, Mode.ROLLUP))
        try:  # validium's state diff is exactly the global and accounts sections rollup publishes
            r = rollup.batch(last)
            sec = split(Mode.ROLLUP, r.inputs.data)
            assert r.state_diff is None and sec.global_ is not None and sec.accounts is not None
            assert b.state_diff == sec.global_ + sec.accounts
            assert b.state_diff_hash == state_diff_hash(sec)
        finally:
            rollup.close()
    finally:
        cold.close()
        warm.close()
