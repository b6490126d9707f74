"""The signed cancel-all: Poseidon([TAG_MSG_CANCEL_ALL, domain, nonce, expiry, account_id, market_id]).
It cancels every live order of the account (in market_id, or in every market when market_id is
ALL_MARKETS = 255) whose id is <= nonce, and from then on refuses order ids <= nonce in that scope:
signed orders not yet submitted are revoked too, and a replay changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from native.poseidon import poseidon
from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.messages import Signature, check_fields, message_row, sign_hash


@dataclass(frozen=True, slots=True)
class CancelAllMessage:
    TAG: ClassVar[int] = C.Tag.MSG_CANCEL_ALL

    account_id: int
    market_id: int  # ALL_MARKETS for every market
    nonce: int  # highest order id cancelled
    expiry: int

    def validate(self) -> None:
        check_fields(
            self,
            {
                "account_id": (0, (1 << C.ACCOUNT_ID_BITS) - 1),
                "market_id": (0, C.ALL_MARKETS),
                "nonce": (0, (1 << C.ORDER_ID_BITS) - 1),
                "expiry": (0, (1 << C.TIME_BITS) - 1),
            },
        )
        if C.MAX_MARKETS <= self.market_id < C.ALL_MARKETS:
            raise Rejected(ErrorCode.UNKNOWN_MARKET, f"market id {self.market_id} (255 means all markets)")

    def hash_row(self, domain: int) -> list[int]:
        return message_row(self.TAG, domain, self.nonce, self.expiry, self.account_id, self.market_id)

    def hash(self, domain: int) -> int:
        return poseidon(self.hash_row(domain))

    def sign(self, prv: bytes, domain: int) -> Signature:
        return sign_hash(prv, self.hash(domain))
