"""Journal encoding of operations and whole-exchange snapshots: restore continues identically."""

from __future__ import annotations

import pytest

from protocol.messages.order import TimeInForce
from sequencer.codec import CodecError, decode_op, encode_op, loads
from sequencer.exchange import Exchange
from sequencer.ops import Deleverage, Liquidate, StartAuction
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


def test_every_op_round_trips(world: World) -> None:
    ops = list(world.journal)
    ops.append(world.order_op(0, BTC, BUY, 4_990_000, 1_000))
    ops.append(world.withdraw_op(0, USD))
    for op in ops:
        blob = encode_op(op)
        assert decode_op(blob) == op
        assert encode_op(decode_op(blob)) == blob


def test_bad_journal_entries() -> None:
    for blob in (b"{", b"[1]", b'{"@": "Nope"}', b'{"@": "Deposit", "time": 1}', b'{"@": "OrderMessage"}'):
        with pytest.raises(CodecError):
            decode_op(blob)
    with pytest.raises(CodecError):
        loads(b'{"@": "os.system"}')


def test_snapshot_mid_batch_continues_identically(world: World) -> None:
    assert world.order(0, BTC, SELL, 5_000_000, 3_000).ok
    assert world.order(1, BTC, BUY, 5_000_000, 1_000, tif=TimeInForce.IOC).ok
    assert world.order(2, ETH, BUY, 299_000, 2_000).ok
    snap = world.ex.snapshot()
    twin = Exchange.restore(snap)
    assert twin.digest() == world.ex.digest()
    assert twin.snapshot() == snap
    more = [
        world.order_op(1, BTC, BUY, 5_000_000, 2_000),
        world.order_op(0, ETH, SELL, 299_000, 1_000, tif=TimeInForce.IOC),
    ]
    for op in more:
        a, b = world.ex.apply(op), twin.apply(op)
        assert a.ok and b.ok and a.events == b.events
    assert twin.digest() == world.ex.digest()
    b1, b2 = world.ex.close_batch(), twin.close_batch()
    assert (b1.old_root, b1.new_root, len(b1.records)) == (b2.old_root, b2.new_root, len(b2.records))
    assert Exchange.restore(world.ex.snapshot()).state_root == world.ex.state_root


def test_bad_snapshot() -> None:
    with pytest.raises(CodecError):
        Exchange.restore(b"not json")
    with pytest.raises(CodecError):
        Exchange.restore(b'{"version": 99}')


def test_liquidation_ops_and_a_live_auction_round_trip() -> None:
    """StartAuction, a takeover (Liquidate with a signed order) and Deleverage journal exactly; a
    snapshot keeps an account's auction start (a leaf field)."""
    w = World().funded(2).priced()
    assert w.deposit(2, 3_000 * USD).ok
    assert w.order(0, BTC, SELL, 5_000_000, 10_000).ok
    assert w.order(2, BTC, BUY, 5_000_000, 10_000, tif=TimeInForce.IOC).ok
    w.tick()
    assert w.oracle(BTC, 4_790_000).ok
    assert w.apply(StartAuction(w.time, w.aid(2))).ok
    twin = Exchange.restore(w.ex.snapshot())
    assert twin.accounts[w.aid(2)].auction_start == w.time and twin.digest() == w.ex.digest()
    takeover = Liquidate(w.time, w.aid(2), BTC, 1_000, w.order_op(1, BTC, BUY, 4_790_000, 1_000))
    for op in (StartAuction(w.time, w.aid(2)), takeover, Deleverage(w.time, w.aid(2), BTC, w.aid(0), 10)):
        blob = encode_op(op)
        assert decode_op(blob) == op and encode_op(decode_op(blob)) == blob
    a, b = w.ex.apply(takeover), twin.apply(takeover)
    assert a.ok and b.ok and a.events == b.events and twin.digest() == w.ex.digest()
