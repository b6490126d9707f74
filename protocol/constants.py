"""Every fixed constant the exchange rules and the batch circuit share: tree depths, bit bounds,
fixed-point scales and domain tags (docs/protocol.md sections 3, 4 and 8 give their meaning).

A bound written `X_BITS = k` means the value lies in [0, 2^k) when unsigned and in (-2^k, 2^k)
when signed; the circuit range-checks exactly these bounds, so the state machine rejects any
operation that would leave one (error VALUE_OUT_OF_RANGE) instead of producing an unprovable state.
"""

from __future__ import annotations

from native.constants import R as FIELD_MODULUS

__all__ = ["FIELD_MODULUS"]

# ---- trees --------------------------------------------------------------------------------------
TREE_ARITY = 4  # both trees are 4-ary: inner node = Poseidon([c0, c1, c2, c3]) (protocol.md section 3)
TREE_SIBLINGS = TREE_ARITY - 1  # siblings per level of a path, stored flat: depth * 3 integers
ACCOUNT_TREE_DEPTH = 12  # 4^12 = 2^24 accounts
ORDER_TREE_DEPTH = 5  # per-account order slots: 4^5 = 1024 live orders per account
MAX_ACCOUNTS = TREE_ARITY**ACCOUNT_TREE_DEPTH
ORDER_SLOTS = TREE_ARITY**ORDER_TREE_DEPTH
FIRST_ACCOUNT_ID = 1  # id 0 is reserved ("no account") and never holds a leaf

# ---- markets and oracle -------------------------------------------------------------------------
MAX_MARKETS = 8  # market ids 0..7; every account leaf has one position slot per market id
ALL_MARKETS = 255  # market id meaning "every market" in a cancel-all
MAX_ORACLE_SIGNERS = 7

# ---- fixed-point scales -------------------------------------------------------------------------
COLLATERAL_DECIMALS = 6  # collateral unit: 10^-6 USD (the stablecoin's own unit)
PPM = 1_000_000  # margin fractions, fees, bands: parts per million
RATE_SCALE = 1_000_000_000  # funding rates and premiums: parts per 10^9

# ---- bit bounds (unsigned: [0, 2^k); signed: (-2^k, 2^k)) ----------------------------------------
ACCOUNT_ID_BITS = MAX_ACCOUNTS.bit_length() - 1  # 24: two path bits per account-tree level
NONCE_BITS = 32  # account nonce (withdraw, transfer)
ORDER_ID_BITS = 48  # order ids: 1 .. 2^48-1
TIME_BITS = 40  # unix seconds (times, expiries, oracle timestamps)
PRICE_BITS = 40  # prices in market price units, 1 .. 2^40-1 (a market also has a lower max_price)
SIZE_BITS = 48  # order sizes, position sizes (signed), fills, open interest
NOTIONAL_BITS = 72  # |size| * price * multiplier (market configs are checked to stay below)
COST_BITS = 72  # signed position cost (open notional)
COLLATERAL_BITS = 80  # signed collateral; unsigned insurance fund, fee pool, deposit totals
AMOUNT_BITS = 64  # deposit, withdrawal and transfer amounts, 1 .. 2^64-1
FUNDING_INDEX_BITS = 80  # signed cumulative funding index (collateral units per step lot)
ADDRESS_BITS = 160  # Ethereum addresses (owner, withdrawal recipient, rollup contract)
CHAIN_ID_BITS = 64
FEE_PPM_BOUND = 100_000  # |fee rate| <= 10%
FUNDING_CAP_BOUND = RATE_SCALE // 10  # |funding rate cap| <= 10% per interval
PREMIUM_BITS = 30  # signed book premium (sample or its time average), parts per 10^9 (|p| < band < 10^9)
PREMIUM_SUM_BITS = 64  # signed sum of the premium samples since the last funding tick
PREMIUM_SAMPLES_BITS = 32  # number of premium samples since the last funding tick
DURATION_BITS = 32  # market durations (breaker window, cool-down, mark window), seconds
OI_FUND_MULTIPLE_BITS = 32  # open-interest notional allowed per unit of insurance fund

# ---- market status (protocol.md 4.11): committed in MarketState.status ---------------------------
STATUS_NORMAL = 0
STATUS_REDUCE_ONLY = 1  # circuit breaker: only orders that cannot increase a position
STATUS_HALTED = 2  # oracle recovery: no orders; withdrawals of holders wait
AUCTION_DURATION_BITS = 32  # auction_duration_s: 1 .. 2^32-1 seconds

# ---- liquidation ----------------------------------------------------------------------------------
# A partial liquidation against the book closes at most what brings the account back to this
# multiple of its maintenance margin (PPM of maintenance; 120%: the 20% above maintenance is the
# margin of safety against the slippage the rule cannot see) -- protocol.md 4.8
LIQUIDATION_TARGET_PPM = 1_200_000


class Tag:
    """Domain tags: the first Poseidon input of every hash the protocol defines (protocol.md §8)."""

    ACCOUNT = 1
    STATE = 2
    DOMAIN = 3
    GLOBAL = 4
    MARKETS = 5
    MARKET = 6
    MARKET_CONFIG = 7
    PARAMS = 8
    ORACLE_SET = 9
    POSITIONS = 10
    POSITION = 11
    ORDER_SLOT = 12
    MARKET_RISK = 13
    # signed messages
    MSG_ORDER = 16
    MSG_CANCEL = 17
    MSG_CANCEL_ALL = 18
    MSG_WITHDRAW = 19
    MSG_TRANSFER = 20
    MSG_ORACLE_PRICE = 21
    READ_AUTH = 22  # account read token (node requests); 23..31 reserved for node messages
