"""Signed cancel-all: cancels ids <= nonce in scope and revokes them for the future."""

from __future__ import annotations

from protocol.constants import ALL_MARKETS
from protocol.errors import ErrorCode
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, ETH, World

BID = {BTC: 4_990_000, ETH: 299_000}


def test_cancel_all_in_one_market_and_everywhere(world: World) -> None:
    for oid in (10, 20, 30):
        assert world.order(0, BTC, BUY, BID[BTC], 1_000, order_id=oid).ok
    assert world.order(0, ETH, BUY, BID[ETH], 1_000, order_id=40).ok
    res = world.cancel_all(0, BTC, 25)
    assert sorted(e.order_id for e in res.events) == [10, 20]
    assert sorted(world.acct(0).live) == [30, 40]
    # never-submitted ids <= 25 are revoked in BTC, not in ETH
    assert_rejected_unchanged(
        world, world.order_op(0, BTC, BUY, BID[BTC], 1_000, order_id=22), ErrorCode.ORDER_ID_USED
    )
    assert world.order(0, ETH, BUY, BID[ETH], 1_000, order_id=22).ok
    res = world.cancel_all(0, ALL_MARKETS, 100)
    assert sorted(e.order_id for e in res.events) == [22, 30, 40]
    assert world.acct(0).live == {}
    for market in (BTC, ETH):
        op = world.order_op(0, market, BUY, BID[market], 1_000, order_id=99)
        assert_rejected_unchanged(world, op, ErrorCode.ORDER_ID_USED)
    assert world.order(0, BTC, BUY, BID[BTC], 1_000, order_id=101).ok
    assert world.cancel_all(0, 6, 1).code == ErrorCode.UNKNOWN_MARKET
    assert world.cancel_all(0, 200, 1).code == ErrorCode.UNKNOWN_MARKET
    assert world.cancel_all(0, ALL_MARKETS, 3).ok  # a lower nonce (or a replay) changes nothing
    assert world.acct(0).floor_all == 100 and 101 in world.acct(0).live
