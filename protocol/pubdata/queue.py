"""The queue section (protocol.md section 7.3): one 64-byte record per L1 priority-queue entry the
batch consumed, in queue order, exactly `queue_end - queue_start` of them.  Each record starts
with the entry as the L1 queue holds it (the contract checks it against its own queue) and adds
the entry's outcome (the account a deposit credited; what a forced withdrawal paid)."""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils import keccak

from protocol.pubdata.fields import PubdataError, Reader
from protocol.pubdata.steps import deposit, forced_withdrawal
from protocol.pubdata.steps.deposit import DepositEntry, DepositRecord
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalEntry, ForcedWithdrawalRecord

RECORD_BYTES = 64
QueueEntry = DepositEntry | ForcedWithdrawalEntry
QueueRecord = DepositRecord | ForcedWithdrawalRecord


def encode_entry(e: QueueEntry) -> bytes:
    """The entry as the L1 queue holds it: 61 bytes for a deposit, 32 for a forced withdrawal."""
    if isinstance(e, DepositEntry):
        return deposit.encode_entry(e)
    if isinstance(e, ForcedWithdrawalEntry):
        return forced_withdrawal.encode_entry(e)
    raise PubdataError(f"not a queue entry: {e!r}")


def chain_hash(prev: int, entry: bytes) -> int:
    """The L1 queue's hash chain: `q[i + 1] = keccak256(q[i] | entry_i)`, `q[0] = 0` (7.3), as an
    integer (the contract's `queueHash(i + 1)` read big-endian)."""
    return int.from_bytes(keccak(prev.to_bytes(32, "big") + entry), "big")


def decode_entry(data: bytes) -> QueueEntry:
    """An entry as the L1 queue holds it (the contract's `QueueEntry` event): a deposit (61 bytes;
    its key must unpack to a point outside the small-order subgroup) or a forced withdrawal (32)."""
    r = Reader(data, "queue entry")
    kind = r.take(1, "queue entry kind")[0]
    if kind == deposit.KIND:
        if len(data) != deposit.ENTRY_BYTES:
            raise PubdataError(f"deposit entry: {len(data)} bytes, expected {deposit.ENTRY_BYTES}")
        out: QueueEntry = deposit.decode_entry(r)
    elif kind == forced_withdrawal.KIND:
        if len(data) != forced_withdrawal.ENTRY_BYTES:
            raise PubdataError(
                f"forced withdrawal entry: {len(data)} bytes, expected {forced_withdrawal.ENTRY_BYTES}"
            )
        out = forced_withdrawal.decode_entry(r)
    else:
        raise r.fail(f"queue entry has unknown kind {kind:#04x}")
    r.end()
    return out


def encode_record(rec: QueueRecord) -> bytes:
    if isinstance(rec, DepositRecord):
        out = deposit.encode_record(rec)
    elif isinstance(rec, ForcedWithdrawalRecord):
        out = forced_withdrawal.encode_record(rec)
    else:
        raise PubdataError(f"not a queue record: {rec!r}")
    assert len(out) == RECORD_BYTES
    return out


def encode_section(records: Sequence[QueueRecord]) -> bytes:
    return b"".join(encode_record(rec) for rec in records)


def decode_section(data: bytes) -> tuple[QueueRecord, ...]:
    if len(data) % RECORD_BYTES:
        raise PubdataError(f"queue section: {len(data)} bytes is not a multiple of {RECORD_BYTES}")
    r = Reader(data, "queue section")
    out: list[QueueRecord] = []
    for i in range(len(data) // RECORD_BYTES):
        at = r.pos
        kind = r.take(1, f"queue record {i} kind")[0]
        if kind == deposit.KIND:
            out.append(deposit.decode_record(r, i))
        elif kind == forced_withdrawal.KIND:
            out.append(forced_withdrawal.decode_record(r, i))
        else:
            raise r.fail(f"queue record {i} at offset {at} has unknown kind {kind:#04x}")
    r.end()
    return tuple(out)
