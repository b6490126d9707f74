"""The batch header (protocol.md section 7.1): 96 bytes, the first part of the public-input hash.
The contract builds it from its own storage (old root, batch number, chain id, queue range) and
the submitted new root; the circuit from its witness."""

from __future__ import annotations

from typing import NamedTuple

from protocol.constants import CHAIN_ID_BITS
from protocol.pubdata.fields import PubdataError, Reader, put_field, put_uint

HEADER_BYTES = 96
BATCH_NUMBER_BITS = 64
QUEUE_INDEX_BITS = 64


class BatchHeader(NamedTuple):
    old_root: int
    new_root: int
    batch_number: int
    chain_id: int
    queue_start: int  # L1 priority-queue entries consumed: [queue_start, queue_end)
    queue_end: int


def encode_header(h: BatchHeader) -> bytes:
    if isinstance(h.queue_start, int) and isinstance(h.queue_end, int) and h.queue_end < h.queue_start:
        raise PubdataError(f"queue_end {h.queue_end} is below queue_start {h.queue_start}")
    return b"".join(
        (
            put_field(h.old_root, "old_root"),
            put_field(h.new_root, "new_root"),
            put_uint(h.batch_number, 8, BATCH_NUMBER_BITS, "batch_number"),
            put_uint(h.chain_id, 8, CHAIN_ID_BITS, "chain_id"),
            put_uint(h.queue_start, 8, QUEUE_INDEX_BITS, "queue_start"),
            put_uint(h.queue_end, 8, QUEUE_INDEX_BITS, "queue_end"),
        )
    )


def decode_header(data: bytes) -> BatchHeader:
    r = Reader(data, "batch header")
    h = BatchHeader(
        r.field("old_root"),
        r.field("new_root"),
        r.uint(8, BATCH_NUMBER_BITS, "batch_number"),
        r.uint(8, CHAIN_ID_BITS, "chain_id"),
        r.uint(8, QUEUE_INDEX_BITS, "queue_start"),
        r.uint(8, QUEUE_INDEX_BITS, "queue_end"),
    )
    r.end()
    if h.queue_end < h.queue_start:
        raise r.fail(f"queue_end {h.queue_end} is below queue_start {h.queue_start}")
    return h
