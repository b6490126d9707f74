"""A halted L1 queue watch shows: a real node (aiohttp, SQLite) on the in-process EVM credits an L1
deposit, then L1 reorgs past it (eth-tester's snapshot and revert, and another deposit in its
place) so the rollup's queue no longer chains to what the node consumed.  The watch halts
(protocol.md 7.12.1), GET /v1/health turns 503 with the `l1_queue` check failing on `l1_reorg`
(schema-valid), /metrics's `zkclear_l1_queue_halted` turns 1, and nothing more is applied."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from web3 import EthereumTesterProvider, Web3

from tests.l1.l1_lib import deploy_stack
from tests.l1.test_inprocess import USD, l1_node, until
from tests.node.harness import trader
from tests.node.test_metrics import health, scrape


def test_a_reorg_past_the_consumed_queue_fails_health(tmp_path: Path) -> None:
    provider = EthereumTesterProvider()
    w3 = Web3(provider)
    tester = provider.ethereum_tester
    assert tester is not None
    st = deploy_stack(w3, w3.eth.accounts[0], w3.eth.accounts[1])
    user = w3.eth.accounts[2]

    async def main() -> None:
        async with l1_node(tmp_path / "node", st.cfg, l1_web3=w3, rollup=st.rollup.address) as (node, c):
            doc = await c.request("GET", "/openapi.json")
            responses = doc["paths"]["/v1/health"]["get"]["responses"]

            def valid(status: int, body: Any) -> None:
                schema = responses[str(status)]["content"]["application/json"]["schema"]
                errors = [e.message for e in Draft202012Validator(schema).iter_errors(body)]
                assert not errors, (status, errors, body)

            assert node.l1 is not None and node.engine is not None
            ex = node.engine.ex
            status, body = await health(c.url)
            valid(status, body)
            assert status == 200
            assert {"name": "l1_queue", "ok": True, "detail": "reading the rollup's queue"} in body["checks"]
            before_deposit = tester.take_snapshot()
            st.deposit(user, trader(0).pub, 1_000 * USD)
            await until(lambda: ex.queue_next == 1)
            assert (await scrape(c.url))[("zkclear_l1_queue_halted", ())] == 0
            # the deposit's blocks are dropped; another deposit takes queue entry 0
            tester.revert_to_snapshot(before_deposit)
            st.deposit(user, trader(1).pub, 5 * USD)
            await until(lambda: node.l1 is not None and node.l1.halted is not None)
            status, body = await health(c.url)
            valid(status, body)
            assert status == 503 and body["error"]["code"] == "unavailable"
            failing = [ch for ch in body["error"]["details"]["checks"] if not ch["ok"]]
            assert [(ch["name"], ch.get("code")) for ch in failing] == [("l1_queue", "l1_reorg")]
            assert "queue hash before entry 1" in failing[0]["detail"]
            assert (await scrape(c.url))[("zkclear_l1_queue_halted", ())] == 1
            # halted for good: later entries are not applied
            st.deposit(user, trader(2).pub, 7 * USD)
            await asyncio.sleep(0.3)
            assert ex.queue_next == 1 and trader(2).pub not in ex.by_key

    asyncio.run(main())
