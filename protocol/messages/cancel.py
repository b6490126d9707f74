"""The signed cancel: Poseidon([TAG_MSG_CANCEL, domain, order_id, expiry, account_id]).  Its nonce is
the id of the order it cancels (replaying it can only cancel that same order again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from native.poseidon import poseidon
from protocol import constants as C
from protocol.messages import Signature, check_fields, message_row, sign_hash

_ACCOUNT_LIMIT = 1 << C.ACCOUNT_ID_BITS
_ORDER_ID_LIMIT = 1 << C.ORDER_ID_BITS
_TIME_LIMIT = 1 << C.TIME_BITS


@dataclass(frozen=True, slots=True)
class CancelMessage:
    TAG: ClassVar[int] = C.Tag.MSG_CANCEL

    account_id: int
    order_id: int
    expiry: int

    def validate(self) -> None:
        if (
            type(self.account_id) is int
            and 0 <= self.account_id < _ACCOUNT_LIMIT
            and type(self.order_id) is int
            and 0 < self.order_id < _ORDER_ID_LIMIT
            and type(self.expiry) is int
            and 0 <= self.expiry < _TIME_LIMIT
        ):
            return
        check_fields(
            self,
            {
                "account_id": (0, (1 << C.ACCOUNT_ID_BITS) - 1),
                "order_id": (1, (1 << C.ORDER_ID_BITS) - 1),
                "expiry": (0, (1 << C.TIME_BITS) - 1),
            },
        )

    def hash_row(self, domain: int) -> list[int]:
        return message_row(self.TAG, domain, self.order_id, self.expiry, self.account_id)

    def hash(self, domain: int) -> int:
        return poseidon(self.hash_row(domain))

    def sign(self, prv: bytes, domain: int) -> Signature:
        return sign_hash(prv, self.hash(domain))
