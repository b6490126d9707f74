"""DEPOSIT in the public data: the L1 queue entry it consumed and the account it credited.

Entry (61 bytes, what the L1 queue holds): kind 0x01 | owner (20) | packed L2 key (32) | amount (8).
Record (64 bytes): entry | account_id (3).  The packed key is the integer `y + 2^255 * sign(x)`
(sign(x) = 1 when x > (r - 1) / 2: circomlibjs `packPoint`, read as a big-endian integer).
"""

from __future__ import annotations

from typing import NamedTuple

from circuits.primitives import babyjub
from protocol.constants import ACCOUNT_ID_BITS, ADDRESS_BITS, AMOUNT_BITS, FIELD_MODULUS
from protocol.pubdata.fields import PubdataError, Reader, put_uint
from protocol.records import LeafUpdate, Step, StepKind
from protocol.steps.deposit import DepositData

KIND = 0x01
ENTRY_BYTES = 61
_HALF = (FIELD_MODULUS - 1) // 2


class DepositEntry(NamedTuple):
    owner: int  # the depositing L1 address
    pub_x: int
    pub_y: int
    amount: int


class DepositRecord(NamedTuple):
    entry: DepositEntry
    account_id: int  # the account credited (created when its leaf was empty)


def pack_key(x: int, y: int) -> int:
    """`y + 2^255 * (x > (r - 1) / 2)`; the key must be a curve point outside the small-order
    subgroup (the L1 contract refuses other keys when the deposit is queued)."""
    pt = (x, y)
    if not babyjub.on_curve(pt) or babyjub.is_small_order(pt):
        raise PubdataError(f"L2 key ({x}, {y}) is not a BabyJubJub point outside the small-order subgroup")
    return y | ((x > _HALF) << 255)


def unpack_key(packed: int) -> tuple[int, int]:
    pt = babyjub.unpack(packed.to_bytes(32, "little"))
    if pt is None or babyjub.is_small_order(pt):
        raise PubdataError(
            f"packed L2 key {packed:#066x} is not a BabyJubJub point outside the small-order subgroup"
        )
    return pt


def encode_entry(e: DepositEntry) -> bytes:
    return b"".join(
        (
            bytes([KIND]),
            put_uint(e.owner, 20, ADDRESS_BITS, "deposit owner"),
            pack_key(e.pub_x, e.pub_y).to_bytes(32, "big"),
            put_uint(e.amount, 8, AMOUNT_BITS, "deposit amount"),
        )
    )


def encode_record(rec: DepositRecord) -> bytes:
    if rec.entry.amount == 0:
        raise PubdataError("deposit amount = 0: amounts are 1 .. 2^64 - 1")
    if rec.account_id == 0:
        raise PubdataError("deposit to account 0: id 0 never holds a leaf")
    return encode_entry(rec.entry) + put_uint(rec.account_id, 3, ACCOUNT_ID_BITS, "deposit account_id")


def decode_entry(r: Reader, what: str = "deposit entry") -> DepositEntry:
    """Reads the 60 bytes after an entry's kind byte (`what` names it in errors)."""
    owner = r.uint(20, ADDRESS_BITS, f"{what} owner")
    at = r.pos
    packed = int.from_bytes(r.take(32, f"{what} key"), "big")
    try:
        x, y = unpack_key(packed)
    except PubdataError as exc:
        raise r.fail(f"{what} key at offset {at}: {exc}") from None
    amount = r.uint(8, AMOUNT_BITS, f"{what} amount")
    if amount == 0:
        raise r.fail(f"{what} amount is 0")
    return DepositEntry(owner, x, y, amount)


def decode_record(r: Reader, i: int) -> DepositRecord:
    """Reads the 63 bytes after the kind byte of queue record i."""
    entry = decode_entry(r, f"queue record {i} (deposit)")
    aid = r.uint(3, ACCOUNT_ID_BITS, f"queue record {i} (deposit) account_id")
    if aid == 0:
        raise r.fail(f"queue record {i} (deposit) credits account 0")
    return DepositRecord(entry, aid)


def record_of(step: Step) -> DepositRecord:
    """The record of a DEPOSIT step: the entry from its payload and the leaf's key."""
    if step.kind != StepKind.DEPOSIT or not isinstance(step.data, DepositData):
        raise PubdataError(f"not a DEPOSIT step: {step.kind!r}")
    (upd,) = step.updates
    assert isinstance(upd, LeafUpdate)
    if upd.after is None:
        raise PubdataError(f"DEPOSIT step to account {upd.account_id} leaves no leaf")
    d = step.data
    return DepositRecord(DepositEntry(d.owner, upd.after.pub_x, upd.after.pub_y, d.amount), upd.account_id)
