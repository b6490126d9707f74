"""The signed oracle price: Poseidon([TAG_MSG_ORACLE_PRICE, domain, timestamp, expiry, market_id,
price]).  The timestamp is its nonce (prices must be newer than the market's last update) and
expiry = timestamp + the exchange's oracle_max_age_s is hashed as well, so the layout keeps the
common (tag, domain, nonce, expiry) prefix; a message with another expiry is invalid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from native.poseidon import poseidon
from protocol import constants as C
from protocol.messages import Signature, check_fields, message_row, sign_hash


@dataclass(frozen=True, slots=True)
class OraclePriceMessage:
    TAG: ClassVar[int] = C.Tag.MSG_ORACLE_PRICE

    market_id: int
    price: int
    timestamp: int
    expiry: int

    def validate(self) -> None:
        check_fields(
            self,
            {
                "market_id": (0, C.MAX_MARKETS - 1),
                "price": (1, (1 << C.PRICE_BITS) - 1),
                "timestamp": (0, (1 << C.TIME_BITS) - 1),
                "expiry": (0, (1 << C.TIME_BITS) - 1),
            },
        )

    def hash_row(self, domain: int) -> list[int]:
        return message_row(self.TAG, domain, self.timestamp, self.expiry, self.market_id, self.price)

    def hash(self, domain: int) -> int:
        return poseidon(self.hash_row(domain))

    def sign(self, prv: bytes, domain: int) -> Signature:
        return sign_hash(prv, self.hash(domain))
