"""FORCED_WITHDRAWAL in the public data: the L1 queue entry it consumed and what it paid.

Entry (32 bytes, what the L1 queue holds): kind 0x02 | owner (20) | account_id (3) | amount (8).
Record (64 bytes): entry | paid (8) | 24 zero bytes.  `paid` (0 .. amount) is owed to `owner` on
L1: 0 when the account does not exist or `owner` is not its owner (protocol.md 4.9).
"""

from __future__ import annotations

from typing import NamedTuple

from protocol.constants import ACCOUNT_ID_BITS, ADDRESS_BITS, AMOUNT_BITS
from protocol.pubdata.fields import PubdataError, Reader, put_uint
from protocol.records import Step, StepKind
from protocol.steps.forced_withdrawal import ForcedWithdrawalData

KIND = 0x02
ENTRY_BYTES = 32
PAD_BYTES = 24


class ForcedWithdrawalEntry(NamedTuple):
    owner: int  # the requesting L1 address
    account_id: int
    amount: int  # requested


class ForcedWithdrawalRecord(NamedTuple):
    entry: ForcedWithdrawalEntry
    paid: int  # withdrawn and owed to entry.owner on L1


def encode_entry(e: ForcedWithdrawalEntry) -> bytes:
    if e.amount == 0:
        raise PubdataError("forced withdrawal amount = 0: amounts are 1 .. 2^64 - 1")
    return b"".join(
        (
            bytes([KIND]),
            put_uint(e.owner, 20, ADDRESS_BITS, "forced withdrawal owner"),
            put_uint(e.account_id, 3, ACCOUNT_ID_BITS, "forced withdrawal account_id"),
            put_uint(e.amount, 8, AMOUNT_BITS, "forced withdrawal amount"),
        )
    )


def encode_record(rec: ForcedWithdrawalRecord) -> bytes:
    if isinstance(rec.paid, int) and isinstance(rec.entry.amount, int) and rec.paid > rec.entry.amount:
        raise PubdataError(f"forced withdrawal paid {rec.paid} above the amount requested {rec.entry.amount}")
    return (
        encode_entry(rec.entry)
        + put_uint(rec.paid, 8, AMOUNT_BITS, "forced withdrawal paid")
        + bytes(PAD_BYTES)
    )


def decode_entry(r: Reader, what: str = "forced withdrawal entry") -> ForcedWithdrawalEntry:
    """Reads the 31 bytes after an entry's kind byte (`what` names it in errors)."""
    owner = r.uint(20, ADDRESS_BITS, f"{what} owner")
    aid = r.uint(3, ACCOUNT_ID_BITS, f"{what} account_id")
    amount = r.uint(8, AMOUNT_BITS, f"{what} amount")
    if amount == 0:
        raise r.fail(f"{what} amount is 0")
    return ForcedWithdrawalEntry(owner, aid, amount)


def decode_record(r: Reader, i: int) -> ForcedWithdrawalRecord:
    """Reads the 63 bytes after the kind byte of queue record i."""
    entry = decode_entry(r, f"queue record {i} (forced withdrawal)")
    paid = r.uint(8, AMOUNT_BITS, f"queue record {i} (forced withdrawal) paid")
    if paid > entry.amount:
        raise r.fail(
            f"queue record {i} (forced withdrawal) paid {paid} above the amount requested {entry.amount}"
        )
    r.zeros(PAD_BYTES, f"queue record {i} (forced withdrawal) padding")
    return ForcedWithdrawalRecord(entry, paid)


def record_of(step: Step) -> ForcedWithdrawalRecord:
    if step.kind != StepKind.FORCED_WITHDRAWAL or not isinstance(step.data, ForcedWithdrawalData):
        raise PubdataError(f"not a FORCED_WITHDRAWAL step: {step.kind!r}")
    (upd,) = step.updates
    d = step.data
    return ForcedWithdrawalRecord(ForcedWithdrawalEntry(d.owner, upd.account_id, d.requested), d.amount)
