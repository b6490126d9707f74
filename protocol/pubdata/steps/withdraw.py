"""WITHDRAW in the public data: one withdrawal record (31 bytes) the L1 contract makes claimable.

Record: account_id (3) | recipient (20) | amount (8).
"""

from __future__ import annotations

from typing import NamedTuple

from protocol.constants import ACCOUNT_ID_BITS, ADDRESS_BITS, AMOUNT_BITS
from protocol.pubdata.fields import PubdataError, Reader, put_uint
from protocol.records import Step, StepKind
from protocol.steps.withdraw import WithdrawData

RECORD_BYTES = 31


class Withdrawal(NamedTuple):
    account_id: int
    recipient: int  # L1 address paid, never 0
    amount: int  # 1 .. 2^64 - 1


def encode_record(w: Withdrawal) -> bytes:
    if w.account_id == 0:
        raise PubdataError("withdrawal from account 0")
    if w.recipient == 0:
        raise PubdataError("withdrawal to L1 address 0")
    if w.amount == 0:
        raise PubdataError("withdrawal amount = 0: amounts are 1 .. 2^64 - 1")
    return b"".join(
        (
            put_uint(w.account_id, 3, ACCOUNT_ID_BITS, "withdrawal account_id"),
            put_uint(w.recipient, 20, ADDRESS_BITS, "withdrawal recipient"),
            put_uint(w.amount, 8, AMOUNT_BITS, "withdrawal amount"),
        )
    )


def decode_record(r: Reader, i: int) -> Withdrawal:
    w = Withdrawal(
        r.uint(3, ACCOUNT_ID_BITS, f"withdrawal {i} account_id"),
        r.uint(20, ADDRESS_BITS, f"withdrawal {i} recipient"),
        r.uint(8, AMOUNT_BITS, f"withdrawal {i} amount"),
    )
    if w.account_id == 0:
        raise r.fail(f"withdrawal {i} is from account 0")
    if w.recipient == 0:
        raise r.fail(f"withdrawal {i} is to L1 address 0")
    if w.amount == 0:
        raise r.fail(f"withdrawal {i} amount is 0")
    return w


def record_of(step: Step) -> Withdrawal:
    if step.kind != StepKind.WITHDRAW or not isinstance(step.data, WithdrawData):
        raise PubdataError(f"not a WITHDRAW step: {step.kind!r}")
    (upd,) = step.updates
    return Withdrawal(upd.account_id, step.data.recipient, step.data.amount)
