"""The node's answers and stream events as TypedDicts: the one definition of every JSON shape it
serves.  The functions that build answers are annotated with these types, so mypy checks each
handler's answer against its model, and sequencer.node.schemas generates the OpenAPI document's
response schemas from the same classes (sequencer.node.typeschema); tests/node/test_openapi.py
validates real answers against the served document.

Integers that can exceed 2^53 are decimal strings (`Int`, `UInt`); Ethereum addresses are `Address`
(0x and 40 lowercase hex digits); JSON numbers (`Num`, `SNum`) are always below 2^53 in magnitude.

(No `from __future__ import annotations` here: TypedDict reads NotRequired from real annotations.)
"""

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from protocol.constants import MAX_MARKETS
from protocol.errors import ErrorCode
from sequencer.node.errors import CODES
from sequencer.node.typeschema import Schema

# -- scalars: the JSON encodings of integers, addresses and display values ---------------------------
INT = Schema(type="string", pattern="^(0|-?[1-9][0-9]*)$", description="integer, decimal string")
UINT = Schema(type="string", pattern="^(0|[1-9][0-9]*)$", description="unsigned integer, decimal string")
DECIMAL = Schema(type="string", pattern=r"^-?[0-9]+(\.[0-9]+)?$", description="display value")
ADDRESS = Schema(type="string", pattern="^0x[0-9a-f]{40}$", description="Ethereum address")
NUM = Schema(type="integer", minimum=0, maximum=2**53 - 1)
SNUM = Schema(type="integer", minimum=-(2**53) + 1, maximum=2**53 - 1)

Int = Annotated[str, INT]
UInt = Annotated[str, UINT]
Decimal = Annotated[str, DECIMAL]
Address = Annotated[str, ADDRESS]
Num = Annotated[int, NUM]
SNum = Annotated[int, SNUM]
NullUInt = Annotated[str | None, Schema(type=["string", "null"], pattern="^(0|[1-9][0-9]*)$")]
Pair = Annotated[list[UInt], Schema(minItems=2, maxItems=2)]  # a public key, a book level
PerMarket = Annotated[list[Int], Schema(minItems=MAX_MARKETS, maxItems=MAX_MARKETS)]
Side = Literal["buy", "sell"]
StatusName = Literal["normal", "reduce_only", "halted"]
StatusCode = Literal[0, 1, 2]  # a committed status: normal, reduce-only, halted
OrderState = Literal["accepted", "resting", "filled", "cancelled"]
BatchStatus = Literal["closed", "proving", "proven", "submitted", "finalized"]
ErrorCodeName = Annotated[str, Schema(type="string", enum=sorted(CODES))]
# why an order was cancelled: an exchange code (protocol/errors.py), e.g. SELF_TRADE, LIQUIDATED, or
# MARKET_REDUCE_ONLY / MARKET_HALTED / ORACLE_STALE for resting orders a restricted market cancels
Reason = Annotated[str, Schema(type="string", enum=sorted(str(c) for c in ErrorCode))]


# -- errors -----------------------------------------------------------------------------------------
class ErrorBody(TypedDict):
    code: ErrorCodeName
    message: str
    details: NotRequired[dict[str, Any]]


class Error(TypedDict):
    """every error answer: a stable code (docs/protocol.md section 11)"""

    error: ErrorBody


# -- fills, trades, orders ---------------------------------------------------------------------------
class Trade(TypedDict):
    """a public trade: no account or order ids"""

    seq: Num
    time: Num
    market_id: Num
    price: UInt
    size: UInt
    taker_side: Side


class Fill(TypedDict):
    """a fill as its two accounts see it"""

    seq: Num
    time: Num
    market_id: Num
    price: UInt
    size: UInt
    taker_side: Side
    maker_account: Num
    maker_order_id: Num
    taker_account: Num
    taker_order_id: Num
    maker_fee: Int
    taker_fee: Int


class OrderUpdate(TypedDict):
    order_id: Num
    market_id: Num
    state: OrderState
    filled: NotRequired[UInt]
    remaining: NotRequired[UInt]
    reason: NotRequired[Reason]


class OpenOrder(TypedDict):
    order_id: Num
    market_id: Num
    market: str
    side: Side
    price: UInt
    size: UInt
    filled: UInt
    remaining: UInt
    expiry: Num
    reduce_only: bool
    price_display: Decimal
    size_display: Decimal
    remaining_display: Decimal


# -- operation results ------------------------------------------------------------------------------
class OpResult(TypedDict):
    """an accepted operation: its durable journal seq and time"""

    ok: Literal[True]
    seq: Num
    time: Num


class OrderResult(OpResult):
    order: OrderUpdate
    fills: NotRequired[list[Fill]]


class WithdrawFields(TypedDict):
    account_id: Num
    amount: UInt
    recipient: Address
    forced: bool
    queue_index: NullUInt
    reason: NotRequired[str]


class WithdrawResult(OpResult, WithdrawFields):
    pass


class TakeoverFields(TypedDict):
    """a takeover in a liquidation auction: the liquidator (order `order_id`, on `side`) took `size`
    of account `account_id`'s position at the oracle `price`, and the account paid it `penalty`, the
    auction discount (docs/protocol.md 4.8)"""

    account_id: Num
    market_id: Num
    liquidator_id: Num
    order_id: Num
    side: Side
    size: UInt
    price: UInt
    penalty: UInt


class TakeoverResult(OpResult, TakeoverFields):
    """a takeover in a liquidation auction: the liquidator (order `order_id`, on `side`) took `size`
    of account `account_id`'s position at the oracle `price`, and the account paid it `penalty`, the
    auction discount (docs/protocol.md 4.8)"""


class TransferFields(TypedDict):
    from_id: Num
    to_id: Num
    amount: UInt


class TransferResult(OpResult, TransferFields):
    pass


class DepositResult(OpResult):
    account_id: Num
    amount: UInt
    created: bool


class Refused(TypedDict):
    ok: Literal[False]
    error: ErrorBody


class BatchResult(TypedDict):
    results: list[OrderResult | Refused]


# -- market data -------------------------------------------------------------------------------------
class RiskState(TypedDict):
    """a market's committed risk state (docs/protocol.md 4.11, 4.12) and what it means now"""

    mark_price: UInt
    status: Annotated[
        StatusName, Schema(description="the status in force now (normal once status_until passed)")
    ]
    status_until: Num
    stale: bool
    breaker_ref_price: UInt
    breaker_ref_time: Num
    premium_ema_ppb: SNum
    premium_sum_ppb: Int
    premium_samples: Num


class Book(TypedDict):
    market_id: Num
    seq: Num
    bids: list[Pair]
    asks: list[Pair]


class Trades(TypedDict):
    market_id: Num
    trades: list[Trade]


class Market(RiskState):
    market_id: Num
    symbol: str
    size_decimals: Num
    price_decimals: Num
    tick_size: UInt
    step_size: UInt
    min_order_size: UInt
    initial_margin_ppm: Num
    maintenance_margin_ppm: Num
    max_leverage: UInt
    max_price: UInt
    open_interest_cap: UInt
    price_band_ppm: Num
    maker_fee_ppm: SNum
    taker_fee_ppm: Num
    liquidation_fee_ppm: Num
    funding_cap_ppb: Num
    oracle_max_move_ppm: Num
    oracle_move_ppm_per_s: Num
    breaker_move_ppm: Num
    breaker_window_s: Num
    cooldown_s: Num
    mark_window_s: Num
    oi_fund_multiple: Num
    oracle_price: UInt
    oracle_time: Num
    funding_index: Int
    open_interest: UInt


class Markets(TypedDict):
    markets: list[Market]


class OracleMarket(RiskState):
    market_id: Num
    symbol: str
    price: UInt
    time: Num


class Oracle(TypedDict):
    quorum: Num
    signers: list[Pair]
    max_age_s: Num
    recovery_quorum: Num
    markets: list[OracleMarket]


class FundingMarket(TypedDict):
    """premium_sum_ppb / premium_samples is the premium the next tick averages (docs/protocol.md
    4.4); a halted market skips the tick"""

    market_id: Num
    symbol: str
    funding_index: Int
    cap_ppb: Num
    mark_price: UInt
    status: StatusName
    premium_sum_ppb: Int
    premium_samples: Num


class Funding(TypedDict):
    interval_s: Num
    premium_divisor: Num
    last_funding_time: Num
    next_funding_time: Num | None
    markets: list[FundingMarket]


class ConfigInputs(TypedDict):
    """config_hash inputs before risk_hash, in hashed order (signed ones enter as v mod r)"""

    size_decimals: Int
    price_decimals: Int
    tick_size: Int
    step_size: Int
    min_order_size: Int
    initial_margin_ppm: Int
    maintenance_margin_ppm: Int
    max_price: Int
    open_interest_cap: Int
    price_band_ppm: Int
    maker_fee_ppm: Int
    taker_fee_ppm: Int
    liquidation_fee_ppm: Int
    funding_cap_ppb: Int


class RiskInputs(TypedDict):
    """risk_hash inputs in hashed order"""

    oracle_max_move_ppm: Int
    oracle_move_ppm_per_s: Int
    breaker_move_ppm: Int
    breaker_window_s: Int
    cooldown_s: Int
    mark_window_s: Int
    oi_fund_multiple: Int


# the config_hash inputs in hashed order, then risk_hash's (docs/protocol.md section 3.3)
CONFIG_HASH_FIELDS: tuple[str, ...] = tuple(ConfigInputs.__annotations__)
RISK_HASH_FIELDS: tuple[str, ...] = tuple(RiskInputs.__annotations__)


class CommittedMarket(TypedDict):
    market_id: Num
    symbol: str
    config: ConfigInputs
    risk: RiskInputs
    risk_hash: UInt
    config_hash: UInt
    # the market's committed state M_m in hashed order (protocol.records.MarketState's fields)
    oracle_price: UInt
    oracle_time: Num
    funding_index: Int
    open_interest: UInt
    status: Annotated[StatusCode, Schema(description="0 normal, 1 reduce-only, 2 halted")]
    status_until: Num
    ref_price: UInt
    ref_time: Num
    mark_price: UInt
    premium_ema: SNum
    premium_sum: Int
    premium_samples: Num


class CommittedParams(TypedDict):
    """params_hash inputs after oracle_set_hash, in hashed order"""

    oracle_signers: list[Pair]
    oracle_quorum: Num
    oracle_max_age_s: Num
    oracle_max_skew_s: Num
    funding_interval_s: Num
    funding_premium_divisor: Num
    recovery_quorum: Num
    auction_duration_s: Num
    domain_hash: UInt


class Params(TypedDict):
    batch: Num
    global_hash: UInt
    params: CommittedParams
    oracle_set_hash: UInt
    params_hash: UInt
    markets: Annotated[list[CommittedMarket | None], Schema(minItems=MAX_MARKETS, maxItems=MAX_MARKETS)]
    insurance_fund: UInt
    fee_pool: UInt
    funding_time: Num


# -- node, state, batches ---------------------------------------------------------------------------
Limit = Annotated[float, Schema(minimum=0)]


class Limits(TypedDict):
    max_body_bytes: Limit
    max_batch_orders: Limit
    key_rate: Limit
    key_burst: Limit
    address_rate: Limit
    address_burst: Limit


class L1Info(TypedDict):
    """The L1 the node reads its queue from and submits batches to."""

    rpc: str
    chain_id: UInt
    rollup: Address
    token: Address
    confirmations: Num


class Info(TypedDict):
    version: str
    chain_id: UInt
    rollup_address: Address
    domain_hash: UInt
    markets: list[str]
    last_seq: Num
    durable_seq: Num
    state_root: UInt
    next_batch: Num
    devnet: bool
    limits: Limits
    l1: L1Info | None
    not_yet: list[str]


class ProverPoolHealth(TypedDict):
    """the prover pool: its Dask scheduler (embedded: a LocalCluster of the node), the workers and
    task threads connected, jobs dispatched and jobs built but waiting, the last job's bytes"""

    scheduler: str
    embedded: bool
    workers: Num
    threads: Num
    in_flight: Num
    queued: Num
    job_bytes: Num | None


class ProverHealth(TypedDict):
    """the prover stage (node started with --prove): loading (compiling the circuit, opening or
    making the keys, reaching the pool), ready, failed (keys refused: `error` says why) or stopped"""

    state: Literal["loading", "ready", "failed", "stopped"]
    shape: str
    error: str | None
    last_proven: Num | None
    pool: NotRequired[ProverPoolHealth]


class HealthCheck(TypedDict):
    """one health rule: the journal is writable, an enabled stage's oldest owed batch is younger
    than its limit (`age_s`: seconds since that batch closed, 0 when none is owed), or the L1 queue
    watch runs (`l1_queue`: a halted watch fails with the error's `code`, e.g. l1_reorg)"""

    name: Literal["journal", "proving", "l1", "l1_queue"]
    ok: bool
    detail: str
    code: NotRequired[str]
    age_s: NotRequired[float]
    limit_s: NotRequired[float]
    batch: NotRequired[Num]


class Health(TypedDict):
    """a failing check makes the answer a 503 `unavailable` error whose details hold this object"""

    ok: bool
    uptime_s: float
    replayed: Num
    checks: list[HealthCheck]
    pipeline: NotRequired[dict[str, Any]]
    journal_commits: NotRequired[Num]
    prover: NotRequired[ProverHealth]


class OpenBatch(TypedDict):
    number: Num
    n_ops: Num


class State(TypedDict):
    last_seq: Num
    current_root: UInt
    committed_root: UInt
    open_batch: OpenBatch
    digest: NotRequired[str]


class Batch(TypedDict):
    number: Num
    status: BatchStatus
    first_seq: Num
    last_seq: Num
    n_ops: Num
    old_root: UInt
    new_root: UInt
    closed_at: Num
    queue_start: NullUInt
    queue_end: NullUInt
    time_start: Num | None  # the header's time range (protocol.md 7.1); null on rows of older nodes
    time_end: Num | None
    proof: Annotated[dict[str, Any] | None, Schema(type=["object", "null"])]
    l1_tx: Annotated[str | None, Schema(type=["string", "null"])]
    # the prover stage (protocol.md 11): the shape proven under, the proof's public input, the
    # seconds its proof took, and its attempts (each start counts) with the last failure
    shape: str | None
    public_input: NullUInt
    prove_s: Annotated[float | None, Schema(type=["number", "null"], minimum=0)]
    prove_attempts: Num
    prove_error: str | None


class OpenBatchRange(TypedDict):
    number: Num
    n_ops: Num
    first_seq: Num | None


class Batches(TypedDict):
    batches: list[Batch]
    open: OpenBatchRange


# -- accounts ---------------------------------------------------------------------------------------
class AccountId(TypedDict):
    account_id: Num
    owner: Address


class Position(TypedDict):
    market_id: Num
    market: str
    size: Int
    cost: Int
    entry_price: UInt
    funding_snapshot: Int
    size_display: Decimal
    entry_price_display: Decimal


class Account(TypedDict):
    account_id: Num
    owner: Address
    public_key: Pair
    collateral: Int
    value: Int
    withdrawable: Int
    initial_margin: UInt
    maintenance_margin: UInt
    liquidatable: bool
    auction_start: Annotated[Num, Schema(description="when its liquidation auction started; 0: none")]
    nonce: Num
    positions: list[Position]


class OpenOrders(TypedDict):
    account_id: Num
    orders: list[OpenOrder]


class Fills(TypedDict):
    account_id: Num
    fills: list[Fill]


class AccountLeaf(TypedDict):
    pub_x: UInt
    pub_y: UInt
    owner: Address
    collateral: Int
    nonce: Num
    sizes: PerMarket
    costs: PerMarket
    funding_snapshots: PerMarket
    auction_start: Num


class Proof(TypedDict):
    account_id: Num
    batch: Num
    root: UInt
    accounts_root: UInt
    global_hash: UInt
    leaf: UInt
    siblings: Annotated[list[UInt], Schema(minItems=36, maxItems=36)]  # 4-ary: 3 per level, 12 levels
    orders_root: UInt
    account: AccountLeaf


# -- the stream -------------------------------------------------------------------------------------
class Subscribed(TypedDict):
    type: Literal["subscribed"]
    topic: str


class Unsubscribed(TypedDict):
    type: Literal["unsubscribed"]
    topic: str


class StreamError(TypedDict):
    type: Literal["error"]
    error: ErrorBody


class BookEvent(Book):
    type: Literal["book"]


class TradeEvent(Trade):
    type: Literal["trade"]


class FillEvent(Fill):
    type: Literal["fill"]


class OrderEvent(OrderUpdate):
    type: Literal["order"]
    seq: Num


class BatchEvent(Batch):
    type: Literal["batch"]
    seq: Num


STREAM_EVENTS = (
    Subscribed,
    Unsubscribed,
    StreamError,
    BookEvent,
    TradeEvent,
    FillEvent,
    OrderEvent,
    BatchEvent,
)
