"""Signed cancels: the order leaves the book, its id is spent, nothing in the state root changes."""

from __future__ import annotations

from dataclasses import replace

from protocol.errors import ErrorCode
from protocol.messages.cancel import CancelMessage
from sequencer.events import OrderState, OrderUpdate
from sequencer.ops import CancelOrder
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, SELL, World, trader_signer


def test_cancel_removes_a_live_order(world: World) -> None:
    assert world.order(0, BTC, BUY, 4_990_000, 1_000).ok
    assert world.order(0, BTC, BUY, 4_990_000, 2_000).ok
    res = world.cancel(0, 1)
    assert res.events == (OrderUpdate(world.aid(0), 1, BTC, OrderState.CANCELLED, 0, 1_000, None),)
    assert res.record is None  # sequencer-enforced: no circuit step
    assert world.ex.book_levels(BTC)["bids"] == [(4_990_000, 2_000)]
    assert world.order(1, BTC, SELL, 4_990_000, 3_000).ok  # only order 2 can fill
    assert world.acct(0).sizes[BTC] == 2_000
    # a cancelled id can never come back
    assert_rejected_unchanged(
        world, world.order_op(0, BTC, BUY, 4_990_000, 1_000, order_id=1), ErrorCode.ORDER_ID_USED
    )


def test_cancel_rules(world: World) -> None:
    assert world.order(0, BTC, BUY, 4_990_000, 1_000).ok
    assert world.cancel(0, 5).code == ErrorCode.ORDER_NOT_OPEN
    assert world.cancel(1, 1).code == ErrorCode.ORDER_NOT_OPEN  # another account's order id
    msg = CancelMessage(world.aid(0), 1, world.time + 60)
    forged = CancelOrder(world.time, msg, trader_signer(1).sign(msg.hash(world.domain)))
    assert_rejected_unchanged(world, forged, ErrorCode.BAD_SIGNATURE)
    late = replace(msg, expiry=world.time - 1)
    assert_rejected_unchanged(
        world,
        CancelOrder(world.time, late, trader_signer(0).sign(late.hash(world.domain))),
        ErrorCode.EXPIRED,
    )
    assert world.cancel(0, 1).ok
    assert world.cancel(0, 1).code == ErrorCode.ORDER_NOT_OPEN
