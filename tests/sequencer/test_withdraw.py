"""Signed withdrawals: nonce, expiry, free collateral (unrealised profit never withdrawable)."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from sequencer.events import Withdrawn
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, SELL, USD, World

P = 5_000_000


def test_withdraw_free_collateral_and_nonce(world: World) -> None:
    res = world.withdraw(0, 30_000 * USD, recipient=0xCAFE)
    assert res.events == (Withdrawn(world.aid(0), 30_000 * USD, 0xCAFE),)
    assert world.acct(0).collateral == 70_000 * USD and world.acct(0).nonce == 1
    assert res.record.steps[0].kind == StepKind.WITHDRAW
    assert world.ex.total_withdrawals == 30_000 * USD
    assert_rejected_unchanged(world, world.withdraw_op(0, 1, nonce=0), ErrorCode.STALE_NONCE)
    assert_rejected_unchanged(world, world.withdraw_op(0, 1, nonce=2), ErrorCode.STALE_NONCE)
    assert_rejected_unchanged(
        world, world.withdraw_op(0, 70_000 * USD + 1), ErrorCode.INSUFFICIENT_COLLATERAL
    )
    assert world.withdraw(0, 70_000 * USD).ok
    assert world.acct(0).collateral == 0


def test_unrealised_profit_is_not_withdrawable_but_loss_counts() -> None:
    w = World().funded(2).priced()
    assert w.deposit(2, 10_000 * USD).ok
    assert w.order(0, BTC, SELL, P, 10_000).ok
    assert w.order(2, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok  # 1 BTC long; taker fee 25 USD
    # collateral 9,975; IM at 50,000 = 2,500 -> free 7,475
    assert w.ex.risk(w.acct(2)).withdrawable == 7_475 * USD
    w.tick()
    assert w.oracle(BTC, 5_500_000).ok  # +5,000 USD unrealised: free collateral = 9,975 - IM 2,750 = 7,225
    assert w.ex.risk(w.acct(2)).withdrawable == 7_225 * USD
    assert_rejected_unchanged(w, w.withdraw_op(2, 7_225 * USD + 1), ErrorCode.INSUFFICIENT_COLLATERAL)
    w.tick()
    assert w.oracle(BTC, 4_600_000).ok  # -4,000 USD: value 5,975 - IM 2,300 = 3,675
    assert w.ex.risk(w.acct(2)).withdrawable == 3_675 * USD
    assert w.withdraw(2, 3_675 * USD).ok
    assert w.ex.risk(w.acct(2)).value == w.ex.risk(w.acct(2)).initial


def test_expiry_signature_and_unknown_account(world: World) -> None:
    op = world.withdraw_op(0, USD)
    world.tick(61)
    assert_rejected_unchanged(world, op.__class__(world.time, op.msg, op.sig), ErrorCode.EXPIRED)
    other = world.withdraw_op(1, USD)
    assert_rejected_unchanged(
        world, other.__class__(world.time, world.withdraw_op(0, USD).msg, other.sig), ErrorCode.BAD_SIGNATURE
    )
