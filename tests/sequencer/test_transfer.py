"""Signed transfers between accounts."""

from __future__ import annotations

from protocol.errors import ErrorCode
from protocol.messages.transfer import TransferMessage
from protocol.records import StepKind
from sequencer.events import Transferred
from sequencer.ops import Transfer
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import USD, World, trader_signer


def test_transfer_moves_collateral_and_bumps_the_sender_nonce(world: World) -> None:
    res = world.transfer(0, 1, 1_234 * USD)
    assert res.events == (Transferred(world.aid(0), world.aid(1), 1_234 * USD),)
    assert world.acct(0).collateral == (100_000 - 1_234) * USD
    assert world.acct(1).collateral == (100_000 + 1_234) * USD
    assert (world.acct(0).nonce, world.acct(1).nonce) == (1, 0)
    (step,) = res.record.steps
    assert step.kind == StepKind.TRANSFER and [u.account_id for u in step.updates] == [
        world.aid(0),
        world.aid(1),
    ]


def test_transfer_rules(world: World) -> None:
    assert world.transfer(0, 1, 100_000 * USD + 1).code == ErrorCode.INSUFFICIENT_COLLATERAL
    assert world.transfer(0, 1, USD, nonce=5).code == ErrorCode.STALE_NONCE
    assert world.transfer(0, 0, USD).code == ErrorCode.SAME_ACCOUNT
    msg = TransferMessage(world.aid(0), 999, USD, 0, world.time + 60)
    op = Transfer(world.time, msg, trader_signer(0).sign(msg.hash(world.domain)))
    assert_rejected_unchanged(world, op, ErrorCode.UNKNOWN_ACCOUNT)
