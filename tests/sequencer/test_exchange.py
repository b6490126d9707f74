"""The Exchange API the node builds on: batched signature checks, time, unknown operations,
replay with signature checks, queries, batches."""

from __future__ import annotations

from dataclasses import replace

import pytest

from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from sequencer.exchange import Exchange
from sequencer.ops import FundingTick
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World, trader_signer

P = 5_000_000


def test_verify_signatures_in_one_batch(world: World) -> None:
    world.tick()
    good = [world.order_op(0, BTC, BUY, P - 100 * i, 1_000) for i in range(1, 4)]
    good.append(world.withdraw_op(1, USD))
    good.append(world.oracle_op(ETH, 301_000))
    forged = replace(good[0], sig=trader_signer(2).sign(good[0].msg.hash(world.domain)))
    other_msg = replace(good[1], msg=replace(good[1].msg, size=2_000))
    ops = [*good, forged, other_msg, FundingTick(world.time)]
    assert world.ex.verify_signatures(ops) == [True] * 5 + [False, False, True]
    # an unknown account cannot have a valid signature
    unknown = replace(good[0], msg=replace(good[0].msg, account_id=999))
    assert world.ex.verify_signatures([unknown]) == [False]
    for op in good:  # verified in a batch, applied without checking again
        assert world.ex.apply(op, verify=False).ok


def test_time_and_malformed_operations(world: World) -> None:
    op = world.order_op(0, BTC, BUY, P - 100, 1_000)
    assert_rejected_unchanged(world, replace(op, time=world.time - 1), ErrorCode.TIME_WENT_BACKWARDS)
    assert_rejected_unchanged(world, replace(op, time="now"), ErrorCode.MALFORMED)
    assert_rejected_unchanged(world, replace(op, msg=world.withdraw_op(0, 1).msg), ErrorCode.MALFORMED)
    assert_rejected_unchanged(world, replace(op, sig=(1, 2, 3)), ErrorCode.MALFORMED)
    res = world.ex.apply(object())
    assert not res.ok and res.code == ErrorCode.MALFORMED


def test_replay_with_signature_checks_gives_the_same_state(world: World) -> None:
    assert world.order(0, BTC, SELL, P, 3_000).ok
    assert world.order(1, BTC, BUY, P, 1_000, tif=TimeInForce.IOC).ok
    assert world.transfer(1, 2, 5 * USD).ok
    ex = Exchange.replay(world.config, world.journal, verify=True)
    assert ex.digest() == world.ex.digest()


def test_queries(world: World) -> None:
    assert world.order(0, BTC, SELL, P + 100, 3_000).ok
    assert world.order(0, BTC, SELL, P + 200, 1_000).ok
    assert world.order(1, BTC, BUY, P - 100, 2_000).ok
    assert world.ex.book_levels(BTC, 1) == {"bids": [(P - 100, 2_000)], "asks": [(P + 100, 3_000)]}
    assert [o.order_id for o in world.ex.open_orders(world.aid(0))] == [1, 2]
    assert world.ex.account_state(world.aid(1)).collateral == 100_000 * USD
    assert world.ex.account_id_of(trader_signer(2).pub) == world.aid(2)
    assert world.ex.account_id_of((1, 2)) is None
    assert world.ex.liquidatable_accounts() == []
    with pytest.raises(RuntimeError):
        Exchange(world.config, records=False).close_batch()


def test_batches_number_and_chain(world: World) -> None:
    b0 = world.ex.close_batch()
    assert world.order(0, BTC, SELL, P, 1_000).ok
    assert world.order(1, BTC, BUY, P, 1_000, tif=TimeInForce.IOC).ok
    b1 = world.ex.close_batch(witness=False)
    b2 = world.ex.close_batch()
    assert (b0.number, b1.number, b2.number) == (0, 1, 2)
    assert b1.old_root == b0.new_root and b2.old_root == b2.new_root == b1.new_root
    assert b0.queue_end == 3 and b1.queue_start == b1.queue_end == 3
    assert len(b1.records) == 1 and b2.records == ()


def test_batch_time_ranges_chain(world: World) -> None:
    """protocol.md 7.1: time_start is the previous batch's time_end (0 first), time_end the last
    operation with steps (an order that rests has none), time_start again for an empty batch; a
    snapshot keeps the open batch's time_start."""
    b0 = world.ex.close_batch()
    assert b0.time_start == 0 and b0.time_end == b0.records[-1].op.time
    world.tick(10)
    assert world.order(0, BTC, SELL, P, 1_000).ok
    world.tick(5)
    assert world.order(1, BTC, BUY, P, 400, tif=TimeInForce.IOC).ok
    t_trade = world.time
    world.tick(5)
    assert world.order(1, BTC, BUY, P - 100, 1_000).ok  # rests: advances the clock, no step
    assert world.ex.now == t_trade + 5
    restored = Exchange.restore(world.ex.snapshot())
    for ex in (world.ex, restored):
        b1 = ex.close_batch()
        assert (b1.time_start, b1.time_end) == (b0.time_end, t_trade)
        b2 = ex.close_batch()
        assert (b2.time_start, b2.time_end) == (t_trade, t_trade)
        assert b1.header(world.config.chain_id)[6:] == (b0.time_end, t_trade)


def test_seal_then_hash_matches_close_batch(world: World) -> None:
    twin = World().funded(3).priced()
    for w in (world, twin):
        assert w.order(0, BTC, SELL, P, 1_000).ok
        assert w.order(1, BTC, BUY, P, 1_000, tif=TimeInForce.IOC).ok
    sealed = world.ex.seal_batch()
    assert world.ex.batch_number == sealed.number + 1 and world.ex.pending == []
    # operations applied after sealing belong to the next batch and do not change this one
    assert world.order(0, BTC, SELL, P + 100, 1_000).ok
    second = world.ex.seal_batch()
    with pytest.raises(RuntimeError, match="out of order"):
        world.ex.hash_batch(second)
    got = world.ex.hash_batch(sealed)
    want = twin.ex.close_batch(witness=False)
    assert (got.number, got.old_root, got.new_root) == (want.number, want.old_root, want.new_root)
    assert world.ex.hash_batch(second).old_root == want.new_root
    assert world.ex.account_proof(0, sealed.number).root == want.new_root


def test_operations_of_the_wrong_shape_are_rejected(world: World) -> None:
    op = world.order_op(0, BTC, BUY, P - 100, 1_000)
    for bad in (
        replace(op, msg=None),
        replace(op, msg=replace(op.msg, price=None)),
        replace(op, msg=replace(op.msg, flags=1.5)),
        replace(op, sig=None),
        replace(world.oracle_op(BTC, P), prices=[1, 2]),
        replace(world.oracle_op(BTC, P), prices=(None,)),
    ):
        assert_rejected_unchanged(world, bad, ErrorCode.MALFORMED)
