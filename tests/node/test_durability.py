"""Crash safety: the node runs as a subprocess under concurrent load (single and batched orders,
frequent batch closes and snapshots) and is killed with SIGKILL at random moments, many times.
After every restart each acknowledged order is in the journal exactly once, at the sequence number
its answer gave, the node's state equals a replay of its journal from genesis (digest and root),
and resubmitting an acknowledged order is refused as a stale nonce."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from client.http import AsyncClient, NodeError
from client.wallet import Wallet
from sequencer.journal import Store
from sequencer.node.journal_bodies import journal_op
from tests.node.harness import BTC, BTC_PRICE, fund, kill9, set_price, spawn_node
from tests.node.test_restart import replay_from_genesis

# A 5 ms fault delay before every COMMIT widens the window between "applied" and "durable" (as a
# slow disk would), so kills often land inside it: acknowledging before durability would be caught.
NODE_ARGS = (
    "--batch-max-ops", "25", "--snapshot-every", "40", "--key-rate", "0", "--address-rate", "0",
    "--fault-commit-delay-ms", "5",
)  # fmt: skip
TRADERS = 6


def random_order(
    rng: random.Random, w: Wallet, sent: dict[tuple[int, int], dict[str, Any]]
) -> dict[str, Any]:
    side = rng.randrange(2)
    offset = rng.randrange(-4, 5) * 100
    flags = 1 if rng.random() < 0.15 else 0  # some IOC
    body = w.order(
        market_id=BTC,
        side=side,
        price=BTC_PRICE + offset,
        size=10 * rng.randrange(1, 6),
        order_id=w.next_order_id(),
        expiry=int(time.time()) + 3600,
        flags=flags,
    )
    sent[(body["account_id"], body["order_id"])] = body
    return body


async def load_until_killed(
    url: str,
    wallets: list[Wallet],
    rng: random.Random,
    proc: Any,
    kill_after: float,
    sent: dict[tuple[int, int], dict[str, Any]],
) -> list[tuple[int, int, int]]:
    """Concurrent writers until the node is killed; returns (seq, account, order_id) of every ack."""
    acked: list[tuple[int, int, int]] = []
    client = AsyncClient(url, timeout=10)
    dead = asyncio.Event()

    async def writer(k: int) -> None:
        w = wallets[k % len(wallets)]
        while not dead.is_set():
            try:
                if rng.random() < 0.3:
                    orders = [random_order(rng, w, sent) for _ in range(rng.randrange(2, 12))]
                    results = await client.place_orders(orders)
                    for o, res in zip(orders, results, strict=True):
                        if res["ok"]:
                            acked.append((res["seq"], o["account_id"], o["order_id"]))
                else:
                    o = random_order(rng, w, sent)
                    try:
                        res = await client.place_order(o)
                    except NodeError as err:
                        if err.code == "unreachable":
                            raise
                        continue
                    acked.append((res["seq"], o["account_id"], o["order_id"]))
            except NodeError as err:
                if err.code == "unreachable" or dead.is_set():
                    return
                raise

    async def killer() -> None:
        await asyncio.sleep(kill_after)
        kill9(proc)
        dead.set()

    await asyncio.gather(killer(), *(writer(k) for k in range(8)))
    await client.close()
    return acked


def check(data_dir: Path, url: str, acked: list[tuple[int, int, int]], rng: random.Random) -> int:
    store = Store(data_dir / "journal.db")
    orders: Counter[tuple[int, int]] = Counter()
    at: dict[tuple[int, int], int] = {}
    for e in store.entries():
        if e.kind == "order":
            op = journal_op(e.kind, e.body)
            key = (op.msg.account_id, op.msg.order_id)
            orders[key] += 1
            at[key] = e.seq
    store.close()
    for seq, acct, oid in acked:
        assert orders[(acct, oid)] == 1, (
            f"acknowledged order {(acct, oid)} is in the journal {orders[(acct, oid)]} times"
        )
        assert at[(acct, oid)] == seq
    assert all(n == 1 for n in orders.values())
    return len(orders)


async def state_and_resubmit(url: str, sample: list[dict[str, Any]]) -> dict[str, Any]:
    async with AsyncClient(url) as c:
        state = await c.request("GET", "/v1/state")
        state["replayed"] = (await c.health())["replayed"]
        for o in sample:
            with pytest.raises(NodeError) as info:
                await c.place_order(o)
            assert info.value.code == "stale_nonce"
        return state


def crash_rounds(tmp_path: Path, rounds: int, seed: int) -> None:
    rng = random.Random(seed)
    data = tmp_path / "node"
    proc, url = spawn_node(data, *NODE_ARGS)

    async def setup() -> list[Wallet]:
        async with AsyncClient(url) as c:
            ws = [await fund(c, i, 1_000_000 * 1_000_000) for i in range(TRADERS)]
            await set_price(c, "BTC-USD", BTC_PRICE)
            return ws

    wallets = asyncio.run(setup())
    all_acked: list[tuple[int, int, int]] = []
    sent: dict[tuple[int, int], dict[str, Any]] = {}
    total_acked = 0
    from_snapshot = 0
    try:
        for _ in range(rounds):
            acked = asyncio.run(load_until_killed(url, wallets, rng, proc, rng.uniform(0.3, 1.5), sent))
            all_acked.extend(acked)
            total_acked += len(acked)
            proc, url = spawn_node(data, *NODE_ARGS)
            check(data, url, all_acked, rng)
            sample = [sent[(a, o)] for _, a, o in rng.sample(all_acked, min(5, len(all_acked)))]
            state = asyncio.run(state_and_resubmit(url, sample))
            # the node may close a batch on its timer meanwhile: compare at the seq it answered for
            replay = replay_from_genesis(data / "journal.db", upto=state["last_seq"])
            assert state["digest"] == replay.ex.digest()
            assert state["current_root"] == str(replay.ex.current_root())
            assert state["last_seq"] == replay.ex.seq + replay.ex.batch_number
            from_snapshot += state["replayed"] < state["last_seq"]
    finally:
        kill9(proc)
    assert total_acked > rounds * 10, "the load generator got too few acknowledgements to mean anything"
    assert from_snapshot > 0, "no restart used a snapshot (written by the forked snapshot child)"


def test_kill9_under_load_loses_no_acknowledged_order(tmp_path: Path) -> None:
    crash_rounds(tmp_path, rounds=6, seed=1)


@pytest.mark.slow
def test_kill9_soak(tmp_path: Path) -> None:
    crash_rounds(tmp_path, rounds=60, seed=2)
