"""Real answers of every route, and real stream events, validated against the schemas of the
OpenAPI document the node serves (jsonschema, draft 2020-12): the document is the contract."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
from jsonschema import Draft202012Validator

from protocol.messages.oracle_price import OraclePriceMessage
from sequencer.node.defaults import DEVNET_ORACLE_SIGNERS, devnet_oracle_signer
from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, USD, exp, fund, run, running_node
from tests.node.test_contract import priced
from tests.node.test_takeover import into_auction


def signed_prices(r: Any, domain: int, market_id: int, price: int) -> dict[str, Any]:
    """An oracle update signed by a quorum of the devnet oracle keys, as an oracle service sends it."""
    cfg = r.node.exchange_config
    keys = {devnet_oracle_signer(i).pub: devnet_oracle_signer(i) for i in range(DEVNET_ORACLE_SIGNERS)}
    now = int(time.time()) + 1  # after the devnet oracle's update of this second (within the skew)
    prices = []
    for idx, pub in enumerate(cfg.oracle_signers):
        msg = OraclePriceMessage(
            market_id=market_id, price=price, timestamp=now, expiry=now + cfg.oracle_max_age_s
        )
        sig = keys[pub].sign(msg.hash(domain))
        prices.append(
            {"signer": idx, "price": str(price), "timestamp": now, "expiry": msg.expiry,
             "sig": {"R8": [str(sig.R8[0]), str(sig.R8[1])], "S": str(sig.S)}}
        )  # fmt: skip
        if len(prices) == cfg.oracle_quorum:
            break
    return {"market_id": market_id, "prices": prices}


class Checker:
    def __init__(self, r: Any, doc: dict[str, Any]) -> None:
        self.r, self.doc = r, doc
        self.seen: set[tuple[str, str, int]] = set()

    async def __call__(
        self, method: str, template: str, path: str | None = None, body: Any = None, token: str | None = None
    ) -> Any:
        headers = {"X-Zkclear-Auth": token} if token else {}
        data = None if body is None else json.dumps(body)
        async with (
            aiohttp.ClientSession() as s,
            s.request(method, self.r.url + (path or template), data=data, headers=headers) as resp,
        ):
            media = resp.content_type
            out = await resp.json() if media == "application/json" else await resp.text()
            status = resp.status
        responses = self.doc["paths"][template][method.lower()]["responses"]
        assert str(status) in responses, (template, status, out)
        schema = responses[str(status)]["content"][media]["schema"]
        errors = sorted(Draft202012Validator(schema).iter_errors(out), key=str)
        assert not errors, (template, status, [e.message for e in errors[:5]], out)
        if status >= 400:
            assert out["error"]["code"] in schema["x-codes"], (template, out)
        self.seen.add((method, template, status))
        return out


def test_every_route_answers_by_its_schema(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path, key_rate=0, address_rate=0) as r:
            c = r.client
            doc = await c.request("GET", "/openapi.json")
            Draft202012Validator.check_schema(doc["components"]["schemas"]["StreamEvent"])
            check = Checker(r, doc)
            event_schema = Draft202012Validator(doc["components"]["schemas"]["StreamEvent"])
            session = aiohttp.ClientSession()
            ws = await session.ws_connect(r.url + "/v1/stream")
            a, b = await fund(c, 1), await fund(c, 2)
            tok_a = a.read_token(exp() - 3000)
            for sub in (
                {"channel": "book", "market": "BTC-USD"},
                {"channel": "trades", "market": "BTC-USD"},
                {"channel": "fills", "account": a.account_id, "auth": tok_a},
                {"channel": "batches"},
                {"channel": "nope"},
            ):
                await ws.send_json({"op": "subscribe", **sub})
            await priced(r)
            moved_at = time.monotonic()
            # a long the next BTC price will push into a liquidation auction (tests/node/test_takeover.py)
            weak, maker, taker = await fund(c, 3, 520 * USD), await fund(c, 4), await fund(c, 5)
            tok_weak, low_price = await into_auction(c, weak, maker, priced=True)
            await check("POST", "/v1/devnet/oracle", body={"market": "ETH-USD", "price": "300000"})
            w = a.withdraw(amount=USD, recipient=0xABC, nonce=0, expiry=exp())
            await check("POST", "/v1/withdrawals", body=w)
            await check("POST", "/v1/withdrawals", body=w)  # replay: 409
            await check(
                "POST",
                "/v1/transfers",
                body=a.transfer(to_id=b.account_id, amount=USD, nonce=1, expiry=exp()),
            )
            sell = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=30, order_id=a.next_order_id(), expiry=exp()
            )
            await check("POST", "/v1/orders", body=sell)
            buys = [
                b.order(
                    market_id=BTC,
                    side=BUY,
                    price=BTC_PRICE,
                    size=10,
                    order_id=b.next_order_id(),
                    expiry=exp(),
                )
                for _ in range(2)
            ]
            await check("POST", "/v1/orders/batch", body={"orders": [*buys, sell]})
            rest = a.order(
                market_id=BTC,
                side=SELL,
                price=BTC_PRICE + 500,
                size=10,
                order_id=a.next_order_id(),
                expiry=exp(),
            )
            await check("POST", "/v1/orders", body=rest)
            await check("POST", "/v1/orders/cancel", body=a.cancel(order_id=rest["order_id"], expiry=exp()))
            await check(
                "POST", "/v1/orders/cancel", body=a.cancel(order_id=rest["order_id"], expiry=exp())
            )  # 404
            await check(
                "POST",
                "/v1/orders/cancel-all",
                body=a.cancel_all(market_id=255, nonce=sell["order_id"], expiry=exp()),
            )
            w3 = trader_key = b.public_key
            await check(
                "POST",
                "/v1/devnet/deposit",
                body={"pub_x": str(w3[0]), "pub_y": str(trader_key[1]), "amount": str(USD)},
            )
            await check("POST", "/v1/oracle/prices", body={"market_id": 0, "prices": []})
            await check("POST", "/v1/oracle/prices", body=signed_prices(r, a.domain, 1, 300_100))
            await check("POST", "/v1/orders", body={"x": 1})  # 400

            def takeover(limit: int) -> dict[str, Any]:
                return taker.takeover(account_id=weak.account_id, market_id=BTC, side=BUY, price=limit,
                                      size=2000, order_id=taker.next_order_id(), expiry=exp())  # fmt: skip

            await check(
                "POST", "/v1/liquidations/takeover", body=takeover(low_price)
            )  # 422: not liquidatable
            await asyncio.sleep(max(0.0, moved_at + 5.05 - time.monotonic()))  # 0.5%/s: 2.5% needs 5 s
            await check("POST", "/v1/devnet/oracle", body={"market": "BTC-USD", "price": str(low_price)})
            for _ in range(100):  # the keeper finds no bids and starts the auction
                if (await c.account(weak.account_id, tok_weak))["auction_start"]:
                    break
                await asyncio.sleep(0.05)
            await check("GET", "/v1/accounts/{account}", f"/v1/accounts/{weak.account_id}", token=tok_weak)
            out = await check("POST", "/v1/liquidations/takeover", body=takeover(low_price))
            assert out["size"] == "2000", out
            await r.node.close_batch()
            for path in ("/v1/info", "/v1/health", "/v1/state", "/v1/markets", "/v1/oracle", "/v1/funding",
                         "/v1/params", "/v1/batches", "/openapi.json", "/v1/devnet/latency", "/metrics"):  # fmt: skip
                await check("GET", path)
            await check("GET", "/v1/markets/{market}/book", "/v1/markets/BTC-USD/book")
            await check("GET", "/v1/markets/{market}/trades", "/v1/markets/BTC-USD/trades")
            await check("GET", "/v1/markets/{market}/trades", "/v1/markets/XYZ/trades")  # 404
            await check("GET", "/v1/batches/{number}", "/v1/batches/0")
            await check("GET", "/v1/batches/{number}", "/v1/batches/9")
            pub = a.public_key
            await check("GET", "/v1/accounts/by-key/{x}/{y}", f"/v1/accounts/by-key/{pub[0]}/{pub[1]}")
            base = f"/v1/accounts/{a.account_id}"
            for sub in ("", "/orders", "/fills", "/proof"):
                await check("GET", "/v1/accounts/{account}" + sub, base + sub, token=tok_a)
                await check("GET", "/v1/accounts/{account}" + sub, base + sub)  # 401
            await check("GET", "/v1/accounts/{account}", "/v1/accounts/77", token=tok_a)  # 404
            # every route answered at least once, successfully
            routes = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops if p != "/v1/stream"}
            assert routes <= {(m, t) for m, t, st in check.seen if st == 200}, routes - {
                (m, t) for m, t, st in check.seen if st == 200
            }
            # stream events: every kind of event arrived, each by the schema
            kinds = set()
            while not {"subscribed", "error", "book", "trade", "fill", "order", "batch"} <= kinds:
                msg = await ws.receive_json(timeout=60)
                bad = [e.message for e in event_schema.iter_errors(msg)]
                assert not bad, (msg, bad)
                kinds.add(msg["type"])
            await ws.close()
            await session.close()

    run(main())
