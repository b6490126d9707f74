"""Deposits from the L1 queue: account creation, crediting, queue order."""

from __future__ import annotations

from protocol.constants import FIRST_ACCOUNT_ID
from protocol.errors import ErrorCode
from protocol.records import StepKind
from sequencer.events import Deposited
from sequencer.ops import Deposit
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import USD, World, trader_signer


def test_first_deposit_creates_the_account_then_credits_it() -> None:
    w = World()
    res = w.deposit(0, 500 * USD, owner=0xA11CE)
    assert res.events == (Deposited(FIRST_ACCOUNT_ID, 500 * USD, 0, True),)
    acct = w.acct(0)
    assert (acct.id, acct.owner, acct.collateral, acct.nonce) == (FIRST_ACCOUNT_ID, 0xA11CE, 500 * USD, 0)
    assert (acct.pub_x, acct.pub_y) == trader_signer(0).pub
    (step,) = res.record.steps
    assert step.kind == StepKind.DEPOSIT
    assert step.updates[0].before is None and step.updates[0].after.collateral == 500 * USD
    # a second deposit, from another address, credits the same account; the owner stays
    res = w.deposit(0, 250 * USD, owner=0xB0B)
    assert res.events == (Deposited(FIRST_ACCOUNT_ID, 250 * USD, 1, False),)
    assert (w.acct(0).collateral, w.acct(0).owner) == (750 * USD, 0xA11CE)
    assert w.deposit(1, 1).ok and w.aid(1) == FIRST_ACCOUNT_ID + 1
    assert w.ex.total_deposits == 750 * USD + 1


def test_queue_must_be_consumed_in_order() -> None:
    w = World()
    pub = trader_signer(0).pub
    assert_rejected_unchanged(w, Deposit(w.time, 1, 0xA, pub[0], pub[1], 5), ErrorCode.QUEUE_OUT_OF_ORDER)
    assert w.apply(Deposit(w.time, 0, 0xA, pub[0], pub[1], 5)).ok
    assert_rejected_unchanged(w, Deposit(w.time, 0, 0xA, pub[0], pub[1], 5), ErrorCode.QUEUE_OUT_OF_ORDER)
    assert w.ex.queue_next == 1


def test_bad_deposits() -> None:
    w = World()
    pub = trader_signer(0).pub
    for op, code in [
        (Deposit(w.time, 0, 0xA, pub[0], pub[1], 0), ErrorCode.VALUE_OUT_OF_RANGE),
        (Deposit(w.time, 0, 0xA, pub[0], pub[1], 2**64), ErrorCode.VALUE_OUT_OF_RANGE),
        (Deposit(w.time, 0, 2**160, pub[0], pub[1], 5), ErrorCode.VALUE_OUT_OF_RANGE),
        (Deposit(w.time, 0, 0xA, -1, pub[1], 5), ErrorCode.VALUE_OUT_OF_RANGE),
        (Deposit(w.time, 0, 0xA, pub[0], pub[1], "5"), ErrorCode.MALFORMED),
        (Deposit(-1, 0, 0xA, pub[0], pub[1], 5), ErrorCode.MALFORMED),
    ]:
        assert_rejected_unchanged(w, op, code)
