"""Regression tests of the node's contract with the outside (issue 14): every bad input is a JSON
error with a documented code and changes nothing; big integers and addresses have one encoding;
rate limits charge only what a key really spent; slow clients are cut off."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import re
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from circuits.primitives import babyjub
from native.poseidon import poseidon
from protocol import hashing
from protocol.constants import FIELD_MODULUS as R
from protocol.constants import MAX_ORACLE_SIGNERS, Tag
from protocol.errors import ErrorCode
from protocol.records import GlobalState, MarketState
from sequencer.config import ExchangeConfig, MarketConfig
from sequencer.node.errors import CODES, rejection
from sequencer.node.schemas import CONFIG_HASH_FIELDS, RISK_HASH_FIELDS
from tests.node.harness import BTC, BTC_PRICE, SELL, USD, exp, fund, run, running_node, set_price, trader
from tests.node.test_api import state_of

POST_ROUTES = (
    "/v1/orders",
    "/v1/orders/batch",
    "/v1/orders/cancel",
    "/v1/orders/cancel-all",
    "/v1/liquidations/takeover",
    "/v1/withdrawals",
    "/v1/transfers",
    "/v1/oracle/prices",
    "/v1/devnet/deposit",
    "/v1/devnet/oracle",
)


async def priced(r: Any) -> None:
    """Set the BTC price and wait for the operator's first funding tick, which it journals on its
    own soon after the first price: later state comparisons must not see it land."""
    await set_price(r.client, "BTC-USD", BTC_PRICE)
    while r.node.engine.ex.funding_time == 0:
        await asyncio.sleep(0.05)


async def raw(
    r: Any, method: str, path: str, *, data: bytes | str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One request as an outside client would send it; (status, JSON body).  Asserts the answer is
    JSON and, for errors, a documented code with its documented status."""
    async with (
        aiohttp.ClientSession() as s,
        s.request(method, r.url + path, data=data, headers=headers) as resp,
    ):
        assert resp.content_type == "application/json", (path, resp.status, await resp.text())
        body = await resp.json()
        if resp.status >= 400:
            code = body["error"]["code"]
            assert code in CODES and CODES[code].status == resp.status, body
        assert resp.status != 500, body
        return resp.status, body


async def rejected(r: Any, code: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
    """The request is refused with `code` and changes neither the state nor the journal."""
    before = await state_of(r)
    status, body = await raw(r, method, path, **kw)
    assert status >= 400 and body["error"]["code"] == code, (path, body)
    assert await state_of(r) == before
    return dict(body["error"])


def test_deep_json_duplicate_keys_and_the_number_grammar(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            a = await fund(r.client, 1)
            deep = "[" * 1000 + "]" * 1000
            for path in POST_ROUTES:
                await rejected(r, "malformed_body", "POST", path, data=deep)
                await rejected(r, "malformed_body", "POST", path, data='{"a": ' + deep + "}")
                await rejected(r, "malformed_body", "POST", path, data='{"x": 1, "x": 2}')
                await rejected(r, "malformed_body", "POST", path, data="[NaN]")
            order = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=a.next_order_id(), expiry=exp()
            )
            for field, value in (
                ("price", "05000000"),  # leading zero
                ("price", "+5000000"),
                ("price", "-0"),
                ("price", " 5000000"),
                ("price", "5e6"),
                ("price", 5e6),
                ("price", True),
                ("price", "\u0665"),  # an Arabic-Indic digit: int() would take it
                ("size", "1" * 79),
            ):
                err = await rejected(
                    r, "malformed_body", "POST", "/v1/orders", data=_json({**order, field: value})
                )
                assert field in err["message"]
            # a duplicated key is malformed even when both values agree
            dup = _json(order)[:-1] + ',"size":' + str(order["size"]) + "}"
            err = await rejected(r, "malformed_body", "POST", "/v1/orders", data=dup)
            assert err["details"]["reason"] == "DUPLICATE_KEY"
            # not a canonical field element: one code for message fields and signature coordinates
            for body in (
                {**order, "price": str(R)},
                {**order, "expiry": -1},
                {**order, "sig": {**order["sig"], "S": str(R + 5)}},
                {**order, "sig": {**order["sig"], "R8": [order["sig"]["R8"][0], str(R)]}},
            ):
                err = await rejected(r, "malformed_body", "POST", "/v1/orders", data=_json(body))
                assert err["details"]["reason"] == "NON_CANONICAL"
            # inside [0, r) but past the field's own bound: the exchange's rule
            err = await rejected(
                r, "rejected", "POST", "/v1/orders", data=_json({**order, "price": str(R - 1)})
            )
            assert err["details"]["reason"] == "VALUE_OUT_OF_RANGE"

    run(main())


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj)


def test_path_ids_tokens_and_query_parameters(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            a = await fund(r.client, 1)
            for sub in ("", "/orders", "/fills", "/proof"):
                await rejected(r, "unknown_account", "GET", f"/v1/accounts/%C2%B2{sub}")
            await rejected(r, "not_found", "GET", "/v1/batches/%C2%B2")
            await rejected(r, "not_found", "GET", "/v1/batches/99999999999999999999")
            await rejected(r, "not_found", "GET", "/v1/batches/9223372036854775808")
            for q in (
                "?limit=%C2%B2",
                "?limit=+5",
                "?limit=1_0",
                "?limit=%D9%A5",
                "?before=99999999999999999999999",
            ):
                await rejected(r, "malformed_body", "GET", "/v1/batches" + q)
            await rejected(r, "malformed_body", "GET", "/v1/accounts/by-key/%C2%B2/1")
            await rejected(r, "unknown_market", "GET", "/v1/markets/%D9%A0/book")
            token = a.read_token(exp() - 3000)
            bad = token.replace(".", ".\u00b2", 1)
            await rejected(
                r, "unauthorized", "GET", f"/v1/accounts/{a.account_id}", headers={"X-Zkclear-Auth": bad}
            )

    run(main())


def test_devnet_oracle_price_bounds(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            for price in (-1, str(R), str(10**78), 10**78):
                err = await rejected(
                    r,
                    "malformed_body",
                    "POST",
                    "/v1/devnet/oracle",
                    data=_json({"market": "BTC-USD", "price": price}),
                )
                assert "price" in err["message"]
            for price in (0, str(1 << 40)):
                err = await rejected(
                    r,
                    "rejected",
                    "POST",
                    "/v1/devnet/oracle",
                    data=_json({"market": "BTC-USD", "price": price}),
                )
                assert err["details"]["reason"] == "VALUE_OUT_OF_RANGE"
            await rejected(
                r, "unknown_market", "POST", "/v1/devnet/oracle", data=_json({"market": [[[1]]], "price": 1})
            )

    run(main())


def test_addresses_one_answer_encoding_and_no_zero_recipient(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            a = await fund(c, 1)
            big = (1 << 160) - 1  # a 49-digit number: a JavaScript double would corrupt it
            out = await c.withdraw(a.withdraw(amount=USD, recipient=big, nonce=0, expiry=exp()))
            assert out["recipient"] == "0x" + "f" * 40 and out["amount"] == str(USD)
            # decimal and 0x hex are the same address in requests
            body = a.withdraw(amount=USD, recipient=0xABC, nonce=1, expiry=exp())
            assert body["recipient"] == f"{0xABC:#042x}"
            out = await c.withdraw({**body, "recipient": str(0xABC)})
            assert out["recipient"] == f"{0xABC:#042x}"
            for bad in ("0xabc", "0x" + "g" * 40, str(1 << 160), "0X" + "0" * 41):
                await rejected(
                    r,
                    "malformed_body",
                    "POST",
                    "/v1/withdrawals",
                    data=_json({**body, "nonce": 2, "recipient": bad}),
                )
            err = await rejected(
                r, "rejected", "POST", "/v1/withdrawals",
                data=_json(a.withdraw(amount=USD, recipient=0, nonce=2, expiry=exp())),
            )  # fmt: skip
            assert err["details"]["reason"] == "BAD_RECIPIENT"
            # the faucet takes the owner in either form and answers it as hex
            w = trader(7)
            dep = {"pub_x": str(w.pub[0]), "pub_y": str(w.pub[1]), "amount": str(USD)}
            st, out = await raw(
                r, "POST", "/v1/devnet/deposit", data=_json({**dep, "owner": "0x" + "AB" * 20})
            )
            assert st == 200
            st, key = await raw(r, "GET", f"/v1/accounts/by-key/{w.pub[0]}/{w.pub[1]}")
            assert key["owner"] == "0x" + "ab" * 20
            info = await c.info()
            assert isinstance(info["chain_id"], str)

    run(main())


def test_deposits_refuse_keys_no_signature_can_use(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            on = trader(3).pub
            off = (on[0], (on[1] + 1) % R)
            assert not babyjub.on_curve(off)
            small = (0, R - 1)  # order 2: on the curve, in the torsion subgroup
            assert babyjub.on_curve(small) and babyjub.is_small_order(small)
            for x, y in (off, small, (0, 1)):
                err = await rejected(
                    r, "rejected", "POST", "/v1/devnet/deposit",
                    data=_json({"pub_x": str(x), "pub_y": str(y), "amount": str(USD)}),
                )  # fmt: skip
                assert err["details"]["reason"] == "BAD_PUBLIC_KEY"

    run(main())


def test_replays_spend_none_of_the_accounts_key_budget(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path, key_rate=0.001, key_burst=4, address_rate=0) as r:
            c = r.client
            a = await fund(c, 1)
            await priced(r)
            first = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=a.next_order_id(), expiry=exp()
            )
            assert (await c.place_order(first))["ok"]
            for _ in range(50):  # anyone holding the old signed order can replay it
                await rejected(r, "stale_nonce", "POST", "/v1/orders", data=_json(first))
            for _ in range(3):  # the key's budget is untouched: 4 - the one accepted order
                order = a.order(
                    market_id=BTC,
                    side=SELL,
                    price=BTC_PRICE,
                    size=10,
                    order_id=a.next_order_id(),
                    expiry=exp(),
                )
                assert (await c.place_order(order))["ok"]
            order = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=a.next_order_id(), expiry=exp()
            )
            await rejected(r, "rate_limited", "POST", "/v1/orders", data=_json(order))

    run(main())


def test_address_limit_counts_operations(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path, address_rate=0.001, address_burst=20, key_rate=0) as r:
            c = r.client
            a = await fund(c, 1)  # 1 request + info: 2 tokens
            await priced(r)  # 3
            orders = [
                a.order(
                    market_id=BTC,
                    side=SELL,
                    price=BTC_PRICE,
                    size=10,
                    order_id=a.next_order_id(),
                    expiry=exp(),
                )
                for _ in range(30)
            ]
            err = await rejected(
                r, "rate_limited", "POST", "/v1/orders/batch", data=_json({"orders": orders})
            )
            assert err["details"]["retry_after"] > 0
            st, out = await raw(r, "POST", "/v1/orders/batch", data=_json({"orders": orders[:10]}))
            assert st == 200 and all(x["ok"] for x in out["results"])

    run(main())


async def _connect(r: Any) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = r.url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


async def _read_all(reader: asyncio.StreamReader) -> bytes:
    # a bound on how long the test waits for the server, not an assertion about timing
    return await asyncio.wait_for(reader.read(), 60)


def test_malformed_chunked_body_is_a_json_error(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            before = await state_of(r)
            reader, writer = await _connect(r)
            writer.write(
                b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n"
            )
            await writer.drain()
            answer = await _read_all(reader)
            writer.close()
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head.split(b" ")[1] == b"400" and b"application/json" in head, answer
            assert b'"code":"malformed_body"' in body
            assert await state_of(r) == before

    run(main())


def test_slow_clients_are_cut_off_quietly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        async with running_node(tmp_path, header_timeout_s=0.5, body_timeout_s=0.5) as r:
            before = await state_of(r)
            # a request head that never ends: the connection is closed
            reader, writer = await _connect(r)
            writer.write(b"GET /v1/info HTTP/1.1\r\nHost: x\r\n")
            await writer.drain()
            assert await _read_all(reader) == b""
            writer.close()
            # a body that never completes: 408 request_timeout, then the connection is closed
            reader, writer = await _connect(r)
            writer.write(b'POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":')
            await writer.drain()
            answer = await _read_all(reader)
            writer.close()
            assert answer.startswith(b"HTTP/1.1 408") and b'"code":"request_timeout"' in answer, answer
            # a slow body whose client goes away: no traceback in the log
            with caplog.at_level(logging.DEBUG, logger="zkclear.node"):
                for _ in range(5):
                    reader, writer = await _connect(r)
                    writer.write(b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
                    await writer.drain()
                    await asyncio.sleep(0.05)
                    writer.transport.abort()
                await asyncio.sleep(1.0)  # let the handlers notice (no assertion on how long)
            assert not [rec for rec in caplog.records if rec.levelno >= logging.WARNING], caplog.text
            assert await state_of(r) == before

    run(main())


async def _ws_connect(
    r: Any, subscribe: list[dict[str, Any]]
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket client that reads nothing until told: a raw socket with a small receive buffer."""
    host, port = r.url.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    sock.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 24)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /v1/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
    assert head.startswith(b"HTTP/1.1 101"), head
    for msg in subscribe:
        payload = _json(msg).encode()
        mask = os.urandom(4)
        assert len(payload) < 126
        frame = (
            bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        )
        writer.write(frame)
    await writer.drain()
    return reader, writer


async def _ws_frames(reader: asyncio.StreamReader) -> list[tuple[int, bytes]]:
    """Every frame the server sent, up to and including its close frame (or the end of the stream)."""
    frames = []
    while True:
        try:
            b0, b1 = await asyncio.wait_for(reader.readexactly(2), 60)
        except asyncio.IncompleteReadError:
            return frames
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(await reader.readexactly(2), "big")
        elif n == 127:
            n = int.from_bytes(await reader.readexactly(8), "big")
        frames.append((b0 & 0x0F, await reader.readexactly(n)))
        if b0 & 0x0F == 0x8:
            return frames


def test_a_subscriber_that_does_not_read_gets_1008(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(
            tmp_path, stream_queue_events=20, stream_close_wait_s=120, key_rate=0, address_rate=0
        ) as r:
            c = r.client
            a, b = await fund(c, 1), await fund(c, 2)
            await priced(r)
            reader, writer = await _ws_connect(
                r, [{"op": "subscribe", "channel": "trades", "market": "BTC-USD"}]
            )
            # enough trades to fill every buffer between the node and the socket, and the queue
            for _ in range(3):
                sells = [
                    a.order(
                        market_id=BTC,
                        side=SELL,
                        price=BTC_PRICE,
                        size=10,
                        order_id=a.next_order_id(),
                        expiry=exp(),
                    )
                    for _ in range(400)
                ]
                await c.place_orders(sells)
                buys = [
                    b.order(
                        market_id=BTC,
                        side=0,
                        price=BTC_PRICE,
                        size=10,
                        order_id=b.next_order_id(),
                        expiry=exp(),
                    )
                    for _ in range(400)
                ]
                outs = await c.place_orders(buys)
                assert all(o["ok"] for o in outs)
            frames = await _ws_frames(reader)
            writer.close()
            assert frames and frames[-1][0] == 0x8, "no close frame"
            assert int.from_bytes(frames[-1][1][:2], "big") == 1008
            assert 0 < len(frames) - 1 < 1200  # it was cut off, not sent every trade
            # a fresh subscriber is served normally
            async with aiohttp.ClientSession() as s, s.ws_connect(r.url + "/v1/stream") as ws:
                await ws.send_json({"op": "subscribe", "channel": "batches"})
                assert (await ws.receive_json(timeout=60))["type"] == "subscribed"

    run(main())


def test_global_hash_recomputed_from_the_committed_parameters(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path, key_rate=0, address_rate=0) as r:
            c = r.client
            a, b = await fund(c, 1), await fund(c, 2)
            await priced(r)
            sell = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=a.next_order_id(), expiry=exp()
            )
            await c.place_order(sell)
            buy = b.order(
                market_id=BTC, side=0, price=BTC_PRICE, size=10, order_id=b.next_order_id(), expiry=exp()
            )
            assert (await c.place_order(buy))["fills"]
            await r.node.close_batch()
            proof = await c.proof(a.account_id, a.read_token(exp() - 3000))
            st, p = await raw(r, "GET", "/v1/params")
            assert st == 200 and p["batch"] == proof["batch"]
            # recomputed here from the served inputs with the protocol's own functions
            q = p["params"]
            signers = tuple((int(x), int(y)) for x, y in q["oracle_signers"])
            configs: list[MarketConfig] = []
            config_hashes: list[int | None] = []
            states: list[MarketState | None] = []
            for mid, m in enumerate(p["markets"]):
                if m is None:
                    config_hashes.append(None)
                    states.append(None)
                    continue
                assert list(m["config"]) == list(CONFIG_HASH_FIELDS), "hashed order"
                assert list(m["risk"]) == list(RISK_HASH_FIELDS), "hashed order"
                mc = MarketConfig(
                    market_id=mid,
                    symbol=m["symbol"],
                    **{k: int(v) for k, v in {**m["config"], **m["risk"]}.items()},
                )
                assert str(mc.risk_hash()) == m["risk_hash"] and str(mc.config_hash()) == m["config_hash"]
                # the risk_hash layout of protocol.md 3.3, independently of MarketConfig
                risk = poseidon([Tag.MARKET_RISK, *(int(v) for v in m["risk"].values())])
                assert mc.risk_hash() == risk
                configs.append(mc)
                config_hashes.append(mc.config_hash())
                # M_m's state in hashed order: MarketState's fields, as served
                assert [k for k in m if k in MarketState._fields] == list(MarketState._fields)
                states.append(MarketState(*(int(m[k]) for k in MarketState._fields)))
            info = await c.info()
            cfg = ExchangeConfig(
                chain_id=int(info["chain_id"]),
                rollup_address=int(info["rollup_address"], 16),
                markets=tuple(configs),
                oracle_signers=signers,
                oracle_quorum=q["oracle_quorum"],
                oracle_max_age_s=q["oracle_max_age_s"],
                oracle_max_skew_s=q["oracle_max_skew_s"],
                funding_interval_s=q["funding_interval_s"],
                funding_premium_divisor=q["funding_premium_divisor"],
                oracle_recovery_quorum=q["recovery_quorum"],
                auction_duration_s=q["auction_duration_s"],
            )
            assert str(cfg.oracle_set_hash()) == p["oracle_set_hash"]
            params_hash = cfg.params_hash()
            oracle_set = [c for key in signers for c in key]
            oracle_set += [0] * (2 * MAX_ORACLE_SIGNERS - len(oracle_set))
            assert params_hash == poseidon(
                [Tag.PARAMS, poseidon([Tag.ORACLE_SET, *oracle_set]), q["oracle_quorum"], q["oracle_max_age_s"],
                 q["oracle_max_skew_s"], q["funding_interval_s"], q["funding_premium_divisor"],
                 q["recovery_quorum"], q["auction_duration_s"], int(q["domain_hash"])]
            )  # fmt: skip
            assert cfg.domain_hash() == int(q["domain_hash"])
            assert str(params_hash) == p["params_hash"]
            g = GlobalState(int(p["insurance_fund"]), int(p["fee_pool"]), p["funding_time"], tuple(states))
            recomputed = hashing.global_hash(params_hash, tuple(config_hashes), g)
            assert str(recomputed) == p["global_hash"] == proof["global_hash"]
            assert hashing.state_root(int(proof["accounts_root"]), recomputed) == int(proof["root"])
            # the risk state is committed, not zero: the first price set the mark and the breaker
            # reference (its premium sample went into the funding tick that followed)
            btc = p["markets"][BTC]
            assert btc["mark_price"] == btc["ref_price"] == str(BTC_PRICE) and btc["ref_time"] > 0
            await rejected(r, "not_found", "GET", "/v1/params?batch=7")

    run(main())


def test_every_exchange_reason_documented_with_its_code() -> None:
    """docs/protocol.md section 11's reason -> code table is the node's mapping, and lists every
    exchange code that can refuse an operation (LIQUIDATED only ever cancels orders; BATCH_FULL
    makes the node close the batch and apply the operation again)."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    table = doc[doc.index("| reason | code |") :].split("\n\n", 1)[0].splitlines()[2:]
    documented: dict[str, str] = {}
    for row in table:
        reasons, code = row.strip("|").split("|")
        for name in re.findall(r"`([A-Z_]+)`", reasons):
            assert name not in documented, name
            documented[name] = code.strip().strip("`")
    assert set(documented) == {str(c) for c in ErrorCode} - {"LIQUIDATED", "BATCH_FULL"}
    for name, code in documented.items():
        assert rejection(name, "").code == code, (name, code)
