"""Oracle update: prices of one market signed by the configured oracle signers.

Rule: at least `oracle_quorum` prices from distinct configured signers, each signature valid over
OraclePriceMessage(market_id, price, timestamp, expiry = timestamp + oracle_max_age_s); every
timestamp newer than the market's last oracle time, not after time + oracle_max_skew_s, and its
expiry >= time (stale otherwise); the new price is the lower median of the signed prices
(sorted[(k - 1) // 2]) and the new oracle time the smallest timestamp; the price is <= the market's
max price and, after the first update, moves at most oracle_max_move_ppm from the previous price.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protocol import constants as C
from protocol.constants import PPM
from protocol.errors import ErrorCode, Rejected
from protocol.messages import check_signature_shape
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.records import StepKind
from protocol.steps.oracle_update import OracleData, SignedPrice
from sequencer.events import OracleUpdated
from sequencer.ops.common import check_int

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


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
    prev = mk.oracle_price
    if prev and abs(price - prev) * PPM > prev * mk.cfg.oracle_max_move_ppm:
        raise Rejected(ErrorCode.ORACLE_OUT_OF_BAND, f"price {price} moves too far from {prev}")
    gb = ex.global_state()
    ex.set_oracle(mk, price, timestamp)
    ex.add_step(StepKind.ORACLE_UPDATE, (), gb, OracleData(mk.id, op.prices, price, timestamp, prev))
    ex.emit(OracleUpdated(mk.id, price, timestamp))
