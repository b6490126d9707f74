"""Oracle updates: quorum of distinct configured signers, median, staleness, moves bounded per update
and per second, stale prices never used, recovery after an outage (protocol.md 4.7)."""

from __future__ import annotations

from dataclasses import replace

from protocol.constants import STATUS_HALTED
from protocol.errors import ErrorCode
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.messages.order import TimeInForce
from protocol.records import StepKind
from protocol.steps.oracle_update import SignedPrice
from sequencer.events import FundingApplied, OracleUpdated
from sequencer.ops import Liquidate, OracleUpdate
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World, oracle_signer


def signed(
    w: World, signer: int, price: int, ts: int, market: int = BTC, key: int | None = None
) -> SignedPrice:
    msg = OraclePriceMessage(market, price, ts, ts + w.config.oracle_max_age_s)
    return SignedPrice(signer, msg, oracle_signer(signer if key is None else key).sign(msg.hash(w.domain)))


def test_lower_median_of_a_quorum() -> None:
    w = World()
    t = w.time
    op = OracleUpdate(
        t, BTC, (signed(w, 0, 5_000_000, t), signed(w, 1, 5_020_000, t - 2), signed(w, 2, 4_990_000, t))
    )
    res = w.apply(op)
    assert res.events == (OracleUpdated(BTC, 5_000_000, t - 2),)
    mk = w.ex.markets[BTC]
    assert (mk.oracle_price, mk.oracle_time) == (5_000_000, t - 2)
    assert res.record.steps[0].kind == StepKind.ORACLE_UPDATE
    w.tick(5)
    t = w.time
    res = w.apply(OracleUpdate(t, BTC, (signed(w, 2, 5_100_000, t), signed(w, 0, 5_050_000, t))))
    assert res.events[0].price == 5_050_000  # two prices: the lower one


def test_quorum_signers_and_signatures() -> None:
    w = World()
    t = w.time
    assert_rejected_unchanged(w, OracleUpdate(t, BTC, (signed(w, 0, 5_000_000, t),)), ErrorCode.ORACLE_QUORUM)
    dup = (signed(w, 0, 5_000_000, t), signed(w, 0, 5_000_000, t))
    assert_rejected_unchanged(w, OracleUpdate(t, BTC, dup), ErrorCode.ORACLE_QUORUM)
    unknown = (signed(w, 0, 5_000_000, t), signed(w, 5, 5_000_000, t, key=1))
    assert_rejected_unchanged(w, OracleUpdate(t, BTC, unknown), ErrorCode.ORACLE_UNKNOWN_SIGNER)
    forged = (signed(w, 0, 5_000_000, t), signed(w, 1, 5_000_000, t, key=2))
    assert_rejected_unchanged(w, OracleUpdate(t, BTC, forged), ErrorCode.BAD_SIGNATURE)
    other_market = (signed(w, 0, 5_000_000, t), signed(w, 1, 5_000_000, t, market=1))
    assert_rejected_unchanged(w, OracleUpdate(t, BTC, other_market), ErrorCode.MALFORMED)


def test_stale_future_and_replayed_prices() -> None:
    w = World()
    t = w.time
    age = w.config.oracle_max_age_s
    old = (signed(w, 0, 5_000_000, t - age - 1), signed(w, 1, 5_000_000, t))
    assert_rejected_unchanged(w, OracleUpdate(t, BTC, old), ErrorCode.ORACLE_STALE)
    future = (signed(w, 0, 5_000_000, t + 60), signed(w, 1, 5_000_000, t))
    assert_rejected_unchanged(w, OracleUpdate(t, BTC, future), ErrorCode.ORACLE_STALE)
    good = OracleUpdate(t, BTC, (signed(w, 0, 5_000_000, t), signed(w, 1, 5_000_000, t)))
    assert w.apply(good).ok
    assert_rejected_unchanged(w, replace(good, time=t + 1), ErrorCode.ORACLE_STALE)  # not newer
    m = replace(signed(w, 0, 5_000_000, t + 1).msg, expiry=t + 1 + w.config.oracle_max_age_s + 1)
    bad_expiry = SignedPrice(0, m, oracle_signer(0).sign(m.hash(w.domain)))
    assert_rejected_unchanged(
        w, OracleUpdate(t + 1, BTC, (bad_expiry, signed(w, 1, 5_000_000, t + 1))), ErrorCode.MALFORMED
    )


def test_out_of_band_move() -> None:
    w = World()
    assert w.oracle(BTC, 5_000_000).ok
    w.tick(5)  # 5 s at 0.5%/s: the per-update bound of 2.5% applies
    assert_rejected_unchanged(w, w.oracle_op(BTC, 5_125_001), ErrorCode.ORACLE_OUT_OF_BAND)  # +2.50002%
    assert w.oracle(BTC, 5_125_000, walk=False).ok  # exactly +2.5%
    w.tick()
    assert_rejected_unchanged(w, w.oracle_op(BTC, 1_000_000_100), ErrorCode.ORACLE_OUT_OF_BAND)


def test_moves_are_bounded_per_second() -> None:
    """Issue 13: four updates in 4 s moved a price 2.07x (the bound was per update only).  Now
    |p - prev| * 10^6 <= prev * min(max_move, move_per_s * (t - t_prev)), t the oracle times."""
    w = World()
    assert w.oracle(BTC, 5_000_000).ok
    for _ in range(4):
        w.tick()
        p = w.ex.markets[BTC].oracle_price
        assert_rejected_unchanged(w, w.oracle_op(BTC, p * 12 // 10), ErrorCode.ORACLE_OUT_OF_BAND)  # +20%
        assert_rejected_unchanged(w, w.oracle_op(BTC, p + p // 200 + 100), ErrorCode.ORACLE_OUT_OF_BAND)
        assert w.oracle(BTC, p + p // 200, walk=False).ok  # +0.5% in one second
    assert w.ex.markets[BTC].oracle_price <= 5_000_000 * 1.005**4 < 5_101_000


def test_stale_price_is_not_used() -> None:
    """Issue 13: orders, withdrawals and funding were accepted on a 30-minute-old price.  A market
    is stale when time > oracle_time + oracle_max_age_s: orders that may open risk, withdrawals and
    transfers of its holders, funding ticks and liquidations wait; reduce-only orders go on."""
    w = World().funded(3).priced()
    assert w.order(1, BTC, SELL, 5_000_000, 10_000).ok
    assert w.order(0, BTC, BUY, 5_000_000, 10_000, tif=TimeInForce.IOC).ok
    assert w.order(2, BTC, BUY, 4_990_000, 1_000).ok  # resting, may open risk
    w.tick(30 * 60)
    assert w.ex.markets[BTC].stale(w.time)
    assert_rejected_unchanged(w, w.order_op(0, BTC, BUY, 5_000_000, 10), ErrorCode.ORACLE_STALE)
    assert_rejected_unchanged(w, w.withdraw_op(0, USD), ErrorCode.ORACLE_STALE)
    assert_rejected_unchanged(w, w.funding_op(), ErrorCode.ORACLE_STALE)
    assert_rejected_unchanged(w, Liquidate(w.time, w.aid(0), BTC, 10), ErrorCode.ORACLE_STALE)
    assert w.withdraw(2, USD).ok  # no position: nothing depends on the price
    # a reduce-only order is taken; the resting order that could open risk is cancelled first
    res = w.order(1, BTC, BUY, 5_000_000, 1_000, reduce_only=True, tif=TimeInForce.IOC)
    assert res.ok and res.code is None
    assert any(getattr(e, "reason", None) == ErrorCode.ORACLE_STALE for e in res.events)
    assert w.ex.open_orders(w.aid(2)) == []
    w.refresh()  # a fresh price (a bounded move needs only the usual quorum)
    assert w.withdraw(0, USD).ok and w.order(0, BTC, BUY, 5_000_000, 10).ok


def test_recovery_after_an_outage() -> None:
    """Issue 13: after an outage the true price (-35%) was rejected forever.  A stale market takes
    an update signed by the recovery quorum (every signer by default) at any distance, and halts
    for the cool-down: no orders, withdrawals of its holders wait, then it trades again."""
    w = World().funded(3).priced()
    assert w.order(1, BTC, SELL, 5_000_000, 1_000).ok
    assert w.order(0, BTC, BUY, 5_000_000, 1_000, tif=TimeInForce.IOC).ok
    w.tick(600)
    assert_rejected_unchanged(w, w.oracle_op(BTC, 3_250_000), ErrorCode.ORACLE_OUT_OF_BAND)  # 2 of 3
    res = w.oracle(BTC, 3_250_000, signers=(0, 1, 2), walk=False)
    assert res.ok and res.record.steps[0].data.recovery
    mk = w.ex.markets[BTC]
    assert (mk.oracle_price, mk.mark_price, mk.status) == (3_250_000, 3_250_000, STATUS_HALTED)
    assert mk.status_until == w.time + mk.cfg.cooldown_s
    w.tick()
    assert w.oracle(ETH, 300_000).ok  # the ETH price was stale too: a bounded update un-stales it
    assert_rejected_unchanged(w, w.order_op(2, BTC, BUY, 3_250_000, 10), ErrorCode.MARKET_HALTED)
    assert_rejected_unchanged(
        w, w.order_op(1, BTC, BUY, 3_250_000, 10, reduce_only=True), ErrorCode.MARKET_HALTED
    )
    assert_rejected_unchanged(w, w.withdraw_op(0, USD), ErrorCode.MARKET_HALTED)
    assert w.withdraw(2, USD).ok
    res = w.funding()  # a halted market's funding waits (its samples carry over)
    assert res.ok and [e.market_id for e in res.events if isinstance(e, FundingApplied)] == [ETH]
    while w.time < mk.status_until:
        w.tick(20)
        w.refresh()
    assert not mk.halted(w.time)
    assert w.withdraw(0, USD).ok
    assert w.order(2, BTC, BUY, 3_250_000, 10).ok
