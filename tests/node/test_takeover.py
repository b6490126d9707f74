"""Liquidation auctions through the node: the keeper starts the auction of an account it cannot
close against the book, and a third account takes the position over with a signed order through
POST /v1/liquidations/takeover (built by `Wallet.takeover`); bad takeovers change nothing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sequencer.journal import Store
from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, USD, fund, run, running_node, set_price
from tests.node.test_api import expect_error


def test_takeover_in_a_liquidation_auction(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            weak = await fund(c, 1, 600 * USD)
            maker = await fund(c, 2)
            taker = await fund(c, 3)
            await set_price(c, "BTC-USD", BTC_PRICE)
            exp = int(time.time()) + 3600
            # weak buys 0.2 BTC (10,000 USD notional) with 600 USD; no bids are left after it
            await c.place_order(
                maker.order(
                    market_id=BTC,
                    side=SELL,
                    price=BTC_PRICE,
                    size=2000,
                    order_id=maker.next_order_id(),
                    expiry=exp,
                )
            )
            await c.place_order(
                weak.order(
                    market_id=BTC,
                    side=BUY,
                    price=BTC_PRICE,
                    size=2000,
                    order_id=weak.next_order_id(),
                    expiry=exp,
                )
            )
            tok = weak.read_token(int(time.time()) + 600)
            price = BTC_PRICE - 200_000  # -4%: value ~195 USD < maintenance 288, above zero

            def takeover(account_id: int, size: int = 2000, limit: int = price) -> dict[str, object]:
                return taker.takeover(
                    account_id=account_id,
                    market_id=BTC,
                    side=BUY,
                    price=limit,
                    size=size,
                    order_id=taker.next_order_id(),
                    expiry=exp,
                )

            # not liquidatable yet: rejected, nothing changes
            err = await expect_error(r, "rejected", c.takeover(takeover(weak.account_id)))
            assert err.details["reason"] == "NOT_LIQUIDATABLE"
            await asyncio.sleep(1.05)  # oracle timestamps must increase (whole seconds)
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
            body = takeover(weak.account_id)
            tampered = {**body, "order": {**body["order"], "size": "1000"}}
            await expect_error(r, "bad_signature", c.takeover(tampered))
            out = await c.takeover(takeover(weak.account_id))
            assert out["ok"] and out["seq"] > 0
            acct = await c.account(weak.account_id, tok)
            assert acct["positions"] == [] and acct["auction_start"] == 0 and not acct["liquidatable"]
            mine = await c.account(taker.account_id, taker.read_token(int(time.time()) + 600))
            assert [p["size"] for p in mine["positions"]] == ["2000"]
        kinds = [e.kind for e in Store(tmp_path / "journal.db").entries()]
        assert "start_auction" in kinds and "liquidate" in kinds

    run(main())
