"""The node's operator duties: the first oracle price starts funding (a funding tick is journaled),
and an account pushed below maintenance margin by a price move is liquidated against the book by
the keeper (partially: the restoring size), through the pipeline and the journal like any
operation."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sequencer.journal import Store
from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, USD, fund, run, running_node, set_price


def test_funding_tick_and_liquidation(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_node(tmp_path) as r:
            c = r.client
            weak = await fund(c, 1, 520 * USD)
            maker = await fund(c, 2)
            bidder = await fund(c, 3)
            await set_price(c, "BTC-USD", BTC_PRICE)
            exp = int(time.time()) + 3600
            # weak buys 0.2 BTC (10,000 USD notional, 5% initial margin = 500 USD) with 520 USD
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
            out = await c.place_order(
                weak.order(
                    market_id=BTC,
                    side=BUY,
                    price=BTC_PRICE,
                    size=2000,
                    order_id=weak.next_order_id(),
                    expiry=exp,
                )
            )
            assert out["order"]["state"] == "filled"
            # liquidity for the liquidation to close against
            for k in range(1, 6):
                await c.place_order(
                    bidder.order(
                        market_id=BTC,
                        side=BUY,
                        price=BTC_PRICE - 10_000 * k,
                        size=1000,
                        order_id=bidder.next_order_id(),
                        expiry=exp,
                    )
                )
            tok = weak.read_token(int(time.time()) + 600)
            assert not (await c.account(weak.account_id, tok))["liquidatable"]
            # the largest move of one update, 2.5%, needs 5 s at 0.5%/s (protocol.md 4.7)
            await asyncio.sleep(5.05)
            # -2.5%: 515 - 250 = 265 USD of value < maintenance 3% of 9,750 = 292.5 USD
            await set_price(c, "BTC-USD", BTC_PRICE * 975 // 1000)
            for _ in range(100):
                acct = await c.account(weak.account_id, tok)
                if [p["size"] for p in acct["positions"]] != ["2000"]:
                    break
                await asyncio.sleep(0.05)
            # a partial liquidation against the bids: the restoring size (protocol.md 4.8), the
            # least that brings the value to 120% of maintenance, here 0.068 of the 0.2 BTC
            assert [p["size"] for p in acct["positions"]] == ["1320"], acct
            assert not acct["liquidatable"] and acct["auction_start"] == 0
        kinds = [e.kind for e in Store(tmp_path / "journal.db").entries()]
        assert "funding_tick" in kinds
        assert "liquidate" in kinds or "deleverage" in kinds

    run(main())
