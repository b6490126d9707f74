"""Restart rebuilds the exact state: same digest (books, pending batch, everything), same roots,
from a snapshot plus the journal tail, and from the journal alone (genesis replay)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sequencer.journal import SnapshotDir, Store
from sequencer.node.defaults import devnet_config
from sequencer.node.engine import Engine
from tests.node.harness import BTC, BTC_PRICE, BUY, ETH, SELL, fund, run, running_node, set_price


def replay_from_genesis(journal: Path, upto: int | None = None) -> Engine:
    engine = Engine(devnet_config())
    store = Store(journal)
    for entry in store.entries(upto=upto):
        engine.replay(entry)
    store.close()
    return engine


async def trade_some(r: Any, rounds: int) -> None:
    c = r.client
    ws = [await fund(c, i) for i in range(1, 5)]
    await set_price(c, "BTC-USD", BTC_PRICE)
    await set_price(c, "ETH-USD", 300_000)
    exp = int(time.time()) + 3600
    for k in range(rounds):
        for i, w in enumerate(ws):
            side = (i + k) % 2
            price = BTC_PRICE + (100 if side == SELL else -100) * (1 + (k % 3)) - 100 * (k % 2)
            await c.place_order(
                w.order(
                    market_id=BTC,
                    side=side,
                    price=price,
                    size=10 * (1 + i),
                    order_id=w.next_order_id(),
                    expiry=exp,
                )
            )
            await c.place_order(
                w.order(
                    market_id=ETH,
                    side=1 - side,
                    price=300_000 + 10 * (k % 5),
                    size=20,
                    order_id=w.next_order_id(),
                    expiry=exp,
                )
            )
        if k % 4 == 3:
            await r.node.close_batch()


async def fingerprint(r: Any) -> dict[str, Any]:
    c = r.client
    state = await c.request("GET", "/v1/state")
    return {
        "state": state,
        "books": [await c.book(m, depth=100) for m in ("BTC-USD", "ETH-USD")],
        "trades": await c.trades("BTC-USD", limit=1000),
        "batches": await c.batches(),
        "pending": len(r.node.engine.ex.pending),
    }


def test_restart_rebuilds_exact_state(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path, snapshot_every=13, batch_max_ops=7, batch_slots=10_000) as r:
            await trade_some(r, 10)
            before = await fingerprint(r)
        assert before["state"]["open_batch"]["n_ops"] > 0 and before["pending"] > 0
        assert len(before["batches"]) >= 2
        assert len(SnapshotDir(tmp_path / "snapshots").seqs()) == 2
        async with running_node(tmp_path, snapshot_every=13, batch_max_ops=7, batch_slots=10_000) as r:
            after = await fingerprint(r)
            assert r.node.replayed < 13  # rebuilt from the snapshot written at shutdown plus a short tail
        assert after == before
        # without any snapshot: the journal alone rebuilds the same state
        for p in (tmp_path / "snapshots").iterdir():
            p.unlink()
        async with running_node(tmp_path) as r:
            assert r.node.replayed == before["state"]["last_seq"]
            assert await fingerprint(r) == before
        engine = replay_from_genesis(tmp_path / "journal.db")
        assert engine.ex.digest() == before["state"]["digest"]
        assert str(engine.ex.current_root()) == before["state"]["current_root"]

    run(main())


def test_data_dir_of_another_genesis_is_refused(tmp_path: Path) -> None:
    import pytest

    from sequencer.journal import JournalError
    from sequencer.node.config import NodeConfig
    from sequencer.node.service import Node

    async def main() -> None:
        async with running_node(tmp_path) as r:
            await fund(r.client, 1)
        node = Node(NodeConfig(data_dir=tmp_path), devnet_config(funding_interval_s=60))
        with pytest.raises(JournalError, match="another genesis"):
            await node.start()

    run(main())


def test_continuing_after_restart_keeps_nonces(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a = await fund(c, 1)
            await set_price(c, "BTC-USD", BTC_PRICE)
            o = a.order(
                market_id=BTC,
                side=BUY,
                price=BTC_PRICE,
                size=10,
                order_id=a.next_order_id(),
                expiry=int(time.time()) + 600,
            )
            await c.place_order(o)
        async with running_node(tmp_path) as r:
            from client.http import NodeError

            try:
                await r.client.place_order(o)
                raise AssertionError("a replayed order was accepted twice")
            except NodeError as err:
                assert err.code == "stale_nonce"
            assert (await r.client.book("BTC-USD"))["bids"] == [[str(BTC_PRICE), "10"]]

    run(main())
