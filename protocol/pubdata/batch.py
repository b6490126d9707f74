"""A batch's public data as a whole (protocol.md section 7): the framing that carries the sections
on L1, their digests, and the one public input of the batch proof.

    public data  = mode (1) | counts (3 each) | queue | withdrawals | [global | accounts]
    commitment   = sha256(header | sha256(queue) | sha256(withdrawals)
                          [| sha256(global) | sha256(accounts)])   (rollup: bracketed part)
    public input = commitment as a big-endian integer with its top 3 bits cleared (< 2^253 < r)
"""

from __future__ import annotations

from typing import NamedTuple

from protocol.pubdata import account_diff, global_diff, queue, withdrawals
from protocol.pubdata.account_diff import SlotRecord
from protocol.pubdata.fields import Mode, PubdataError, Reader, sha256, sha256_blocks
from protocol.pubdata.header import HEADER_BYTES, BatchHeader, encode_header
from protocol.pubdata.queue import QueueRecord
from protocol.pubdata.withdrawals import Withdrawal
from protocol.records import GlobalState

PUBLIC_INPUT_MASK = (1 << 253) - 1
COUNT_BYTES = 3
COUNT_BITS = 24


class PublicData(NamedTuple):
    mode: Mode
    queue: tuple[QueueRecord, ...]  # queue order, queue_end - queue_start records
    withdrawals: tuple[Withdrawal, ...]  # step order
    global_state: GlobalState | None  # rollup: the global state after the batch; validium: None
    accounts: tuple[SlotRecord, ...]  # rollup: one record per slot of the batch, in slot order; validium: ()


class Sections(NamedTuple):
    """The hashed byte strings of a batch (what each digest covers); rollup-only ones are None in
    validium mode."""

    queue: bytes
    withdrawals: bytes
    global_: bytes | None
    accounts: bytes | None


def sections_of(pd: PublicData) -> Sections:
    q = queue.encode_section(pd.queue)
    w = withdrawals.encode_section(pd.withdrawals)
    if pd.mode == Mode.VALIDIUM:
        if pd.global_state is not None or pd.accounts:
            raise PubdataError("validium public data carries no global state and no account diff")
        return Sections(q, w, None, None)
    if pd.mode != Mode.ROLLUP:
        raise PubdataError(f"unknown data mode {pd.mode!r}")
    if pd.global_state is None:
        raise PubdataError("rollup public data needs the global state after the batch")
    return Sections(
        q, w, global_diff.encode_section(pd.global_state), account_diff.encode_section(pd.accounts)
    )


def _count(n: int, what: str) -> bytes:
    if n >= 1 << COUNT_BITS:
        raise PubdataError(f"{n} {what}: at most 2^24 - 1 per batch")
    return n.to_bytes(COUNT_BYTES, "big")


def frame(mode: Mode, s: Sections) -> bytes:
    """The public data as carried on L1: mode byte, record counts, then the sections (rollup: the
    accounts section is the rest, its length fixed by the batch shape)."""
    out = [
        bytes([mode]),
        _count(len(s.queue) // queue.RECORD_BYTES, "queue records"),
        _count(len(s.withdrawals) // withdrawals.RECORD_BYTES, "withdrawals"),
    ]
    if mode == Mode.ROLLUP:
        assert s.global_ is not None and s.accounts is not None
        out += [s.queue, s.withdrawals, s.global_, s.accounts]
    else:
        out += [s.queue, s.withdrawals]
    return b"".join(out)


def encode_public_data(pd: PublicData) -> bytes:
    return frame(pd.mode, sections_of(pd))


def split(mode: Mode, data: bytes) -> Sections:
    """The sections of framed public data (checks the mode byte and the lengths only)."""
    r = Reader(data, "public data")
    got = r.uint(1, 8, "mode")
    if got != mode:
        raise r.fail(f"mode byte {got}, expected {int(mode)} ({Mode(mode).name})")
    nq = r.uint(COUNT_BYTES, COUNT_BITS, "queue record count")
    nw = r.uint(COUNT_BYTES, COUNT_BITS, "withdrawal count")
    qs = r.take(nq * queue.RECORD_BYTES, "queue section")
    ws = r.take(nw * withdrawals.RECORD_BYTES, "withdrawals section")
    if mode == Mode.VALIDIUM:
        s = Sections(qs, ws, None, None)
    else:
        g = r.take(global_diff.GLOBAL_BYTES, "global section")
        n = r.remaining()
        if n % account_diff.RECORD_BYTES:
            raise r.fail(f"accounts section: {n} bytes is not a multiple of {account_diff.RECORD_BYTES}")
        s = Sections(qs, ws, g, r.take(n, "accounts section"))
    r.end()
    return s


def decode_public_data(mode: Mode, data: bytes) -> PublicData:
    """Parse and check framed public data; PubdataError names the first malformed field."""
    s = split(mode, data)
    q = queue.decode_section(s.queue)
    w = withdrawals.decode_section(s.withdrawals)
    if mode == Mode.VALIDIUM:
        return PublicData(Mode.VALIDIUM, q, w, None, ())
    assert s.global_ is not None and s.accounts is not None
    g = global_diff.decode_section(s.global_)
    accts = account_diff.decode_section(s.accounts)
    return PublicData(Mode.ROLLUP, q, w, g, accts)


def commitment_preimage(mode: Mode, header: BatchHeader, s: Sections) -> bytes:
    parts = [encode_header(header), sha256(s.queue), sha256(s.withdrawals)]
    if mode == Mode.ROLLUP:
        assert s.global_ is not None and s.accounts is not None
        parts += [sha256(s.global_), sha256(s.accounts)]
    out = b"".join(parts)
    assert len(out) == HEADER_BYTES + 32 * (4 if mode == Mode.ROLLUP else 2)
    return out


def check_queue_range(header: BatchHeader, s: Sections) -> None:
    n = len(s.queue) // queue.RECORD_BYTES
    if n != header.queue_end - header.queue_start:
        raise PubdataError(
            f"{n} queue records for the queue range [{header.queue_start}, {header.queue_end})"
        )


def commitment(mode: Mode, header: BatchHeader, data: bytes) -> bytes:
    """sha256 of the header and the section digests (32 bytes, before the reduction)."""
    s = split(mode, data)
    check_queue_range(header, s)
    return sha256(commitment_preimage(mode, header, s))


def public_input(mode: Mode, header: BatchHeader, data: bytes) -> int:
    """The batch proof's one public input: the commitment with its top 3 bits cleared."""
    return int.from_bytes(commitment(mode, header, data), "big") & PUBLIC_INPUT_MASK


def state_diff_hash(s: Sections | PublicData) -> bytes:
    """sha256(sha256(global) | sha256(accounts)): the state diff's hash (either mode; in validium
    mode the committee signs it, 7.8)."""
    if isinstance(s, PublicData):
        s = sections_of(s._replace(mode=Mode.ROLLUP))
    if s.global_ is None or s.accounts is None:
        raise PubdataError("the state diff hash needs the global and accounts sections")
    return sha256(sha256(s.global_) + sha256(s.accounts))


class Figures(NamedTuple):
    """Bytes and SHA-256 compression blocks of one batch's public data."""

    framed_bytes: int  # calldata bytes of the public data
    hashed_bytes: int  # bytes of the sections (what the section digests cover)
    section_blocks: int  # SHA-256 blocks over the sections
    commitment_blocks: int  # SHA-256 blocks of the outer hash (header and digests)

    @property
    def blocks(self) -> int:
        return self.section_blocks + self.commitment_blocks


def figures(mode: Mode, data: bytes) -> Figures:
    s = split(mode, data)
    parts = [p for p in s if p is not None]
    return Figures(
        len(data),
        sum(len(p) for p in parts),
        sum(sha256_blocks(len(p)) for p in parts),
        sha256_blocks(HEADER_BYTES + 32 * len(parts)),
    )
