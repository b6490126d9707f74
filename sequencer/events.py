"""What an applied operation did, for the node's API, market data and clients.  Events are plain
slotted dataclasses, read-only by convention (not frozen: a frozen dataclass costs five times as
much to create, and events are made on the matching hot path); amounts are in collateral units,
sizes and prices in market units."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from protocol.errors import ErrorCode


class OrderState(StrEnum):
    RESTING = "resting"  # on the book (possibly partially filled)
    FILLED = "filled"
    CANCELLED = "cancelled"  # see `reason`


# the members bound once for the hot paths (reading a member off an Enum class costs ~0.1 us)
RESTING, FILLED, CANCELLED = OrderState.RESTING, OrderState.FILLED, OrderState.CANCELLED


@dataclass(slots=True)
class Fill:
    market_id: int
    price: int
    size: int
    taker_side: int  # 0: the taker bought
    maker_account: int
    maker_order_id: int
    taker_account: int
    taker_order_id: int  # 0 for a liquidation order (not signed by the account)
    maker_fee: int  # negative: rebate paid to the maker
    taker_fee: int  # for a liquidation: the penalty paid to the insurance fund


@dataclass(slots=True)
class OrderUpdate:
    account_id: int
    order_id: int
    market_id: int
    state: OrderState
    filled: int
    remaining: int
    reason: ErrorCode | None = None


@dataclass(slots=True)
class Deposited:
    account_id: int
    amount: int
    queue_index: int
    created: bool


@dataclass(slots=True)
class Withdrawn:
    account_id: int
    amount: int
    recipient: int
    forced: bool = False
    queue_index: int | None = None
    reason: ErrorCode | None = None  # forced withdrawal served partly or not at all


@dataclass(slots=True)
class Transferred:
    from_id: int
    to_id: int
    amount: int


@dataclass(slots=True)
class OracleUpdated:
    market_id: int
    price: int
    timestamp: int


@dataclass(slots=True)
class FundingApplied:
    market_id: int
    mark_price: int
    index_price: int
    rate_ppb: int
    index_delta: int
    funding_index: int


@dataclass(slots=True)
class Liquidated:
    account_id: int
    market_id: int
    size: int  # signed size closed (positive: a long was closed)
    price: int
    liquidator_id: int | None  # None: closed against the book
    penalty: int


@dataclass(slots=True)
class Deleveraged:
    account_id: int
    market_id: int
    counterparty_id: int
    size: int  # signed size closed of the liquidated account
    price: int
    loss: int  # collateral moved from the counterparty to the account (< 0: the account paid its bankruptcy discount)


@dataclass(slots=True)
class AuctionStarted:
    """A liquidatable account's liquidation auction began (protocol.md 4.8)."""

    account_id: int
    time: int
    value: int
    maintenance: int


@dataclass(slots=True)
class InsuranceCovered:
    account_id: int
    amount: int


@dataclass(slots=True)
class DeficitUncovered:
    """A liquidated account's deficit that neither ADL, the insurance fund nor the fee pool could
    pay: it stays as the account's negative collateral (a socialised loss, Exchange.bad_debt)."""

    account_id: int
    amount: int
