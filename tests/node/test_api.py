"""The node's HTTP API against a real server on 127.0.0.1 with a real SQLite journal: trading,
private reads, proofs, and every error code (a rejected request changes nothing)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from client.http import NodeError
from native.poseidon import poseidon
from protocol import hashing
from protocol.constants import Tag
from protocol.records import AccountState
from tests.node.harness import (
    BTC,
    BTC_PRICE,
    BUY,
    ETH,
    SELL,
    USD,
    ask_ladder,
    exp,
    fund,
    run,
    running_node,
    set_price,
    trader,
)


async def state_of(r: Any) -> tuple[int, str]:
    node = r.node
    await node.durable_barrier()
    return node.journal.last_seq, node.engine.ex.digest()


async def expect_error(r: Any, code: str, coro: Any) -> NodeError:
    before = await state_of(r)
    with pytest.raises(NodeError) as info:
        await coro
    assert info.value.code == code, info.value
    assert await state_of(r) == before, "a rejected request changed the state or the journal"
    return info.value


async def market_setup(r: Any) -> tuple[Any, Any]:
    c = r.client
    a, b = await fund(c, 1), await fund(c, 2)
    await set_price(c, "BTC-USD", BTC_PRICE)
    await set_price(c, "ETH-USD", 300_000)
    return a, b


def test_trade_roundtrip_and_durable_ack(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a, b = await market_setup(r)
            sell = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=100, order_id=a.next_order_id(), expiry=exp()
            )
            out = await c.place_order(sell)
            assert out["ok"] and out["order"]["state"] == "resting"
            # acknowledged means durable: another connection sees the journal entry already
            db = sqlite3.connect(tmp_path / "journal.db")
            kind, body = db.execute("SELECT kind, body FROM journal WHERE seq = ?", (out["seq"],)).fetchone()
            db.close()
            assert kind == "order" and str(sell["order_id"]) in body.decode()
            buy = b.order(
                market_id=BTC,
                side=BUY,
                price=BTC_PRICE + 10_000,
                size=30,
                order_id=b.next_order_id(),
                expiry=exp(),
            )
            out = await c.place_order(buy)
            assert out["order"]["state"] == "filled"
            [fill] = out["fills"]
            assert fill["price"] == str(BTC_PRICE) and fill["size"] == "30"  # maker's price
            assert fill["maker_account"] == a.account_id and fill["taker_account"] == b.account_id
            [trade] = await c.trades("BTC-USD")  # the public tape does not say who traded
            assert trade == {k: fill[k] for k in ("seq", "time", "market_id", "price", "size", "taker_side")}
            book = await c.book("BTC-USD")
            assert book["asks"] == [[str(BTC_PRICE), "70"]] and book["bids"] == []
            assert (await c.book("0"))["asks"] == book["asks"]  # by id as well as symbol
            assert [t["size"] for t in await c.trades("BTC-USD")] == ["30"]
            tok = a.read_token(int(time.time()) + 600)
            acct = await c.account(a.account_id, tok)
            assert acct["positions"][0]["size"] == "-30"
            assert [o["remaining"] for o in await c.open_orders(a.account_id, tok)] == ["70"]
            assert [f["size"] for f in await c.fills(a.account_id, tok)] == ["30"]
            markets = await c.markets()
            assert [m["symbol"] for m in markets] == ["BTC-USD", "ETH-USD"]
            assert markets[BTC]["open_interest"] == "30"
            # the committed risk state (protocol.md 4.11, 4.12): a fresh price, no breaker
            assert markets[BTC]["mark_price"] == markets[BTC]["oracle_price"]
            assert (markets[BTC]["status"], markets[BTC]["stale"]) == ("normal", False)
            oracle = await c.oracle()
            assert oracle["markets"][ETH]["price"] == "300000" and oracle["recovery_quorum"] == 3
            assert oracle["markets"][ETH]["mark_price"] == "300000"
            assert (await c.funding())["interval_s"] == 3600

    run(main())


def test_cancel_cancel_all_withdraw_transfer(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a, b = await market_setup(r)
            ids = [a.next_order_id() for _ in range(3)]
            for i, oid in enumerate(ids):
                price = BTC_PRICE - 100 * (i + 1)
                await c.place_order(
                    a.order(market_id=BTC, side=BUY, price=price, size=10, order_id=oid, expiry=exp())
                )
            await c.cancel(a.cancel(order_id=ids[0], expiry=exp()))
            assert len((await c.book("BTC-USD"))["bids"]) == 2
            await expect_error(r, "unknown_order", c.cancel(a.cancel(order_id=ids[0], expiry=exp())))
            await c.cancel_all(a.cancel_all(market_id=255, nonce=ids[-1], expiry=exp()))
            assert (await c.book("BTC-USD"))["bids"] == []
            out = await c.withdraw(a.withdraw(amount=1_000 * USD, recipient=0xABC, nonce=0, expiry=exp()))
            assert out["ok"] and out["amount"] == str(1_000 * USD)
            await expect_error(
                r, "stale_nonce", c.withdraw(a.withdraw(amount=1, recipient=0xABC, nonce=0, expiry=exp()))
            )
            await expect_error(
                r,
                "insufficient_collateral",
                c.withdraw(a.withdraw(amount=10**9 * USD, recipient=1, nonce=1, expiry=exp())),
            )
            out = await c.transfer(a.transfer(to_id=b.account_id, amount=5 * USD, nonce=1, expiry=exp()))
            assert out["ok"]
            tok = b.read_token(int(time.time()) + 60)
            assert (await c.account(b.account_id, tok))["collateral"] == str(100_005 * USD)

    run(main())


def test_error_codes_change_nothing(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path, max_body_bytes=4096, max_batch_orders=5) as r:
            c = r.client
            a, _b = await market_setup(r)

            def order(**kw: Any) -> dict[str, Any]:
                base = dict(
                    market_id=BTC,
                    side=BUY,
                    price=BTC_PRICE,
                    size=10,
                    order_id=a.next_order_id(),
                    expiry=exp(),
                )
                return a.order(**{**base, **kw})

            o = order()
            await c.place_order(o)
            await expect_error(r, "stale_nonce", c.place_order(o))
            tampered = {**order(), "price": str(BTC_PRICE - 100)}
            await expect_error(r, "bad_signature", c.place_order(tampered))
            await expect_error(r, "expired", c.place_order(order(expiry=int(time.time()) - 10)))
            await expect_error(r, "unknown_market", c.place_order(order(market_id=5)))
            await expect_error(
                r, "insufficient_margin", c.place_order(order(side=SELL, price=BTC_PRICE, size=10**7))
            )
            await expect_error(r, "invalid_order", c.place_order(order(price=BTC_PRICE + 1)))  # off tick
            err = await expect_error(
                r, "malformed_body", c.place_order({k: v for k, v in order().items() if k != "size"})
            )
            assert err.details["missing"] == ["size"]
            await expect_error(r, "malformed_body", c.place_order({**order(), "colour": "red"}))
            await expect_error(r, "malformed_body", c.place_order({**order(), "price": "12.5"}))
            await expect_error(r, "malformed_body", c.place_order({**order(), "sig": {"R8": [1], "S": 2}}))
            await expect_error(r, "unknown_account", c.place_order({**order(), "account_id": 999}))
            await expect_error(r, "malformed_body", c.request("POST", "/v1/orders", "not an object"))
            await expect_error(r, "too_large", c.place_orders([order() for _ in range(6)]))
            await expect_error(r, "too_large", c.request("POST", "/v1/orders", {"pad": "x" * 5000}))
            await expect_error(r, "not_found", c.request("GET", "/v1/nothing-here"))
            await expect_error(r, "method_not_allowed", c.request("DELETE", "/v1/orders"))
            await expect_error(r, "unknown_market", c.book("DOGE-USD"))
            await expect_error(
                r, "malformed_body", c.request("GET", "/v1/markets/BTC-USD/book", params={"depth": "x"})
            )
            # raw bytes that are not JSON at all
            async with aiohttp.ClientSession() as s, s.post(r.url + "/v1/orders", data=b"\xff{") as resp:
                assert resp.status == 400 and (await resp.json())["error"]["code"] == "malformed_body"

    run(main())


def test_private_reads_need_the_accounts_token(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a, b = await market_setup(r)
            now = int(time.time())
            await expect_error(r, "unauthorized", c.account(a.account_id, ""))
            await expect_error(r, "unauthorized", c.account(a.account_id, b.read_token(now + 60)))
            await expect_error(r, "unauthorized", c.account(a.account_id, "1.2.3"))
            forged = a.read_token(now + 60).rsplit(".", 1)[0] + ".12345"
            await expect_error(r, "unauthorized", c.open_orders(a.account_id, forged))
            await expect_error(r, "expired", c.fills(a.account_id, a.read_token(now - 1)))
            await expect_error(r, "expired", c.fills(a.account_id, a.read_token(now + 3 * 86400)))
            await expect_error(r, "unknown_account", c.account(77, a.read_token(now + 60)))
            assert (await c.account(a.account_id, a.read_token(now + 60)))["account_id"] == a.account_id
            found = await c.account_by_key(trader(1).pub)
            assert found["account_id"] == a.account_id
            await expect_error(r, "unknown_account", c.account_by_key(trader(99).pub))

    run(main())


def test_batch_submission_gives_one_result_per_order(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a, _b = await market_setup(r)
            good = ask_ladder(a, range(1, 4))
            bad_sig = {**good[0], "order_id": good[0]["order_id"] + 7}
            results = await c.place_orders([good[0], bad_sig, good[1], {"junk": 1}, good[2], good[2]])
            assert [x["ok"] for x in results] == [True, False, True, False, True, False]
            assert [x["error"]["code"] for x in results if not x["ok"]] == [
                "bad_signature",
                "malformed_body",
                "stale_nonce",
            ]
            assert [lvl[1] for lvl in (await c.book("BTC-USD"))["asks"]] == ["10", "10", "10"]
            seqs = [x["seq"] for x in results if x["ok"]]
            assert seqs == sorted(seqs) and r.node.journal.durable_seq >= seqs[-1]

    run(main())


def test_key_rate_limit(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path, key_rate=0.001, key_burst=3) as r:
            c = r.client
            a, b = await market_setup(r)
            orders = ask_ladder(a, range(1, 6))
            results = await c.place_orders(orders)
            assert [x["ok"] for x in results] == [True, True, True, False, False]
            assert results[3]["error"]["code"] == "rate_limited"
            # another key has its own budget
            out = await c.place_order(
                b.order(
                    market_id=BTC,
                    side=SELL,
                    price=BTC_PRICE + 1000,
                    size=10,
                    order_id=b.next_order_id(),
                    expiry=exp(),
                )
            )
            assert out["ok"]

    run(main())


def test_address_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path, address_rate=0.01, address_burst=2) as r:
            await r.client.info()
            await r.client.info()
            async with aiohttp.ClientSession() as s, s.get(r.url + "/v1/info") as resp:
                assert resp.status == 429
                assert int(resp.headers["Retry-After"]) >= 1
                assert (await resp.json())["error"]["code"] == "rate_limited"

    run(main())


async def cross(c: Any, seller: Any, buyer: Any, size: int) -> None:
    """`seller` rests an order at the mark price and `buyer` takes it."""
    for w, side in ((seller, SELL), (buyer, BUY)):
        await c.place_order(
            w.order(
                market_id=BTC, side=side, price=BTC_PRICE, size=size, order_id=w.next_order_id(), expiry=exp()
            )
        )


def test_batches_and_merkle_proof(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a, b = await market_setup(r)
            tok = a.read_token(int(time.time()) + 600)
            await expect_error(r, "not_found", c.proof(a.account_id, tok))
            await expect_error(r, "unauthorized", c.request("GET", f"/v1/accounts/{a.account_id}/proof"))
            other = b.read_token(int(time.time()) + 600)
            await expect_error(r, "unauthorized", c.proof(a.account_id, other))
            await cross(c, a, b, 20)
            closed = (await r.node.close_batch())["batch"]  # type: ignore[index]
            assert (
                closed["status"] == "closed"
                and closed["proof"] is None
                and closed["old_root"] != closed["new_root"]
            )
            [listed] = await c.batches()
            assert listed == closed == await c.batch(0)
            # the header's time range (protocol.md 7.1): the first batch starts at 0 and ends at
            # its last operation's time, stamped by the node's clock
            assert closed["time_start"] == 0 and 0 < closed["time_end"] <= time.time() + 1
            await expect_error(r, "not_found", c.batch(1))
            proof = await c.proof(a.account_id, tok)
            assert proof["root"] == closed["new_root"]
            acct = proof["account"]
            state = AccountState(
                int(acct["pub_x"]),
                int(acct["pub_y"]),
                int(acct["owner"], 16),
                int(acct["collateral"]),
                acct["nonce"],
                tuple(int(v) for v in acct["sizes"]),
                tuple(int(v) for v in acct["costs"]),
                tuple(int(v) for v in acct["funding_snapshots"]),
                acct["auction_start"],
            )
            leaf = hashing.account_leaf(
                state, hashing.positions_hash(hashing.position_hashes(state)), int(proof["orders_root"])
            )
            assert leaf == int(proof["leaf"])
            node_hash = leaf
            sibs = [int(s) for s in proof["siblings"]]
            assert len(sibs) == 36
            for height in range(12):  # 4-ary: the node is child (id >> 2h) & 3 among 3 siblings
                pos = (a.account_id >> (2 * height)) & 3
                level = sibs[3 * height : 3 * height + 3]
                node_hash = poseidon([*level[:pos], node_hash, *level[pos:]])
            assert node_hash == int(proof["accounts_root"])
            assert poseidon([Tag.STATE, node_hash, int(proof["global_hash"])]) == int(closed["new_root"])
            await expect_error(r, "not_found", c.proof(a.account_id, tok, batch=5))
            # a later batch moves the account; the proof at batch 0 is still served, unchanged
            await cross(c, b, a, 10)
            second = (await r.node.close_batch())["batch"]  # type: ignore[index]
            assert second["number"] == 1 and second["new_root"] != closed["new_root"]
            assert await c.proof(a.account_id, tok, batch=0) == proof
            newer = await c.proof(a.account_id, tok)
            assert (
                newer["batch"] == 1 and newer["root"] == second["new_root"] and newer["leaf"] != proof["leaf"]
            )

    run(main())


def test_openapi_document_matches_routes(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            doc = await r.client.request("GET", "/openapi.json")
            assert doc["openapi"].startswith("3.1")
            documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
            served = set()
            for res in r.app.router.resources():
                info = res.get_info()
                path = info.get("path") or info.get("formatter")
                for route in res:
                    if route.method != "HEAD":
                        served.add((route.method, path))
            assert documented == served
            codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
            for code in (
                "bad_signature",
                "stale_nonce",
                "expired",
                "insufficient_margin",
                "unknown_market",
                "malformed_body",
                "too_large",
                "rate_limited",
            ):
                assert code in codes
            assert doc["paths"]["/v1/orders"]["post"]["responses"]["401"]
            json.dumps(doc)

    run(main())


def test_stream_sends_durable_trades_fills_and_books(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a, b = await market_setup(r)
            tok = a.read_token(int(time.time()) + 600)
            session = aiohttp.ClientSession()
            ws = await session.ws_connect(r.url.replace("http", "ws") + "/v1/stream")
            for sub in (
                {"channel": "trades", "market": "BTC-USD"},
                {"channel": "fills", "account": a.account_id, "auth": tok},
                {"channel": "book", "market": "BTC-USD"},
                {"channel": "fills", "account": b.account_id, "auth": tok},  # a's token: refused
                {"channel": "nope"},
            ):
                await ws.send_str(json.dumps({"op": "subscribe", **sub}))
            got: list[dict[str, Any]] = []

            async def until(pred: Any) -> dict[str, Any]:
                while True:
                    for m in got:
                        if pred(m):
                            got.remove(m)
                            return m
                    msg = await ws.receive(timeout=10)
                    got.append(json.loads(msg.data))

            assert (await until(lambda m: m.get("type") == "book"))["asks"] == []
            err = await until(lambda m: m.get("type") == "error")
            assert err["error"]["code"] == "unauthorized"
            assert (await until(lambda m: m.get("type") == "error"))["error"]["code"] == "malformed_body"
            await c.place_order(
                a.order(
                    market_id=BTC,
                    side=SELL,
                    price=BTC_PRICE,
                    size=50,
                    order_id=a.next_order_id(),
                    expiry=exp(),
                )
            )
            out = await c.place_order(
                b.order(
                    market_id=BTC,
                    side=BUY,
                    price=BTC_PRICE,
                    size=20,
                    order_id=b.next_order_id(),
                    expiry=exp(),
                )
            )
            trade = await until(lambda m: m.get("type") == "trade")
            assert trade["size"] == "20" and trade["seq"] == out["seq"]
            assert trade["seq"] <= r.node.journal.durable_seq
            fill = await until(lambda m: m.get("type") == "fill")
            assert fill["maker_account"] == a.account_id
            book = await until(lambda m: m.get("type") == "book" and m["asks"] == [[str(BTC_PRICE), "30"]])
            assert book["seq"] >= out["seq"]
            await ws.close()
            await session.close()

    run(main())
