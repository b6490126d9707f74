"""The account diff (protocol.md section 7.5, rollup mode only): each account whose leaf changed
in the batch, once, with its final state, as two sections of fixed-width records:

- accounts (55 bytes each, ascending account id): account_id (3) | collateral (11, signed) |
  nonce (4) | auction_start (5) | orders_root (32);
- positions (32 bytes each, ascending (account id, market id)): account_id (3) | market_id (1) |
  size (7, signed) | cost (10, signed) | funding_snapshot (11, signed): every NON-EMPTY position of
  every account of the first section; a position not listed is (0, 0, 0).

The public key and owner never change after the deposit that created the account, whose queue
record (7.3) carries them, so the diff leaves them out.
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

ACCOUNT_BYTES = 55
POSITION_BYTES = 32


class AccountDiff(NamedTuple):
    """An account's final state in a batch, less its key and owner."""

    account_id: int
    collateral: int
    nonce: int
    auction_start: int
    orders_root: int
    sizes: tuple[int, ...]
    costs: tuple[int, ...]
    fsnaps: tuple[int, ...]

    def state(self, pub_x: int, pub_y: int, owner: int) -> AccountState:
        return AccountState(
            pub_x,
            pub_y,
            owner,
            self.collateral,
            self.nonce,
            self.sizes,
            self.costs,
            self.fsnaps,
            self.auction_start,
        )


def diff_of(account_id: int, st: AccountState, orders_root: int) -> AccountDiff:
    return AccountDiff(
        account_id,
        st.collateral,
        st.nonce,
        st.auction_start,
        orders_root,
        tuple(st.sizes),
        tuple(st.costs),
        tuple(st.fsnaps),
    )


def encode_sections(diffs: Sequence[AccountDiff]) -> tuple[bytes, bytes]:
    """(accounts section, positions section)."""
    heads, positions = [], []
    prev = 0
    for d in diffs:
        aid = d.account_id
        if not isinstance(aid, int) or aid <= prev:
            raise PubdataError(
                f"account diff: account ids must be ascending, unique and non-zero ({aid!r} after {prev})"
            )
        prev = aid
        if not len(d.sizes) == len(d.costs) == len(d.fsnaps) == MAX_MARKETS:
            raise PubdataError(f"account {aid}: {MAX_MARKETS} positions expected")
        heads.append(
            b"".join(
                (
                    put_uint(aid, 3, ACCOUNT_ID_BITS, "account_id"),
                    put_int(d.collateral, COLLATERAL_BITS, f"account {aid} collateral"),
                    put_uint(d.nonce, 4, NONCE_BITS, f"account {aid} nonce"),
                    put_uint(d.auction_start, 5, TIME_BITS, f"account {aid} auction_start"),
                    put_field(d.orders_root, f"account {aid} orders_root"),
                )
            )
        )
        for m in range(MAX_MARKETS):
            size, cost, fsnap = d.sizes[m], d.costs[m], d.fsnaps[m]
            if size == 0:
                if cost != 0 or fsnap != 0:
                    raise PubdataError(
                        f"account {aid} market {m}: size 0 with cost {cost}, funding snapshot {fsnap} (3.1)"
                    )
                continue
            positions.append(
                b"".join(
                    (
                        put_uint(aid, 3, ACCOUNT_ID_BITS, "account_id"),
                        bytes([m]),
                        put_int(size, SIZE_BITS, f"account {aid} market {m} size"),
                        put_int(cost, COST_BITS, f"account {aid} market {m} cost"),
                        put_int(fsnap, FUNDING_INDEX_BITS, f"account {aid} market {m} funding_snapshot"),
                    )
                )
            )
    return b"".join(heads), b"".join(positions)


def decode_sections(accounts: bytes, positions: bytes) -> tuple[AccountDiff, ...]:
    if len(accounts) % ACCOUNT_BYTES:
        raise PubdataError(f"accounts section: {len(accounts)} bytes is not a multiple of {ACCOUNT_BYTES}")
    if len(positions) % POSITION_BYTES:
        raise PubdataError(f"positions section: {len(positions)} bytes is not a multiple of {POSITION_BYTES}")
    r = Reader(accounts, "accounts section")
    heads: list[tuple[int, int, int, int, int]] = []
    for i in range(len(accounts) // ACCOUNT_BYTES):
        aid = r.uint(3, ACCOUNT_ID_BITS, f"account {i} account_id")
        if aid <= (heads[-1][0] if heads else 0):
            raise r.fail(f"account {i}: account id {aid} is 0 or not above the previous one")
        heads.append(
            (
                aid,
                r.sint(COLLATERAL_BITS, f"account {i} collateral"),
                r.uint(4, NONCE_BITS, f"account {i} nonce"),
                r.uint(5, TIME_BITS, f"account {i} auction_start"),
                r.field(f"account {i} orders_root"),
            )
        )
    r.end()
    index = {h[0]: i for i, h in enumerate(heads)}
    pos: list[tuple[list[int], list[int], list[int]]] = [
        ([0] * MAX_MARKETS, [0] * MAX_MARKETS, [0] * MAX_MARKETS) for _ in heads
    ]
    r = Reader(positions, "positions section")
    prev = (0, -1)
    for i in range(len(positions) // POSITION_BYTES):
        aid = r.uint(3, ACCOUNT_ID_BITS, f"position {i} account_id")
        m = r.uint(1, 8, f"position {i} market_id")
        if m >= MAX_MARKETS:
            raise r.fail(f"position {i}: market id {m} is not below {MAX_MARKETS}")
        if (aid, m) <= prev:
            raise r.fail(f"position {i}: (account {aid}, market {m}) is not above the previous one {prev}")
        prev = (aid, m)
        if aid not in index:
            raise r.fail(f"position {i}: account {aid} is not in the accounts section")
        size = r.sint(SIZE_BITS, f"position {i} size")
        cost = r.sint(COST_BITS, f"position {i} cost")
        fsnap = r.sint(FUNDING_INDEX_BITS, f"position {i} funding_snapshot")
        if size == 0:
            raise r.fail(f"position {i}: size 0 (empty positions are never listed)")
        sizes, costs, fsnaps = pos[index[aid]]
        sizes[m], costs[m], fsnaps[m] = size, cost, fsnap
    r.end()
    return tuple(
        AccountDiff(aid, col, nonce, auc, oroot, tuple(p[0]), tuple(p[1]), tuple(p[2]))
        for (aid, col, nonce, auc, oroot), p in zip(heads, pos, strict=True)
    )
