"""Property-based fuzzing of every route (hypothesis): random and mutated bodies (a takeover's
signed order mutated inside it too), path ids and query parameters never get a 500; every refusal is a JSON error with a documented code and status that
the route's OpenAPI entry lists; and no refused request changes the state digest or the journal.

The node runs on its own thread and loop; examples are sent from the test thread over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocol.constants import FIELD_MODULUS as R
from sequencer.node.errors import CODES
from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, USD, fund, running_node
from tests.node.test_api import state_of
from tests.node.test_contract import priced

TRICKY = st.sampled_from(
    ["0", "-0", "007", "+1", " 1", "1e3", "\u00b2", "\u0663", str(R), str(R - 1), str(2**160), str(10**78),
     "0x" + "a" * 40, "0x", "", "BTC-USD", "255", "-1", "9" * 30]
)  # fmt: skip
SCALARS = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=R - 2, max_value=2**300)
    | st.floats(allow_nan=False) | st.text(max_size=12) | TRICKY
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda ch: st.lists(ch, max_size=3) | st.dictionaries(st.text(max_size=6) | TRICKY, ch, max_size=3),
    max_leaves=12,
)
SETTINGS = settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=True
)


@contextlib.contextmanager
def node_thread(data_dir: Path) -> Iterator[tuple[Any, asyncio.AbstractEventLoop]]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        async with running_node(data_dir, key_rate=0, address_rate=0) as r:
            box["r"] = r
            box["stop"] = asyncio.Event()
            ready.set()
            await box["stop"].wait()

    t = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    t.start()
    assert ready.wait(120)
    try:
        yield box["r"], loop
    finally:
        loop.call_soon_threadsafe(box["stop"].set)
        t.join(60)


def http(url: str, method: str, path: str, data: bytes | None = None) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.headers.get_content_type(), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_content_type(), err.read()


def test_fuzz_every_route(tmp_path: Path) -> None:
    with node_thread(tmp_path) as (r, loop):

        def on_node(coro: Any) -> Any:
            return asyncio.run_coroutine_threadsafe(coro, loop).result(120)

        doc = json.loads(http(r.url, "GET", "/openapi.json")[2])

        async def setup() -> dict[str, Any]:
            c = r.client
            a, b = await fund(c, 1), await fund(c, 2)
            await priced(r)
            exp = int(time.time()) + 3600
            order = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=a.next_order_id(), expiry=exp
            )
            await c.place_order(order)
            w = a.withdraw(amount=USD, recipient=0xABC, nonce=0, expiry=exp)
            await c.withdraw(w)
            t = a.transfer(to_id=b.account_id, amount=USD, nonce=1, expiry=exp)
            await c.transfer(t)
            # b buys a's order: a is short, a position a takeover could take were a in auction
            await c.place_order(
                b.order(
                    market_id=BTC, side=BUY, price=BTC_PRICE, size=10, order_id=b.next_order_id(), expiry=exp
                )
            )
            takeover = b.takeover(account_id=a.account_id, market_id=BTC, side=SELL, price=BTC_PRICE, size=10,
                                  order_id=b.next_order_id(), expiry=exp)  # fmt: skip
            forged = a.cancel_all(market_id=255, nonce=order["order_id"], expiry=exp)
            forged["sig"] = {**forged["sig"], "S": "1"}
            pub = a.public_key
            # replays (stale), a cancel of no open order, forged signatures, keys off the curve:
            # bodies one mutation away from valid that must still be refused
            return {
                "/v1/orders": order,
                "/v1/orders/batch": {"orders": [order, order]},
                "/v1/orders/cancel": a.cancel(order_id=order["order_id"] + 5, expiry=exp),
                "/v1/orders/cancel-all": forged,
                "/v1/liquidations/takeover": takeover,  # a is not liquidatable
                "/v1/withdrawals": w,
                "/v1/transfers": t,
                "/v1/oracle/prices": {"market_id": 0, "prices": [{"signer": 0, "price": "1", "timestamp": 1,
                                                                   "expiry": 2, "sig": forged["sig"]}]},
                "/v1/devnet/deposit": {"pub_x": str(pub[0]), "pub_y": str(pub[1] + 1), "amount": "5"},
                "/v1/devnet/oracle": {"market": "XYZ", "price": "-1"},
                "account": a.account_id,
            }  # fmt: skip

        bases = on_node(setup())
        before = on_node(state_of(r))

        def check(method: str, template: str, path: str, data: bytes | None) -> None:
            status, ctype, raw = http(r.url, method, path, data)
            op = doc["paths"].get(template, {}).get(method.lower())
            if (
                status == 200
                and op is not None
                and "application/json" not in op["responses"]["200"]["content"]
            ):
                assert ctype in op["responses"]["200"]["content"], (path, ctype)  # GET /metrics: text
                return
            assert status != 500 and ctype == "application/json", (path, data, status, raw[:300])
            out = json.loads(raw)
            if status >= 400:
                code = out["error"]["code"]
                assert CODES[code].status == status, out
                if op is not None and status != 405:
                    assert str(status) in op["responses"], (template, status, out)
                    listed = op["responses"][str(status)]["content"]["application/json"]["schema"]["x-codes"]
                    assert code in listed, (template, status, out)
            elif method == "POST":
                assert template == "/v1/orders/batch", (path, data, out)  # nothing else may succeed
                assert not any(x["ok"] for x in out["results"]), out
            assert on_node(state_of(r)) == before, (path, data, out)

        posts = [p for p in bases if p.startswith("/")]
        for route in posts:  # each base as it is: refused, and by the route's documented codes
            check("POST", route, route, json.dumps(bases[route]).encode())

        @settings(SETTINGS, max_examples=40 * len(posts))
        @given(
            route=st.sampled_from(posts),
            how=st.sampled_from(["set", "drop", "whole", "bytes", "sig", "inner"]),
            key=st.text(max_size=8) | st.sampled_from(["price", "size", "order_id", "account_id", "amount",
                                                       "recipient", "nonce", "orders", "prices", "pub_x", "market",
                                                       "order", "side", "market_id", "expiry", "flags"]),
            value=VALUES,
            blob=st.binary(max_size=64),
        )  # fmt: skip
        def fuzz_posts(route: str, how: str, key: str, value: Any, blob: bytes) -> None:
            body = dict(bases[route])
            signed = body
            if "order" in body and how in ("inner", "sig"):  # a takeover: its signed order inside
                signed = body["order"] = dict(body["order"])
            if how in ("set", "inner"):
                signed[key] = value
            elif how == "drop":
                body.pop(key, None)
            elif how == "sig" and "sig" in signed:
                signed["sig"] = {"R8": [value, signed["sig"]["R8"][1]], "S": signed["sig"]["S"]}
            data = blob if how == "bytes" else json.dumps(value if how == "whole" else body).encode()
            check("POST", route, route, data)

        fuzz_posts()

        gets = [p for p, ops in doc["paths"].items() if "get" in ops and p != "/v1/stream"]

        @SETTINGS
        @given(
            route=st.sampled_from(gets),
            ident=st.text(min_size=1, max_size=30) | TRICKY.filter(bool) | st.integers(min_value=0).map(str),
            qname=st.sampled_from(["limit", "depth", "batch", "before", "reset", "x"]),
            qvalue=st.text(max_size=12) | TRICKY,
        )
        def fuzz_gets(route: str, ident: str, qname: str, qvalue: str) -> None:
            path = route
            for part in ("{market}", "{account}", "{number}", "{x}", "{y}"):
                path = path.replace(part, urllib.parse.quote(ident, safe=""))
            path += "?" + urllib.parse.urlencode({qname: qvalue})
            check("GET", route, path, None)

        fuzz_gets()
