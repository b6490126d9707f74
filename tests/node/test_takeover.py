"""Liquidation auctions through the node: the keeper starts the auction of an account it cannot
close against the book, and a third account takes the position over with a signed order through
POST /v1/liquidations/takeover (built by `Wallet.takeover`); bad takeovers change nothing, answers
follow the served OpenAPI schemas, and the route is rate-limited on the liquidator's key."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from sequencer.journal import Store
from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, USD, fund, run, running_node, set_price
from tests.node.test_api import expect_error

ROUTE = "/v1/liquidations/takeover"


def by_schema(doc: dict[str, Any], status: int, body: Any) -> None:
    schema = doc["paths"][ROUTE]["post"]["responses"][str(status)]["content"]["application/json"]["schema"]
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(body)]
    assert not errors, (status, errors, body)


async def into_auction(c: Any, weak: Any, maker: Any, *, priced: bool = False) -> tuple[str, int]:
    """weak (520 USD) buys 0.2 BTC from maker at 50,000 with no bids left behind; the largest
    oracle move of one update, -2.5% after 5 s (protocol.md 4.7), leaves its value (~265 USD)
    under maintenance (~292 USD) but above zero, and the keeper, finding no bids, starts its
    auction.  Returns weak's read token and the new oracle price.  `priced`: BTC is at BTC_PRICE."""
    if not priced:
        await set_price(c, "BTC-USD", BTC_PRICE)
    exp = int(time.time()) + 3600
    await c.place_order(
        maker.order(
            market_id=BTC, side=SELL, price=BTC_PRICE, size=2000, order_id=maker.next_order_id(), expiry=exp
        )
    )
    await c.place_order(
        weak.order(
            market_id=BTC, side=BUY, price=BTC_PRICE, size=2000, order_id=weak.next_order_id(), expiry=exp
        )
    )
    return weak.read_token(int(time.time()) + 600), BTC_PRICE * 975 // 1000


def test_takeover_in_a_liquidation_auction(tmp_path: Path) -> None:
    async def main() -> None:
        # one accepted operation per key, then nothing for ~17 minutes: the key limit shows
        async with running_node(tmp_path, key_rate=0.001, key_burst=1) as r:
            c = r.client
            doc = await c.request("GET", "/openapi.json")
            weak = await fund(c, 1, 520 * USD)
            maker = await fund(c, 2)
            taker = await fund(c, 3)
            tok, price = await into_auction(c, weak, maker)
            exp = int(time.time()) + 3600

            def takeover(account_id: int, size: int = 2000, limit: int = price) -> dict[str, Any]:
                return taker.takeover(
                    account_id=account_id,
                    market_id=BTC,
                    side=BUY,
                    price=limit,
                    size=size,
                    order_id=taker.next_order_id(),
                    expiry=exp,
                )

            # not liquidatable yet: rejected, nothing changes (and the key's token is refunded)
            err = await expect_error(r, "rejected", c.takeover(takeover(weak.account_id)))
            assert err.details["reason"] == "NOT_LIQUIDATABLE"
            by_schema(doc, err.status, {"error": {"code": err.code, "message": str(err.message),
                                                  "details": err.details}})  # fmt: skip
            err = await expect_error(r, "rejected", c.takeover(takeover(taker.account_id)))
            assert err.details["reason"] == "NO_POSITION"
            await asyncio.sleep(5.05)  # 0.5%/s: the 2.5% move needs 5 s since the last price
            await set_price(c, "BTC-USD", price)
            for _ in range(100):  # the keeper finds no bids and starts the auction
                acct = await c.account(weak.account_id, tok)
                if acct["auction_start"]:
                    break
                await asyncio.sleep(0.05)
            assert acct["liquidatable"] and acct["auction_start"] > 0, acct
            low = takeover(weak.account_id, limit=price - 100)  # a limit below the oracle price
            err = await expect_error(r, "invalid_order", c.takeover(low))
            assert err.details["reason"] == "PRICE_OUT_OF_BAND"
            await expect_error(r, "malformed_body", c.takeover({**takeover(weak.account_id), "colour": 1}))
            err = await expect_error(
                r, "malformed_body", c.takeover({**takeover(weak.account_id), "size": "-1"})
            )
            assert err.details["reason"] == "NON_CANONICAL"
            err = await expect_error(r, "invalid_order", c.takeover(takeover(weak.account_id, size=2001)))
            assert err.details["reason"] == "BAD_SIZE_STEP"
            body = takeover(weak.account_id)
            tampered = {**body, "order": {**body["order"], "size": "1000"}}
            await expect_error(r, "bad_signature", c.takeover(tampered))
            wrong_side = taker.takeover(
                account_id=weak.account_id, market_id=BTC, side=SELL, price=price, size=2000,
                order_id=taker.next_order_id(), expiry=exp,
            )  # fmt: skip
            await expect_error(r, "malformed_body", c.takeover(wrong_side))
            out = await c.takeover(body)
            by_schema(doc, 200, out)
            assert out["ok"] and out["seq"] > 0
            assert (out["account_id"], out["liquidator_id"], out["order_id"]) == (
                weak.account_id,
                taker.account_id,
                body["order"]["order_id"],
            )
            assert (out["side"], out["size"], out["price"]) == ("buy", "2000", str(price))
            assert int(out["penalty"]) >= 0
            acct = await c.account(weak.account_id, tok)
            assert acct["positions"] == [] and acct["auction_start"] == 0 and not acct["liquidatable"]
            mine = await c.account(taker.account_id, taker.read_token(int(time.time()) + 600))
            assert [p["size"] for p in mine["positions"]] == ["2000"]
            # the accepted takeover spent the taker's one token: its next operation waits
            err = await expect_error(r, "rate_limited", c.takeover(takeover(weak.account_id)))
            assert err.details["retry_after"] > 0
        kinds = [e.kind for e in Store(tmp_path / "journal.db").entries()]
        assert "start_auction" in kinds and kinds.count("liquidate") == 1

    run(main())
