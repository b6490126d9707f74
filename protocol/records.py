"""Immutable state preimages and per-operation records: what the batch circuit re-checks.

An applied operation yields an `OpRecord` holding the operation itself (with its signatures) and
its `Step`s; a step is one circuit-level transition (a deposit, one fill of an order, an oracle
update, ...) holding the full preimages of every account leaf and of the global state before and
after it.  Hashes, Merkle paths and intermediate roots are added when the batch is closed
(`StepWitness`, computed by `sequencer.state_tree`), so the matching hot path hashes nothing.  Records are read-only by convention (slotted dataclasses
and named tuples; not frozen dataclasses, which are several times slower to create).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple

# NamedTuple construction without its Python-level __new__: new_record(Cls, (field, ...)) costs half
# as much, and the fill hot path builds several records per fill.
new_record = tuple.__new__


class AccountState(NamedTuple):
    """Every field an account leaf commits to, except the order slots (see `SlotChange`)."""

    pub_x: int
    pub_y: int
    owner: int  # Ethereum address of the depositor that created the account (forced exits, escape)
    collateral: int  # signed, collateral units
    nonce: int  # withdraw/transfer nonce
    sizes: tuple[int, ...]  # signed position size per market id (MAX_MARKETS entries)
    costs: tuple[int, ...]  # signed open notional per market id (same sign as the size)
    fsnaps: tuple[int, ...]  # funding index snapshot per market id (0 when the size is 0)
    auction_start: int  # time the account's liquidation auction started; 0: no auction (4.8)


class SlotChange(NamedTuple):
    """An order slot's (order_id, filled) before and after; (0, 0) is an empty slot."""

    slot: int
    before: tuple[int, int]
    after: tuple[int, int]


class LeafUpdate(NamedTuple):
    account_id: int
    before: AccountState | None  # None: the leaf was empty (account creation)
    after: AccountState | None  # None only with before None: a proof that the leaf is empty
    slot: SlotChange | None


class MarketState(NamedTuple):
    oracle_price: int  # 0 until the first oracle update
    oracle_time: int
    funding_index: int  # signed, collateral units per step lot, cumulative
    open_interest: int  # long open interest, size units
    status: int = 0  # STATUS_NORMAL / STATUS_REDUCE_ONLY / STATUS_HALTED, in force while time < status_until
    status_until: int = 0
    ref_price: int = 0  # circuit-breaker reference: the price at the start of the window
    ref_time: int = 0  # ... and the oracle time the window started
    mark_price: int = 0  # margin price (protocol.md 4.12), 0 until the first oracle update
    premium_ema: int = 0  # signed, time-averaged book premium, parts per 10^9
    premium_sum: int = 0  # signed, sum of the book premium samples since the last funding tick
    premium_samples: int = 0  # number of samples in premium_sum


class GlobalState(NamedTuple):
    insurance_fund: int
    fee_pool: int
    funding_time: int  # time of the last funding tick
    markets: tuple[MarketState | None, ...]  # MAX_MARKETS entries, None where no market is configured


class StepKind(IntEnum):
    DEPOSIT = 1
    WITHDRAW = 2
    TRANSFER = 3
    FORCED_WITHDRAWAL = 4
    TRADE = 5
    LIQUIDATION = 6
    DELEVERAGE = 7
    ORACLE_UPDATE = 8
    FUNDING_TICK = 9
    INSURANCE_COVER = 10
    AUCTION_START = 11
    AUCTION_END = 12


@dataclass(slots=True)
class Step:
    """One circuit-level transition: leaf updates applied in order, then the global state change."""

    kind: StepKind
    updates: tuple[LeafUpdate, ...]
    global_before: GlobalState
    global_after: GlobalState
    data: Any  # the kind's typed payload (TradeData, OracleData, ...), defined by the op modules


@dataclass(slots=True)
class OpRecord:
    seq: int  # sequence number of the applied operation (0, 1, 2, ... from genesis)
    op: Any  # the operation as applied, signatures included
    steps: tuple[Step, ...]


@dataclass(slots=True)
class LeafWitness:
    account_id: int
    account_siblings: tuple[int, ...]  # 3 * ACCOUNT_TREE_DEPTH siblings, bottom up (protocol.md section 3)
    leaf_before: int
    leaf_after: int
    positions_hash_before: int
    positions_hash_after: int
    orders_root_before: int
    orders_root_after: int
    slot_siblings: tuple[int, ...] | None  # 3 * ORDER_TREE_DEPTH siblings when a slot changes
    accounts_root_after: int


@dataclass(slots=True)
class StepWitness:
    state_root_before: int
    state_root_after: int
    accounts_root_before: int
    global_hash_before: int
    global_hash_after: int
    leaves: tuple[LeafWitness, ...]
