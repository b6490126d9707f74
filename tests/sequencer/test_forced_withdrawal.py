"""Forced withdrawals from the L1 queue: always consumed; served up to free collateral for the owner."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.events import Withdrawn
from tests.sequencer.world import BTC, BUY, SELL, USD, World


def test_owner_gets_up_to_free_collateral(world: World) -> None:
    aid, owner = world.aid(0), 0x1000  # World.deposit uses owner 0x1000 + trader
    res = world.forced_withdrawal(aid, 40_000 * USD, owner)
    assert res.events == (Withdrawn(aid, 40_000 * USD, owner, forced=True, queue_index=3),)
    assert world.acct(0).collateral == 60_000 * USD
    assert res.record.steps[0].kind == StepKind.FORCED_WITHDRAWAL
    # with a position only the free part leaves
    assert world.order(1, BTC, SELL, 5_000_000, 10_000).ok
    assert world.order(0, BTC, BUY, 5_000_000, 10_000, tif=TimeInForce.IOC).ok  # fee 25, IM 2,500
    res = world.forced_withdrawal(aid, 60_000 * USD, owner)
    assert res.events[0].amount == 57_475 * USD and res.events[0].reason == ErrorCode.INSUFFICIENT_COLLATERAL
    assert world.ex.risk(world.acct(0)).withdrawable == 0


def test_not_owner_or_unknown_account_is_consumed_as_a_no_op(world: World) -> None:
    q = world.ex.queue_next
    res = world.forced_withdrawal(world.aid(0), USD, 0xE51)
    assert res.ok and res.events[0].amount == 0 and res.events[0].reason == ErrorCode.NOT_OWNER
    assert world.acct(0).collateral == 100_000 * USD
    res = world.forced_withdrawal(4_000, USD, 0xE51)
    assert res.ok and res.events[0].reason == ErrorCode.UNKNOWN_ACCOUNT
    (u,) = res.record.steps[0].updates
    assert u.before is None and u.after is None  # the circuit gets a proof that the leaf is empty
    assert world.ex.queue_next == q + 2
    batch = world.ex.close_batch()
    assert batch.witnesses is not None and batch.queue_end == q + 2
