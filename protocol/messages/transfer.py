"""The signed transfer: Poseidon([TAG_MSG_TRANSFER, domain, nonce, expiry, from_id, to_id, amount]);
nonce is the sender's account nonce."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from native.poseidon import poseidon
from protocol import constants as C
from protocol.messages import Signature, check_fields, message_row, sign_hash


@dataclass(frozen=True, slots=True)
class TransferMessage:
    TAG: ClassVar[int] = C.Tag.MSG_TRANSFER

    from_id: int
    to_id: int
    amount: int
    nonce: int
    expiry: int

    @property
    def account_id(self) -> int:
        return self.from_id

    def validate(self) -> None:
        check_fields(
            self,
            {
                "from_id": (0, (1 << C.ACCOUNT_ID_BITS) - 1),
                "to_id": (0, (1 << C.ACCOUNT_ID_BITS) - 1),
                "amount": (1, (1 << C.AMOUNT_BITS) - 1),
                "nonce": (0, (1 << C.NONCE_BITS) - 1),
                "expiry": (0, (1 << C.TIME_BITS) - 1),
            },
        )

    def hash_row(self, domain: int) -> list[int]:
        return message_row(self.TAG, domain, self.nonce, self.expiry, self.from_id, self.to_id, self.amount)

    def hash(self, domain: int) -> int:
        return poseidon(self.hash_row(domain))

    def sign(self, prv: bytes, domain: int) -> Signature:
        return sign_hash(prv, self.hash(domain))
