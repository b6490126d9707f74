"""The signed order: Poseidon([TAG_MSG_ORDER, domain, order_id, expiry, account_id, market_id, side,
price, size, flags]).  The order id is the order's nonce: it picks the account's order slot
(order_id mod ORDER_SLOTS) whose committed (order_id, filled) stops over-fills and replays.

flags (bits): 0-1 time in force (0 GTT: rests until expiry, 1 IOC, 2 FOK, 3 POST_ONLY);
2 reduce-only; 3 market order (needs IOC or FOK; `price` is the worst acceptable price);
4-5 self-trade prevention (0 cancel the resting order, 1 cancel the incoming order, 2 cancel both).
Every other bit must be 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar

from native.poseidon import poseidon
from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.messages import Signature, check_fields, message_row, sign_hash

BUY = 0
SELL = 1


class TimeInForce(IntEnum):
    GTT = 0
    IOC = 1
    FOK = 2
    POST_ONLY = 3


class SelfTrade(IntEnum):
    CANCEL_RESTING = 0
    CANCEL_INCOMING = 1
    CANCEL_BOTH = 2


FLAG_REDUCE_ONLY = 1 << 2
FLAG_MARKET = 1 << 3
FLAGS_MASK = 0b111111

_ACCOUNT_LIMIT = 1 << C.ACCOUNT_ID_BITS
_PRICE_LIMIT = 1 << C.PRICE_BITS
_SIZE_LIMIT = 1 << C.SIZE_BITS
_ORDER_ID_LIMIT = 1 << C.ORDER_ID_BITS
_TIME_LIMIT = 1 << C.TIME_BITS
_BOUNDS = {
    "account_id": (0, _ACCOUNT_LIMIT - 1),
    "market_id": (0, C.MAX_MARKETS - 1),
    "side": (0, 1),
    "price": (1, _PRICE_LIMIT - 1),
    "size": (1, _SIZE_LIMIT - 1),
    "order_id": (1, _ORDER_ID_LIMIT - 1),
    "expiry": (0, _TIME_LIMIT - 1),
    "flags": (0, FLAGS_MASK),
}


def make_flags(
    tif: TimeInForce = TimeInForce.GTT,
    *,
    reduce_only: bool = False,
    market: bool = False,
    stp: SelfTrade = SelfTrade.CANCEL_RESTING,
) -> int:
    return (
        int(tif) | (FLAG_REDUCE_ONLY if reduce_only else 0) | (FLAG_MARKET if market else 0) | (int(stp) << 4)
    )


@dataclass(frozen=True, slots=True)
class OrderMessage:
    TAG: ClassVar[int] = C.Tag.MSG_ORDER

    account_id: int
    market_id: int
    side: int  # 0 buy, 1 sell
    price: int  # limit price (market order: worst price), market price units
    size: int  # size units
    order_id: int
    expiry: int
    flags: int = 0

    @property
    def tif(self) -> TimeInForce:
        return TimeInForce(self.flags & 3)

    @property
    def reduce_only(self) -> bool:
        return bool(self.flags & FLAG_REDUCE_ONLY)

    @property
    def is_market(self) -> bool:
        return bool(self.flags & FLAG_MARKET)

    @property
    def stp(self) -> int:
        return (self.flags >> 4) & 3

    def validate(self) -> None:
        # the hot path: one chained test; check_fields names the first bad field otherwise
        if not (
            type(self.account_id) is int
            and 0 <= self.account_id < _ACCOUNT_LIMIT
            and type(self.market_id) is int
            and 0 <= self.market_id < C.MAX_MARKETS
            and (self.side == 0 or self.side == 1)
            and type(self.side) is int
            and type(self.price) is int
            and 0 < self.price < _PRICE_LIMIT
            and type(self.size) is int
            and 0 < self.size < _SIZE_LIMIT
            and type(self.order_id) is int
            and 0 < self.order_id < _ORDER_ID_LIMIT
            and type(self.expiry) is int
            and 0 <= self.expiry < _TIME_LIMIT
            and type(self.flags) is int
            and 0 <= self.flags <= FLAGS_MASK
        ):
            check_fields(self, _BOUNDS)
        flags = self.flags
        if flags & 0b111000:  # only the market bit and the self-trade mode need more checks
            if (flags >> 4) & 3 > SelfTrade.CANCEL_BOTH:
                raise Rejected(ErrorCode.BAD_ORDER_FLAGS, "self-trade prevention mode must be 0, 1 or 2")
            if flags & FLAG_MARKET and (flags & 3) not in (TimeInForce.IOC, TimeInForce.FOK):
                raise Rejected(ErrorCode.BAD_ORDER_FLAGS, "a market order must be IOC or FOK")

    def hash_row(self, domain: int) -> list[int]:
        return message_row(
            self.TAG,
            domain,
            self.order_id,
            self.expiry,
            self.account_id,
            self.market_id,
            self.side,
            self.price,
            self.size,
            self.flags,
        )

    def hash(self, domain: int) -> int:
        return poseidon(self.hash_row(domain))

    def sign(self, prv: bytes, domain: int) -> Signature:
        return sign_hash(prv, self.hash(domain))
