"""GET /v1/devnet/latency: every accepted operation is stamped through its stages (decode, verify,
apply, durable, respond), one by one or in a batch; the window resets on request.  Never asserts how long anything took."""

from __future__ import annotations

from pathlib import Path

from sequencer.node.latency import STAGES
from tests.node.harness import BTC_PRICE, ask_ladder, fund, run, running_node, set_price


def test_stage_samples_cover_every_accepted_order(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a = await fund(c, 1)
            await set_price(c, "BTC-USD", BTC_PRICE)
            await c.request("GET", "/v1/devnet/latency", params={"reset": "1"})

            await c.place_order(ask_ladder(a, range(1, 2))[0])
            results = await c.place_orders(ask_ladder(a, range(2, 22)))
            assert all(x["ok"] for x in results), results
            lat = await c.request("GET", "/v1/devnet/latency")
            for stage in STAGES:
                assert lat["stages"][stage]["count"] == 21, stage
            s = lat["stages"]
            assert s["total"]["max_ms"] >= s["durable"]["max_ms"] >= 0
            assert s["total"]["max_ms"] >= s["verify"]["max_ms"] >= 0
            assert lat["stalls"]["sigcheck_thread"]["count"] >= 1
            assert lat["stalls"]["journal_commit_thread"]["count"] >= 1
            assert lat["counts"]["group_ops"]["count"] >= 2

            await c.request("GET", "/v1/devnet/latency", params={"reset": "1"})
            lat = await c.request("GET", "/v1/devnet/latency")
            assert all(lat["stages"][stage]["count"] == 0 for stage in STAGES)

    run(main())
