"""The signed withdrawal: Poseidon([TAG_MSG_WITHDRAW, domain, nonce, expiry, account_id, amount,
recipient]); nonce is the account nonce (must equal the leaf's, then increments); recipient is the
L1 address credited by the rollup contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from native.poseidon import poseidon
from protocol import constants as C
from protocol.messages import Signature, check_fields, message_row, sign_hash


@dataclass(frozen=True, slots=True)
class WithdrawMessage:
    TAG: ClassVar[int] = C.Tag.MSG_WITHDRAW

    account_id: int
    amount: int
    recipient: int  # L1 address as an integer
    nonce: int
    expiry: int

    def validate(self) -> None:
        check_fields(
            self,
            {
                "account_id": (0, (1 << C.ACCOUNT_ID_BITS) - 1),
                "amount": (1, (1 << C.AMOUNT_BITS) - 1),
                "recipient": (0, (1 << C.ADDRESS_BITS) - 1),
                "nonce": (0, (1 << C.NONCE_BITS) - 1),
                "expiry": (0, (1 << C.TIME_BITS) - 1),
            },
        )

    def hash_row(self, domain: int) -> list[int]:
        return message_row(
            self.TAG, domain, self.nonce, self.expiry, self.account_id, self.amount, self.recipient
        )

    def hash(self, domain: int) -> int:
        return poseidon(self.hash_row(domain))

    def sign(self, prv: bytes, domain: int) -> Signature:
        return sign_hash(prv, self.hash(domain))
