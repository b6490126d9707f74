"""GET /metrics and GET /v1/health on a real node: the Prometheus exposition (parsed with
prometheus_client's own parser) reflects the operations, refusals, batches and subscribers the
node saw; health fails (503, schema-valid error with the failing checks) on a lagging enabled
stage and passes again when the limit allows it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from jsonschema import Draft202012Validator
from prometheus_client.parser import text_string_to_metric_families

from client.http import NodeError
from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, fund, run, running_node
from tests.node.test_contract import priced
from tests.node.test_openapi import exp


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as s, s.get(url + "/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    out = {}
    for fam in text_string_to_metric_families(text):
        for sample in fam.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_reflect_the_node(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            empty = await scrape(r.url)
            assert empty[("zkclear_last_batch_number", ())] == -1
            assert empty[("zkclear_batches", (("status", "closed"),))] == 0
            a, b = await fund(c, 1), await fund(c, 2)
            await priced(r)
            sell = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=a.next_order_id(), expiry=exp()
            )
            buy = b.order(market_id=BTC, side=BUY, price=BTC_PRICE, size=10, order_id=b.next_order_id(), expiry=exp())  # fmt: skip
            await c.place_order(sell)
            await c.place_order(buy)
            for _ in range(2):  # replayed: refused as a used order id
                with pytest.raises(NodeError, match="stale_nonce"):
                    await c.place_order(buy)
            forged = {**sell, "order_id": a.next_order_id()}  # the signature covers the old id
            with pytest.raises(NodeError, match="bad_signature"):
                await c.place_order(forged)
            with pytest.raises(NodeError, match="malformed_body"):
                await c.place_order({"not": "an order"})
            session = aiohttp.ClientSession()
            ws = await session.ws_connect(r.url + "/v1/stream")
            await ws.send_json({"op": "subscribe", "channel": "batches"})
            await ws.send_json({"op": "subscribe", "channel": "trades", "market": "BTC-USD"})
            assert (await ws.receive_json(timeout=30))["type"] == "subscribed"
            assert (await ws.receive_json(timeout=30))["type"] == "subscribed"
            await r.node.close_batch()
            await r.node.batches_barrier()
            m = await scrape(r.url)
            journal = r.node.journal
            assert journal is not None
            assert m[("zkclear_journal_entries", ())] == journal.last_seq
            assert m[("zkclear_journal_size_bytes", ())] > 0
            assert m[("zkclear_operations_accepted_total", (("kind", "order"),))] == 2
            assert m[("zkclear_operations_accepted_total", (("kind", "deposit"),))] == 2
            assert m[("zkclear_operations_rejected_total", (("code", "stale_nonce"),))] == 2
            assert m[("zkclear_operations_rejected_total", (("code", "bad_signature"),))] == 1
            assert m[("zkclear_http_errors_total", (("code", "stale_nonce"),))] == 2
            assert m[("zkclear_http_errors_total", (("code", "malformed_body"),))] == 1  # before the pipeline
            assert m[("zkclear_last_batch_number", ())] == 0
            assert m[("zkclear_batches", (("status", "closed"),))] == 1
            assert m[("zkclear_batches", (("status", "finalized"),))] == 0
            assert m[("zkclear_prover_backlog_batches", ())] == 1
            assert m[("zkclear_oldest_unproven_batch_age_seconds", ())] >= 0
            assert m[("zkclear_l1_submission_lag_seconds", ())] == 0  # nothing proven
            assert m[("zkclear_stream_subscribers", ())] == 1
            assert m[("zkclear_stream_subscriptions", (("channel", "batches"),))] == 1
            assert m[("zkclear_stream_subscriptions", (("channel", "trades"),))] == 1
            assert ("zkclear_l1_last_submission_gas", ()) not in m
            # the L1 client's info (pipeline contract) reaches the gas gauge and the status counts
            journal.reader.set_batch_status(0, "submitted", {"l1_gas": 312_345, "l1_tx": "0x01"})
            m = await scrape(r.url)
            assert m[("zkclear_l1_last_submission_gas", ())] == 312_345
            assert m[("zkclear_batches", (("status", "submitted"),))] == 1
            assert m[("zkclear_prover_backlog_batches", ())] == 0
            assert m[("zkclear_oldest_unproven_batch_age_seconds", ())] == 0
            assert m[("zkclear_l1_submission_lag_seconds", ())] >= 0
            await ws.close()
            await session.close()

    run(main())


async def health(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as s, s.get(url + "/v1/health") as resp:
        return resp.status, await resp.json()


def test_health_fails_on_lag(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            doc = await r.client.request("GET", "/openapi.json")
            responses = doc["paths"]["/v1/health"]["get"]["responses"]

            def valid(status: int, body: Any) -> None:
                schema = responses[str(status)]["content"]["application/json"]["schema"]
                errors = [e.message for e in Draft202012Validator(schema).iter_errors(body)]
                assert not errors, (status, errors, body)

            status, body = await health(r.url)
            valid(status, body)
            assert status == 200 and body["ok"]
            assert [ch["name"] for ch in body["checks"]] == ["journal"]  # no stage enabled
            await fund(r.client, 1)
            await r.node.close_batch()
            await r.node.batches_barrier()
            # the checks read the configuration at each request; the stages themselves are other
            # parts (sequencer/proving, sequencer/l1), so the flags are turned on after the start
            cfg = r.node.config
            cfg.prove, cfg.health_max_unproven_s = True, 3600.0
            status, body = await health(r.url)
            valid(status, body)
            assert status == 200 and [ch["name"] for ch in body["checks"]] == ["journal", "proving"]
            assert body["checks"][1]["batch"] == 0 and body["checks"][1]["ok"]
            cfg.health_max_unproven_s = 0.001
            await asyncio.sleep(0.05)  # the batch is now older than the limit
            status, body = await health(r.url)
            valid(status, body)
            assert status == 503 and body["error"]["code"] == "unavailable"
            details = body["error"]["details"]
            assert not details["ok"]
            failing = [ch for ch in details["checks"] if not ch["ok"]]
            assert [(ch["name"], ch["batch"]) for ch in failing] == [("proving", 0)]
            assert failing[0]["age_s"] > failing[0]["limit_s"]
            # proven: the prover is done, the L1 client (when on) owes it
            assert r.node.journal is not None
            r.node.journal.reader.set_batch_status(0, "proven", {})
            status, body = await health(r.url)
            assert status == 200, body
            cfg.l1_rpc, cfg.health_max_unfinalized_s = "http://127.0.0.1:9", 0.001
            status, body = await health(r.url)
            valid(status, body)
            assert status == 503
            assert [ch["name"] for ch in body["error"]["details"]["checks"] if not ch["ok"]] == ["l1"]
            cfg.health_max_unfinalized_s = 0  # 0: the check is off
            status, body = await health(r.url)
            assert status == 200 and [ch["name"] for ch in body["checks"]] == ["journal", "proving"]
            r.node.journal.reader.set_batch_status(0, "finalized", {"l1_final_block": 9})
            cfg.health_max_unfinalized_s = 0.001
            status, body = await health(r.url)
            assert status == 200 and body["checks"][2]["detail"] == "nothing owed"

    run(main())
