"""The Poseidon layouts of the state (protocol.md §3-4): position, positions, order slot, account
leaf, market, markets, global hash and state root.  Signed values enter as v mod r.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from native.poseidon import poseidon, poseidon_many
from protocol.constants import FIELD_MODULUS as R
from protocol.constants import MAX_MARKETS, Tag
from protocol.records import AccountState, GlobalState, MarketState


def position_row(size: int, cost: int, fsnap: int) -> list[int]:
    return [Tag.POSITION, size % R, cost % R, fsnap % R]


@cache
def empty_position_hash() -> int:
    return poseidon(position_row(0, 0, 0))


def position_hash(size: int, cost: int, fsnap: int) -> int:
    """Poseidon([TAG_POSITION, size, cost, funding_snapshot])."""
    if size == 0 and cost == 0 and fsnap == 0:
        return empty_position_hash()
    return poseidon(position_row(size, cost, fsnap))


def position_hashes(state: AccountState) -> list[int]:
    rows, where = [], []
    out = [empty_position_hash()] * MAX_MARKETS
    for m in range(MAX_MARKETS):
        if state.sizes[m] or state.costs[m] or state.fsnaps[m]:
            rows.append(position_row(state.sizes[m], state.costs[m], state.fsnaps[m]))
            where.append(m)
    for m, h in zip(where, poseidon_many(rows), strict=True):
        out[m] = h
    return out


def positions_hash(phashes: list[int]) -> int:
    """Poseidon([TAG_POSITIONS, P_0, ..., P_7])."""
    return poseidon([Tag.POSITIONS, *phashes])


def account_leaf_row(state: AccountState, positions_h: int, orders_root: int) -> list[int]:
    return [
        Tag.ACCOUNT,
        state.pub_x,
        state.pub_y,
        state.owner,
        state.collateral % R,
        state.nonce,
        positions_h,
        orders_root,
        state.auction_start,
    ]


def account_leaf(state: AccountState, positions_h: int, orders_root: int) -> int:
    """Poseidon([TAG_ACCOUNT, pub_x, pub_y, owner, collateral, nonce, positions_hash, orders_root,
    auction_start])."""
    return poseidon(account_leaf_row(state, positions_h, orders_root))


def order_slot_leaf(order_id: int, filled: int) -> int:
    """Poseidon([TAG_ORDER_SLOT, order_id, filled]); the empty slot (0, 0) is the leaf 0."""
    if order_id == 0 and filled == 0:
        return 0
    return poseidon([Tag.ORDER_SLOT, order_id, filled])


def market_row(config_hash: int, ms: MarketState) -> list[int]:
    return [
        Tag.MARKET,
        config_hash,
        ms.oracle_price,
        ms.oracle_time,
        ms.funding_index % R,
        ms.open_interest,
        ms.status,
        ms.status_until,
        ms.ref_price,
        ms.ref_time,
        ms.mark_price,
        ms.premium_ema % R,
        ms.premium_sum % R,
        ms.premium_samples,
    ]


def market_hash(config_hash: int, ms: MarketState) -> int:
    """Poseidon([TAG_MARKET, config_hash, oracle_price, oracle_time, funding_index, open_interest,
    status, status_until, ref_price, ref_time, mark_price, premium_ema, premium_sum,
    premium_samples]): 14 inputs."""
    return poseidon(market_row(config_hash, ms))


def global_hash(
    params_hash: int,
    config_hashes: tuple[int | None, ...],
    g: GlobalState,
    *,
    market_hashes: Sequence[int] | None = None,
) -> int:
    """Poseidon([TAG_GLOBAL, params_hash, markets_hash, insurance_fund, fee_pool, funding_time]) with
    markets_hash = Poseidon([TAG_MARKETS, M_0, ..., M_7]) and M_i = 0 where no market i exists.
    `market_hashes`: the M_i where the caller already has them (a cache of `market_hash`)."""
    if market_hashes is None:
        market_hashes = [
            0 if m is None or ch is None else market_hash(ch, m)
            for ch, m in zip(config_hashes, g.markets, strict=True)
        ]
    mh = poseidon([Tag.MARKETS, *market_hashes])
    return poseidon([Tag.GLOBAL, params_hash, mh, g.insurance_fund, g.fee_pool, g.funding_time])


def state_root(accounts_root: int, global_h: int) -> int:
    """Poseidon([TAG_STATE, accounts_root, global_hash])."""
    return poseidon([Tag.STATE, accounts_root, global_h])
