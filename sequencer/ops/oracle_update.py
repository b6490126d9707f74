"""Oracle update: prices of one market signed by the configured oracle signers.

Rule (protocol.md 4.7): at least `oracle_quorum` prices from distinct configured signers, each
signature valid over OraclePriceMessage(market_id, price, timestamp, expiry = timestamp +
oracle_max_age_s); every timestamp newer than the market's last oracle time, not after time +
oracle_max_skew_s, and its expiry >= time (stale otherwise); the new price is the lower median of
the signed prices (sorted[(k - 1) // 2]) and the new oracle time the smallest timestamp; the price
is <= the market's max price and, after the first update,
|price - prev| * 10^6 <= prev * min(oracle_max_move_ppm, oracle_move_ppm_per_s * (t - t_prev)),
unless the market is stale at the operation's time and at least the recovery quorum signed (a
recovery: any move, then a halt for the cool-down).  The same step moves the circuit breaker
(4.11), the book premium samples and the mark price (4.12).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protocol import constants as C
from protocol.constants import PPM, RATE_SCALE
from protocol.errors import ErrorCode, Rejected
from protocol.fixedpoint import cdiv, fdiv, tdiv
from protocol.messages import check_signature_shape
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.records import StepKind
from protocol.steps.oracle_update import OracleData, SignedPrice
from sequencer.events import OracleUpdated
from sequencer.market import band_limits
from sequencer.ops.common import check_int

if TYPE_CHECKING:
    from sequencer.ledger import Ledger
    from sequencer.market import Market


@dataclass(frozen=True, slots=True)
class OracleUpdate:
    TYPE: ClassVar[str] = "oracle_update"

    time: int
    market_id: int
    prices: tuple[SignedPrice, ...]

    def validate(self) -> None:
        check_int(self.market_id, 0, C.MAX_MARKETS - 1, "market_id")
        if not isinstance(self.prices, tuple) or not 0 < len(self.prices) <= C.MAX_ORACLE_SIGNERS:
            raise Rejected(ErrorCode.MALFORMED, f"prices: a tuple of 1..{C.MAX_ORACLE_SIGNERS} SignedPrice")
        for p in self.prices:
            if not isinstance(p, SignedPrice) or not isinstance(p.msg, OraclePriceMessage):
                raise Rejected(ErrorCode.MALFORMED, "prices: SignedPrice(signer, OraclePriceMessage, sig)")
            check_int(p.signer, 0, C.MAX_ORACLE_SIGNERS - 1, "signer")
            p.msg.validate()
            check_signature_shape(p.sig)
            if p.msg.market_id != self.market_id:
                raise Rejected(ErrorCode.MALFORMED, "a signed price is for another market")
        if len({p.signer for p in self.prices}) != len(self.prices):
            raise Rejected(ErrorCode.ORACLE_QUORUM, "signers must be distinct")

    def signed_parts(self, ex: Ledger) -> list[tuple[Any, Any, Any]]:
        keys = ex.oracle_keys
        for p in self.prices:
            if p.signer >= len(keys):
                raise Rejected(ErrorCode.ORACLE_UNKNOWN_SIGNER, f"no oracle signer {p.signer}")
        return [(keys[p.signer], p.msg, p.sig) for p in self.prices]


def apply(ex: Ledger, op: OracleUpdate) -> None:
    cfg = ex.config
    mk = ex.market(op.market_id)
    for p in op.prices:
        if p.signer >= len(cfg.oracle_signers):
            raise Rejected(ErrorCode.ORACLE_UNKNOWN_SIGNER, f"no oracle signer {p.signer}")
    if len(op.prices) < cfg.oracle_quorum:
        raise Rejected(ErrorCode.ORACLE_QUORUM, f"{len(op.prices)} prices, quorum is {cfg.oracle_quorum}")
    for p in op.prices:
        m = p.msg
        if m.expiry != m.timestamp + cfg.oracle_max_age_s:
            raise Rejected(ErrorCode.MALFORMED, "oracle message expiry must be timestamp + oracle_max_age_s")
        if m.timestamp <= mk.oracle_time:
            raise Rejected(ErrorCode.ORACLE_STALE, f"timestamp {m.timestamp} not after {mk.oracle_time}")
        if m.expiry < op.time:
            raise Rejected(ErrorCode.ORACLE_STALE, f"price from {m.timestamp} is too old at {op.time}")
        if m.timestamp > op.time + cfg.oracle_max_skew_s:
            raise Rejected(ErrorCode.ORACLE_STALE, f"timestamp {m.timestamp} is in the future at {op.time}")
    prices = sorted(p.msg.price for p in op.prices)
    price = prices[(len(prices) - 1) // 2]
    timestamp = min(p.msg.timestamp for p in op.prices)
    if price > mk.max_price:
        raise Rejected(ErrorCode.ORACLE_OUT_OF_BAND, f"price {price} above the market's max {mk.max_price}")
    prev, prev_time = mk.oracle_price, mk.oracle_time
    # after an outage (the price is stale) the recovery quorum may move the price any distance
    recovery = bool(prev) and mk.stale(op.time) and len(op.prices) >= cfg.recovery_quorum
    if prev and not recovery:
        limit = min(mk.cfg.oracle_max_move_ppm, mk.cfg.oracle_move_ppm_per_s * (timestamp - prev_time))
        if abs(price - prev) * PPM > prev * limit:
            raise Rejected(
                ErrorCode.ORACLE_OUT_OF_BAND,
                f"price {price} moves more than {limit} ppm from {prev} in {timestamp - prev_time} s",
            )
    book, last = book_inputs(mk, price)
    fields = next_risk_state(mk, op.time, price, timestamp, book, last, recovery)
    gb = ex.global_state()
    ex.set_oracle(mk, price, timestamp)
    ex.set_market_risk(mk, fields)
    if fields[0] != C.STATUS_NORMAL and fields[1] == op.time + mk.cfg.cooldown_s:
        # entering (or renewing) a reduce-only or halted period: resting orders that could open
        # risk leave the book (sequencer policy: the book is not committed)
        ex.cancel_market_orders(
            mk, ErrorCode.MARKET_HALTED if fields[0] == C.STATUS_HALTED else ErrorCode.MARKET_REDUCE_ONLY
        )
    ex.add_step(
        StepKind.ORACLE_UPDATE,
        (),
        gb,
        OracleData(mk.id, op.prices, price, timestamp, prev, book, last, recovery),
    )
    ex.emit(OracleUpdated(mk.id, price, timestamp))


def book_inputs(mk: Market, price: int) -> tuple[int, int]:
    """The sequencer's inputs (not provable: the book is not committed), each clamped into the band
    around the new price: the book's mid (floor((bid + ask) / 2), the price itself when a side is
    empty) and the last trade price (the price itself before any trade)."""
    lo, hi = band_limits(price, mk.band)
    mid = mk.book.mid()
    book = price if mid is None else min(max(mid, lo), hi)
    last = price if mk.last_trade == 0 else min(max(mk.last_trade, lo), hi)
    return book, last


def next_risk_state(
    mk: Market, now: int, price: int, timestamp: int, book: int, last: int, recovery: bool
) -> tuple[int, ...]:
    """The market's risk fields (Market.risk_fields) after an oracle update (protocol.md 4.7, 4.11,
    4.12)."""
    cfg = mk.cfg
    prev, prev_time = mk.oracle_price, mk.oracle_time
    sample = tdiv((book - price) * RATE_SCALE, price)  # book premium, parts per 10^9
    premium_sum = mk.premium_sum + sample
    samples = mk.premium_samples + 1
    if (
        not -(1 << C.PREMIUM_SUM_BITS) < premium_sum < (1 << C.PREMIUM_SUM_BITS)
        or samples >> C.PREMIUM_SAMPLES_BITS
    ):
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"market {mk.id}: premium samples leave their bounds")
    status = mk.status if now < mk.status_until else C.STATUS_NORMAL
    until = mk.status_until if status != C.STATUS_NORMAL else 0
    if prev == 0 or recovery:
        # a first price, or a gap after an outage: the averages start again at this price
        ema, mark, ref, ref_time = sample, price, price, timestamp
        if recovery:
            status, until = C.STATUS_HALTED, now + cfg.cooldown_s
    else:
        # time average of the book premium: moves toward the sample by min(dt, window) / window
        dt = timestamp - prev_time
        w = cfg.mark_window_s
        ema = mk.premium_ema + tdiv((sample - mk.premium_ema) * min(dt, w), w)
        raw = sorted((price, price + tdiv(price * ema, RATE_SCALE), last))[1]
        d = cfg.oracle_max_move_ppm
        lo = max(cdiv(mk.mark_price * (PPM - d), PPM), 1)
        hi = min(fdiv(mk.mark_price * (PPM + d), PPM), mk.max_price)
        mark = min(max(raw, lo), hi)
        ref, ref_time = mk.ref_price, mk.ref_time
        if timestamp - ref_time >= cfg.breaker_window_s:
            ref, ref_time = prev, prev_time  # a new window starts at the previous price
        if abs(price - ref) * PPM > ref * cfg.breaker_move_ppm:
            status = max(status, C.STATUS_REDUCE_ONLY)
            until = max(until, now + cfg.cooldown_s)
            ref, ref_time = price, timestamp
    return (status, until, ref, ref_time, mark, ema, premium_sum, samples)
