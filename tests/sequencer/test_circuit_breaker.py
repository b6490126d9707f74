"""Circuit breakers (protocol.md 4.11): a price move past breaker_move_ppm from the window's
reference puts the market in a reduce-only cool-down; an oracle recovery halts it (see
test_oracle_update); both end by themselves when the cool-down has passed."""

from __future__ import annotations

from protocol.constants import STATUS_NORMAL, STATUS_REDUCE_ONLY
from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, SELL, USD, World

P = 5_000_000


def pump(w: World, steps: int) -> None:
    """`steps` oracle updates of +2.5% (the largest one update may move), 5 s apart."""
    for _ in range(steps):
        w.tick(5)
        mk = w.ex.markets[BTC]
        assert w.oracle(BTC, mk.oracle_price * 1025 // 1000, walk=False).ok
        w.refresh()


def test_breaker_trips_on_a_fast_move_and_cools_down() -> None:
    w = World().funded(4).priced()
    assert w.order(1, BTC, SELL, P, 1_000).ok
    assert w.order(0, BTC, BUY, P, 1_000, tif=TimeInForce.IOC).ok  # 0 long 0.1 BTC, 1 short
    mk = w.ex.markets[BTC]
    pump(w, 3)  # +7.7% within the window: no trip
    assert mk.status == STATUS_NORMAL and mk.ref_price == P
    p = mk.oracle_price
    assert w.order(2, BTC, BUY, p // 100 * 100 - 100_000, 10).ok  # resting, could open risk
    w.tick(5)
    res = w.oracle(BTC, p * 1025 // 1000, walk=False)  # +10.4% from the reference: trips
    assert res.ok
    assert (mk.status, mk.status_until) == (STATUS_REDUCE_ONLY, w.time + mk.cfg.cooldown_s)
    assert mk.ref_price == mk.oracle_price  # the reference starts again at the new price
    assert w.ex.open_orders(w.aid(2)) == []  # the order that could open risk left the book
    assert any(getattr(e, "reason", None) == ErrorCode.MARKET_REDUCE_ONLY for e in res.events)
    assert res.record.steps[0].global_after.markets[BTC].status == STATUS_REDUCE_ONLY  # committed
    w.refresh()
    p = mk.oracle_price // 100 * 100  # a multiple of the tick
    # an order that may increase a position is rejected, a reduce-only one is taken
    assert_rejected_unchanged(w, w.order_op(0, BTC, BUY, p, 10), ErrorCode.MARKET_REDUCE_ONLY)
    assert_rejected_unchanged(w, w.order_op(2, BTC, SELL, p, 10), ErrorCode.MARKET_REDUCE_ONLY)
    assert_rejected_unchanged(
        w, w.order_op(0, BTC, BUY, p, 10, reduce_only=True), ErrorCode.REDUCE_ONLY_WOULD_INCREASE
    )
    assert w.order(1, BTC, BUY, p, 500, reduce_only=True).ok  # the short rests a reducing bid
    res = w.order(0, BTC, SELL, p, 500, reduce_only=True, tif=TimeInForce.IOC)
    assert res.ok and w.acct(0).sizes[BTC] == 500 and w.acct(1).sizes[BTC] == -500
    assert w.withdraw(0, USD).ok  # reduce-only does not stop withdrawals (a halt does)
    # the cool-down ends by itself: no operation clears it
    while w.time < mk.status_until:
        w.tick(20)
        w.refresh()
    assert not mk.reduce_only(w.time)
    assert w.order(2, BTC, BUY, mk.oracle_price // 100 * 100, 10).ok


def test_slow_moves_renew_the_reference() -> None:
    """The reference price is renewed once the window has passed: a slow trend never trips."""
    w = World().funded(1).priced()
    mk = w.ex.markets[BTC]
    for _ in range(8):  # +2.5% per 100 s: +21.8% in 800 s, never 10% within one 300 s window
        for _ in range(5):
            w.tick(20)
            w.refresh()
        w.tick(5)
        assert w.oracle(BTC, mk.oracle_price * 1025 // 1000, walk=False).ok
        assert mk.status == STATUS_NORMAL
    assert mk.oracle_price > P * 1.2
