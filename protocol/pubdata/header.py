"""The batch header (protocol.md section 7.1): 112 bytes, the first part of the public-input hash.
The contract builds it from its own storage (old root, batch number, chain id, queue start, the
previous batch's time end) and the submission (new root, queue end, time end); the circuit from its
witness."""

from __future__ import annotations

from typing import NamedTuple

from protocol.constants import CHAIN_ID_BITS
from protocol.pubdata.fields import PubdataError, Reader, put_field, put_uint

HEADER_BYTES = 112
BATCH_NUMBER_BITS = 64
QUEUE_INDEX_BITS = 64
BATCH_TIME_BITS = 64  # the header's times (8 bytes; operation times themselves are below 2^40)


class BatchHeader(NamedTuple):
    old_root: int
    new_root: int
    batch_number: int
    chain_id: int
    queue_start: int  # L1 priority-queue entries consumed: [queue_start, queue_end)
    queue_end: int
    time_start: int  # the previous batch's time_end (0 before the first batch)
    time_end: int  # the time of the batch's last operation (time_start for a batch without steps)


def encode_header(h: BatchHeader) -> bytes:
    if isinstance(h.queue_start, int) and isinstance(h.queue_end, int) and h.queue_end < h.queue_start:
        raise PubdataError(f"queue_end {h.queue_end} is below queue_start {h.queue_start}")
    if isinstance(h.time_start, int) and isinstance(h.time_end, int) and h.time_end < h.time_start:
        raise PubdataError(f"time_end {h.time_end} is below time_start {h.time_start}")
    return b"".join(
        (
            put_field(h.old_root, "old_root"),
            put_field(h.new_root, "new_root"),
            put_uint(h.batch_number, 8, BATCH_NUMBER_BITS, "batch_number"),
            put_uint(h.chain_id, 8, CHAIN_ID_BITS, "chain_id"),
            put_uint(h.queue_start, 8, QUEUE_INDEX_BITS, "queue_start"),
            put_uint(h.queue_end, 8, QUEUE_INDEX_BITS, "queue_end"),
            put_uint(h.time_start, 8, BATCH_TIME_BITS, "time_start"),
            put_uint(h.time_end, 8, BATCH_TIME_BITS, "time_end"),
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
        r.uint(8, BATCH_TIME_BITS, "time_start"),
        r.uint(8, BATCH_TIME_BITS, "time_end"),
    )
    r.end()
    if h.queue_end < h.queue_start:
        raise r.fail(f"queue_end {h.queue_end} is below queue_start {h.queue_start}")
    if h.time_end < h.time_start:
        raise r.fail(f"time_end {h.time_end} is below time_start {h.time_start}")
    return h
