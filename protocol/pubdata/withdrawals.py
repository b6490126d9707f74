"""The withdrawals section (protocol.md section 7.4): one 31-byte record per WITHDRAW step, in
step order; the L1 contract makes each amount claimable by its recipient."""

from __future__ import annotations

from collections.abc import Sequence

from protocol.pubdata.fields import PubdataError, Reader
from protocol.pubdata.steps.withdraw import RECORD_BYTES, Withdrawal, decode_record, encode_record

__all__ = ["RECORD_BYTES", "Withdrawal", "decode_section", "encode_section"]


def encode_section(withdrawals: Sequence[Withdrawal]) -> bytes:
    return b"".join(encode_record(w) for w in withdrawals)


def decode_section(data: bytes) -> tuple[Withdrawal, ...]:
    if len(data) % RECORD_BYTES:
        raise PubdataError(f"withdrawals section: {len(data)} bytes is not a multiple of {RECORD_BYTES}")
    r = Reader(data, "withdrawals section")
    out = tuple(decode_record(r, i) for i in range(len(data) // RECORD_BYTES))
    r.end()
    return out
