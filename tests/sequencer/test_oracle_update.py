"""Oracle updates: quorum of distinct configured signers, median, staleness, out-of-band moves."""

from __future__ import annotations

from dataclasses import replace

from protocol.errors import ErrorCode
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.records import StepKind
from protocol.steps.oracle_update import SignedPrice
from sequencer.events import OracleUpdated
from sequencer.ops import OracleUpdate
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, World, oracle_signer


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
    w.tick()
    assert w.oracle_op(BTC, 6_000_001) is not None
    assert_rejected_unchanged(w, w.oracle_op(BTC, 6_000_100), ErrorCode.ORACLE_OUT_OF_BAND)  # +20.002%
    assert w.oracle(BTC, 6_000_000).ok  # exactly +20%
    w.tick()
    assert_rejected_unchanged(w, w.oracle_op(BTC, 1_000_000_100), ErrorCode.ORACLE_OUT_OF_BAND)
