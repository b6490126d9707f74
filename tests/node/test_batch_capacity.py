"""The node closes a batch before an operation that would not fit the batch circuit (protocol.md
7.13), so every closed batch is provable at the configured size; nothing is refused for it."""

from __future__ import annotations

import time
from pathlib import Path

from protocol.pubdata.collect import steps_of
from protocol.slots import default_capacity, usage
from sequencer.cli.batch import replay_batch
from sequencer.journal import Store
from sequencer.node.defaults import devnet_config
from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, fund, run, running_node, set_price


async def _traffic(data_dir: Path) -> int:
    async with running_node(data_dir, batch_slots=8) as r:
        c = r.client
        ws = [await fund(c, i) for i in range(1, 5)]  # queue capacity 1: a batch per deposit
        await set_price(c, "BTC-USD", BTC_PRICE)
        exp = int(time.time()) + 3600
        await c.place_order(
            ws[0].order(market_id=BTC, side=SELL, price=BTC_PRICE, size=200, expiry=exp, order_id=1)
        )
        for k, w in enumerate(ws[1:] * 3):
            out = await c.place_order(
                w.order(market_id=BTC, side=BUY, price=BTC_PRICE, size=10, expiry=exp, order_id=1 + k)
            )
            assert out["fills"], out
        await r.node.close_batch()
        return r.node.engine.batches.last.number  # type: ignore[union-attr]


def test_every_closed_batch_fits_the_circuit(tmp_path: Path) -> None:
    last = run(_traffic(tmp_path))
    cap = default_capacity(8)
    store = Store(tmp_path / "journal.db")
    try:
        for n in range(last + 1):
            b, _, _ = replay_batch(devnet_config(), store, n)
            assert usage(steps_of(b.records)).fits(cap), n
    finally:
        store.close()
    assert last >= 5  # four deposits, an oracle update and nine trades cannot share fewer batches
