"""The accounts section (protocol.md section 7.5, rollup mode only): one fixed-width record per slot
of the batch circuit, in slot order (protocol.slots lays a step into slots; the batch is padded
with no-op slots up to its shape's slot count), so that each record is what its slot of the
circuit computes and the section's length is fixed per batch shape:

    account_id (3) | collateral (11, signed) | nonce (4) | auction_start (5) | orders_root (32)
    | market_id (1) | size (7, signed) | cost (10, signed) | funding_snapshot (11, signed)   = 84 bytes

the slot's account after the slot and its position in the slot's market after the slot (a slot
changes at most one position).  A slot that leaves no account (a no-op, an oracle price, a funding
market, a forced withdrawal that proves a leaf empty) publishes 84 zero bytes: account id 0 is
"none".  Rebuilding applies the records in order: an account's last record gives its collateral,
nonce, auction_start and orders_root, and each record sets one of its positions.

The public key and owner never change after the deposit that created the account, whose queue
record (7.3) carries them, so the records leave them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from protocol.constants import (
    ACCOUNT_ID_BITS,
    COLLATERAL_BITS,
    COST_BITS,
    FUNDING_INDEX_BITS,
    MAX_MARKETS,
    NONCE_BITS,
    SIZE_BITS,
    TIME_BITS,
)
from protocol.pubdata.fields import PubdataError, Reader, put_field, put_int, put_uint
from protocol.records import AccountState

RECORD_BYTES = 84


class SlotRecord(NamedTuple):
    """One slot's record: its account after the slot and that account's position in the slot's
    market; all zero for a slot without an account."""

    account_id: int
    collateral: int = 0
    nonce: int = 0
    auction_start: int = 0
    orders_root: int = 0
    market_id: int = 0
    size: int = 0
    cost: int = 0
    fsnap: int = 0


EMPTY = SlotRecord(0)


def record_of(account_id: int, st: AccountState, orders_root: int, market_id: int) -> SlotRecord:
    return SlotRecord(
        account_id,
        st.collateral,
        st.nonce,
        st.auction_start,
        orders_root,
        market_id,
        st.sizes[market_id],
        st.costs[market_id],
        st.fsnaps[market_id],
    )


def apply(state: AccountState, rec: SlotRecord) -> AccountState:
    """An account's state after one of its records (key and owner kept)."""
    m = rec.market_id
    return state._replace(
        collateral=rec.collateral,
        nonce=rec.nonce,
        auction_start=rec.auction_start,
        sizes=(*state.sizes[:m], rec.size, *state.sizes[m + 1 :]),
        costs=(*state.costs[:m], rec.cost, *state.costs[m + 1 :]),
        fsnaps=(*state.fsnaps[:m], rec.fsnap, *state.fsnaps[m + 1 :]),
    )


def encode_record(d: SlotRecord, i: int = 0) -> bytes:
    aid = d.account_id
    if aid == 0:
        if d != EMPTY:
            raise PubdataError(f"slot {i}: a record without an account must be all zero")
        return bytes(RECORD_BYTES)
    if not isinstance(d.market_id, int) or not 0 <= d.market_id < MAX_MARKETS:
        raise PubdataError(f"slot {i}: market id {d.market_id!r} is not below {MAX_MARKETS}")
    if d.size == 0 and (d.cost != 0 or d.fsnap != 0):
        raise PubdataError(f"slot {i}: size 0 with cost {d.cost}, funding snapshot {d.fsnap} (3.1)")
    out = b"".join(
        (
            put_uint(aid, 3, ACCOUNT_ID_BITS, f"slot {i} account_id"),
            put_int(d.collateral, COLLATERAL_BITS, f"slot {i} collateral"),
            put_uint(d.nonce, 4, NONCE_BITS, f"slot {i} nonce"),
            put_uint(d.auction_start, 5, TIME_BITS, f"slot {i} auction_start"),
            put_field(d.orders_root, f"slot {i} orders_root"),
            bytes([d.market_id]),
            put_int(d.size, SIZE_BITS, f"slot {i} size"),
            put_int(d.cost, COST_BITS, f"slot {i} cost"),
            put_int(d.fsnap, FUNDING_INDEX_BITS, f"slot {i} funding_snapshot"),
        )
    )
    assert len(out) == RECORD_BYTES
    return out


def encode_section(records: Sequence[SlotRecord]) -> bytes:
    return b"".join(encode_record(d, i) for i, d in enumerate(records))


def decode_section(data: bytes) -> tuple[SlotRecord, ...]:
    if len(data) % RECORD_BYTES:
        raise PubdataError(f"accounts section: {len(data)} bytes is not a multiple of {RECORD_BYTES}")
    r = Reader(data, "accounts section")
    out: list[SlotRecord] = []
    for i in range(len(data) // RECORD_BYTES):
        at = r.pos
        aid = r.uint(3, ACCOUNT_ID_BITS, f"slot {i} account_id")
        if aid == 0:
            r.zeros(RECORD_BYTES - 3, f"slot {i} (no account)")
            out.append(EMPTY)
            continue
        d = SlotRecord(
            aid,
            r.sint(COLLATERAL_BITS, f"slot {i} collateral"),
            r.uint(4, NONCE_BITS, f"slot {i} nonce"),
            r.uint(5, TIME_BITS, f"slot {i} auction_start"),
            r.field(f"slot {i} orders_root"),
            r.uint(1, 8, f"slot {i} market_id"),
            r.sint(SIZE_BITS, f"slot {i} size"),
            r.sint(COST_BITS, f"slot {i} cost"),
            r.sint(FUNDING_INDEX_BITS, f"slot {i} funding_snapshot"),
        )
        if d.market_id >= MAX_MARKETS:
            raise r.fail(f"slot {i} at offset {at}: market id {d.market_id} is not below {MAX_MARKETS}")
        if d.size == 0 and (d.cost != 0 or d.fsnap != 0):
            raise r.fail(f"slot {i} at offset {at}: size 0 with a non-zero cost or funding snapshot (3.1)")
        out.append(d)
    r.end()
    return tuple(out)
