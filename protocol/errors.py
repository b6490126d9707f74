"""Stable rejection codes of the exchange core.

Every rejected operation raises `Rejected(code, message)` inside the state machine and comes back as
a `Result` with `ok=False`; a rejected operation changes nothing.  The codes are part of the public
API (the node maps them to HTTP errors, clients match on them): never rename one, only add.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # request shape
    MALFORMED = "MALFORMED"  # wrong types, missing fields, unknown operation type
    VALUE_OUT_OF_RANGE = "VALUE_OUT_OF_RANGE"  # a field or a resulting state value leaves its bit bound
    # authentication and replay
    BAD_SIGNATURE = "BAD_SIGNATURE"
    STALE_NONCE = "STALE_NONCE"  # account nonce does not match
    EXPIRED = "EXPIRED"  # message expiry is before the operation time
    TIME_WENT_BACKWARDS = "TIME_WENT_BACKWARDS"
    # lookup
    UNKNOWN_MARKET = "UNKNOWN_MARKET"
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    # orders
    BAD_PRICE_TICK = "BAD_PRICE_TICK"
    BAD_SIZE_STEP = "BAD_SIZE_STEP"
    BAD_ORDER_FLAGS = "BAD_ORDER_FLAGS"
    PRICE_OUT_OF_BAND = "PRICE_OUT_OF_BAND"
    NO_ORACLE_PRICE = "NO_ORACLE_PRICE"
    ORDER_ID_USED = "ORDER_ID_USED"  # id not above the slot's last id or the account's cancel-all floor
    ORDER_SLOT_BUSY = "ORDER_SLOT_BUSY"  # another live order occupies the slot (id mod ORDER_SLOTS)
    ORDER_NOT_OPEN = "ORDER_NOT_OPEN"
    POST_ONLY_WOULD_CROSS = "POST_ONLY_WOULD_CROSS"
    FOK_NOT_FILLED = "FOK_NOT_FILLED"
    REDUCE_ONLY_WOULD_INCREASE = "REDUCE_ONLY_WOULD_INCREASE"
    NO_LIQUIDITY = "NO_LIQUIDITY"  # an IOC/market order found nothing to match
    SELF_TRADE = "SELF_TRADE"  # self-trade prevention cancelled the taker
    INSUFFICIENT_MARGIN = "INSUFFICIENT_MARGIN"
    OPEN_INTEREST_CAP = "OPEN_INTEREST_CAP"
    # transfers
    INSUFFICIENT_COLLATERAL = "INSUFFICIENT_COLLATERAL"  # amount above free collateral
    SAME_ACCOUNT = "SAME_ACCOUNT"
    # L1 queue
    QUEUE_OUT_OF_ORDER = "QUEUE_OUT_OF_ORDER"
    BAD_PUBLIC_KEY = "BAD_PUBLIC_KEY"  # a deposit's L2 key is off the curve or of small order
    BAD_RECIPIENT = "BAD_RECIPIENT"  # a withdrawal to L1 address 0
    # oracle and funding
    ORACLE_UNKNOWN_SIGNER = "ORACLE_UNKNOWN_SIGNER"
    ORACLE_QUORUM = "ORACLE_QUORUM"
    ORACLE_STALE = "ORACLE_STALE"
    ORACLE_OUT_OF_BAND = "ORACLE_OUT_OF_BAND"
    FUNDING_TOO_EARLY = "FUNDING_TOO_EARLY"
    MARKET_HALTED = "MARKET_HALTED"  # the market is halted (cool-down after an oracle recovery)
    MARKET_REDUCE_ONLY = "MARKET_REDUCE_ONLY"  # a circuit breaker: only reduce-only orders
    # liquidation
    NOT_LIQUIDATABLE = "NOT_LIQUIDATABLE"
    NO_POSITION = "NO_POSITION"
    INSURANCE_INSUFFICIENT = "INSURANCE_INSUFFICIENT"
    ADL_COUNTERPARTY = "ADL_COUNTERPARTY"  # not an opposite position, or not the top-ranked one
    LIQUIDATION_TOO_LARGE = "LIQUIDATION_TOO_LARGE"  # a book liquidation above the restoring size
    NO_AUCTION = "NO_AUCTION"  # a takeover without a live auction of the account
    AUCTION_LIVE = "AUCTION_LIVE"  # an auction start while one is live, or ADL before it ended
    NOT_OWNER = "NOT_OWNER"  # forced withdrawal from an L1 address that does not own the account
    # batches (protocol.md 7.13): the pending batch has no room for the operation's slots, queue
    # records or withdrawals (the node closes the batch and applies it again), or the operation
    # alone needs more than a whole batch holds (an order sweeping more levels than a batch proves)
    BATCH_FULL = "BATCH_FULL"
    OPERATION_TOO_LARGE = "OPERATION_TOO_LARGE"
    # reasons only (order updates): the order was cancelled because its account was liquidated
    LIQUIDATED = "LIQUIDATED"


class Rejected(Exception):
    """Raised inside the state machine; the exchange turns it into a rejected Result."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
