"""JSON schemas of the node's answers and stream events: the OpenAPI document's response schemas.

Each schema sits beside the JSON shape it describes and is strict (every key listed, `required`
unless marked optional, no others), so a handler that adds, drops or re-types a field fails
tests/node/test_openapi.py, which validates real answers of every route against the served
document.  Integers that can exceed 2^53 are decimal strings (`INT`, `UINT`); Ethereum addresses
are `ADDRESS` (0x and 40 lowercase hex digits); JSON numbers in answers are always below 2^53.
"""

from __future__ import annotations

from typing import Any

from protocol.constants import MAX_MARKETS
from protocol.errors import ErrorCode
from sequencer.node.errors import CODES

INT: dict[str, Any] = {
    "type": "string",
    "pattern": "^(0|-?[1-9][0-9]*)$",
    "description": "integer, decimal string",
}
UINT: dict[str, Any] = {
    "type": "string",
    "pattern": "^(0|[1-9][0-9]*)$",
    "description": "unsigned integer, decimal string",
}
DECIMAL: dict[str, Any] = {
    "type": "string",
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "description": "display value",
}
ADDRESS: dict[str, Any] = {"type": "string", "pattern": "^0x[0-9a-f]{40}$", "description": "Ethereum address"}
NUM: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": 2**53 - 1}
SNUM: dict[str, Any] = {"type": "integer", "minimum": -(2**53) + 1, "maximum": 2**53 - 1}
BOOL: dict[str, Any] = {"type": "boolean"}
STR: dict[str, Any] = {"type": "string"}
NULL_UINT: dict[str, Any] = {"type": ["string", "null"], "pattern": "^(0|[1-9][0-9]*)$"}
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def obj(props: dict[str, Any], optional: tuple[str, ...] = (), description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": [k for k in props if k not in optional],
        "additionalProperties": False,
    }
    if description:
        out["description"] = description
    return out


def array(items: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **kw}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


ERROR_BODY = obj(
    {"code": {"type": "string", "enum": sorted(CODES)}, "message": STR, "details": ANY_OBJECT},
    optional=("details",),
)
ERROR = obj(
    {"error": ERROR_BODY}, description="every error answer: a stable code (docs/protocol.md section 11)"
)

# -- fills, trades, orders ---------------------------------------------------------------------------
SIDE = {"type": "string", "enum": ["buy", "sell"]}
TRADE = obj(
    {"seq": NUM, "time": NUM, "market_id": NUM, "price": UINT, "size": UINT, "taker_side": SIDE},
    description="a public trade: no account or order ids",
)
FILL = obj(
    {
        **TRADE["properties"],
        "maker_account": NUM,
        "maker_order_id": NUM,
        "taker_account": NUM,
        "taker_order_id": NUM,
        "maker_fee": INT,
        "taker_fee": INT,
    },
    description="a fill as its two accounts see it",
)
ORDER_STATE = {"type": "string", "enum": ["accepted", "resting", "filled", "cancelled"]}
# why an order was cancelled: an exchange code (protocol/errors.py), e.g. SELF_TRADE, LIQUIDATED, or
# MARKET_REDUCE_ONLY / MARKET_HALTED / ORACLE_STALE for resting orders a restricted market cancels
REASON = {"type": "string", "enum": sorted(str(c) for c in ErrorCode)}
ORDER_UPDATE = obj(
    {
        "order_id": NUM,
        "market_id": NUM,
        "state": ORDER_STATE,
        "filled": UINT,
        "remaining": UINT,
        "reason": REASON,
    },
    optional=("reason", "filled", "remaining"),
)
OPEN_ORDER = obj(
    {
        "order_id": NUM,
        "market_id": NUM,
        "market": STR,
        "side": SIDE,
        "price": UINT,
        "size": UINT,
        "filled": UINT,
        "remaining": UINT,
        "expiry": NUM,
        "reduce_only": BOOL,
        "price_display": DECIMAL,
        "size_display": DECIMAL,
        "remaining_display": DECIMAL,
    }
)

# -- operation results ------------------------------------------------------------------------------
_ACCEPTED = {"ok": {"const": True}, "seq": NUM, "time": NUM}
OP_RESULT = obj(_ACCEPTED, description="an accepted operation: its durable journal seq and time")
ORDER_RESULT = obj(
    {**_ACCEPTED, "order": ORDER_UPDATE, "fills": array(FILL)},
    optional=("fills",),
)
WITHDRAW_RESULT = obj(
    {
        **_ACCEPTED,
        "account_id": NUM,
        "amount": UINT,
        "recipient": ADDRESS,
        "forced": BOOL,
        "queue_index": NULL_UINT,
        "reason": STR,
    },
    optional=("reason",),
)
TAKEOVER_RESULT = obj(
    {
        **_ACCEPTED,
        "account_id": NUM,
        "market_id": NUM,
        "liquidator_id": NUM,
        "order_id": NUM,
        "side": SIDE,
        "size": UINT,
        "price": UINT,
        "penalty": UINT,
    },
    description=(
        "a takeover in a liquidation auction: the liquidator (order `order_id`, on `side`) took "
        "`size` of account `account_id`'s position at the oracle `price`, and the account paid it "
        "`penalty`, the auction discount (docs/protocol.md 4.8)"
    ),
)
TRANSFER_RESULT = obj({**_ACCEPTED, "from_id": NUM, "to_id": NUM, "amount": UINT})
DEPOSIT_RESULT = obj({**_ACCEPTED, "account_id": NUM, "amount": UINT, "created": BOOL})
REFUSED = obj({"ok": {"const": False}, "error": ERROR_BODY})
BATCH_RESULT = obj({"results": array({"anyOf": [ORDER_RESULT, REFUSED]})})

# -- market data -------------------------------------------------------------------------------------
STATUS = {"type": "string", "enum": ["normal", "reduce_only", "halted"]}
# a market's committed risk state (docs/protocol.md 4.11, 4.12) and what it means now
RISK_STATE: dict[str, Any] = {
    "mark_price": UINT,
    "status": {**STATUS, "description": "the status in force now (normal once status_until passed)"},
    "status_until": NUM,
    "stale": BOOL,
    "breaker_ref_price": UINT,
    "breaker_ref_time": NUM,
    "premium_ema_ppb": SNUM,
    "premium_sum_ppb": INT,
    "premium_samples": NUM,
}
LEVEL = array(UINT, minItems=2, maxItems=2)
BOOK = obj({"market_id": NUM, "seq": NUM, "bids": array(LEVEL), "asks": array(LEVEL)})
TRADES = obj({"market_id": NUM, "trades": array(TRADE)})
MARKET = obj(
    {
        "market_id": NUM,
        "symbol": STR,
        "size_decimals": NUM,
        "price_decimals": NUM,
        "tick_size": UINT,
        "step_size": UINT,
        "min_order_size": UINT,
        "initial_margin_ppm": NUM,
        "maintenance_margin_ppm": NUM,
        "max_leverage": UINT,
        "max_price": UINT,
        "open_interest_cap": UINT,
        "price_band_ppm": NUM,
        "maker_fee_ppm": SNUM,
        "taker_fee_ppm": NUM,
        "liquidation_fee_ppm": NUM,
        "funding_cap_ppb": NUM,
        "oracle_max_move_ppm": NUM,
        "oracle_move_ppm_per_s": NUM,
        "breaker_move_ppm": NUM,
        "breaker_window_s": NUM,
        "cooldown_s": NUM,
        "mark_window_s": NUM,
        "oi_fund_multiple": NUM,
        "oracle_price": UINT,
        "oracle_time": NUM,
        "funding_index": INT,
        "open_interest": UINT,
        **RISK_STATE,
    }
)
MARKETS = obj({"markets": array(MARKET)})
KEY = array(UINT, minItems=2, maxItems=2)
ORACLE = obj(
    {
        "quorum": NUM,
        "signers": array(KEY),
        "max_age_s": NUM,
        "recovery_quorum": NUM,
        "markets": array(obj({"market_id": NUM, "symbol": STR, "price": UINT, "time": NUM, **RISK_STATE})),
    }
)
FUNDING = obj(
    {
        "interval_s": NUM,
        "premium_divisor": NUM,
        "last_funding_time": NUM,
        "next_funding_time": nullable(NUM),
        "markets": array(
            obj(
                {
                    "market_id": NUM,
                    "symbol": STR,
                    "funding_index": INT,
                    "cap_ppb": NUM,
                    "mark_price": UINT,
                    "status": STATUS,
                    "premium_sum_ppb": INT,
                    "premium_samples": NUM,
                },
                description="premium_sum_ppb / premium_samples is the premium the next tick averages "
                "(docs/protocol.md 4.4); a halted market skips the tick",
            )
        ),
    }
)
# the config_hash inputs in hashed order, then risk_hash's (docs/protocol.md section 3.3)
CONFIG_HASH_FIELDS = (
    "size_decimals",
    "price_decimals",
    "tick_size",
    "step_size",
    "min_order_size",
    "initial_margin_ppm",
    "maintenance_margin_ppm",
    "max_price",
    "open_interest_cap",
    "price_band_ppm",
    "maker_fee_ppm",
    "taker_fee_ppm",
    "liquidation_fee_ppm",
    "funding_cap_ppb",
)
RISK_HASH_FIELDS = (
    "oracle_max_move_ppm",
    "oracle_move_ppm_per_s",
    "breaker_move_ppm",
    "breaker_window_s",
    "cooldown_s",
    "mark_window_s",
    "oi_fund_multiple",
)
COMMITTED_MARKET = obj(
    {
        "market_id": NUM,
        "symbol": STR,
        "config": obj(
            {k: INT for k in CONFIG_HASH_FIELDS},
            description="config_hash inputs before risk_hash, in hashed order (signed ones enter as v mod r)",
        ),
        "risk": obj({k: INT for k in RISK_HASH_FIELDS}, description="risk_hash inputs in hashed order"),
        "risk_hash": UINT,
        "config_hash": UINT,
        # the market's committed state M_m in hashed order (protocol.records.MarketState's fields)
        "oracle_price": UINT,
        "oracle_time": NUM,
        "funding_index": INT,
        "open_interest": UINT,
        "status": {"type": "integer", "enum": [0, 1, 2], "description": "0 normal, 1 reduce-only, 2 halted"},
        "status_until": NUM,
        "ref_price": UINT,
        "ref_time": NUM,
        "mark_price": UINT,
        "premium_ema": SNUM,
        "premium_sum": INT,
        "premium_samples": NUM,
    }
)
PARAMS = obj(
    {
        "batch": NUM,
        "global_hash": UINT,
        "params": obj(
            {
                "oracle_signers": array(KEY),
                "oracle_quorum": NUM,
                "oracle_max_age_s": NUM,
                "oracle_max_skew_s": NUM,
                "funding_interval_s": NUM,
                "funding_premium_divisor": NUM,
                "recovery_quorum": NUM,
                "auction_duration_s": NUM,
            },
            description="params_hash inputs after oracle_set_hash, in hashed order",
        ),
        "oracle_set_hash": UINT,
        "params_hash": UINT,
        "markets": array(nullable(COMMITTED_MARKET), minItems=MAX_MARKETS, maxItems=MAX_MARKETS),
        "insurance_fund": UINT,
        "fee_pool": UINT,
        "funding_time": NUM,
    }
)

# -- node, state, batches ---------------------------------------------------------------------------
INFO = obj(
    {
        "version": STR,
        "chain_id": UINT,
        "rollup_address": ADDRESS,
        "domain_hash": UINT,
        "markets": array(STR),
        "last_seq": NUM,
        "durable_seq": NUM,
        "state_root": UINT,
        "next_batch": NUM,
        "devnet": BOOL,
        "limits": obj(
            {
                k: {"type": "number", "minimum": 0}
                for k in (
                    "max_body_bytes",
                    "max_batch_orders",
                    "key_rate",
                    "key_burst",
                    "address_rate",
                    "address_burst",
                )
            }
        ),
        "not_yet": array(STR),
    }
)
HEALTH = obj(
    {
        "ok": BOOL,
        "uptime_s": {"type": "number"},
        "replayed": NUM,
        "pipeline": ANY_OBJECT,
        "journal_commits": NUM,
    },
    optional=("pipeline", "journal_commits"),
)
STATE = obj(
    {
        "last_seq": NUM,
        "current_root": UINT,
        "committed_root": UINT,
        "open_batch": obj({"number": NUM, "n_ops": NUM}),
        "digest": STR,
    },
    optional=("digest",),
)
BATCH = obj(
    {
        "number": NUM,
        "status": {"type": "string", "enum": ["closed", "proving", "proven", "submitted", "finalized"]},
        "first_seq": NUM,
        "last_seq": NUM,
        "n_ops": NUM,
        "old_root": UINT,
        "new_root": UINT,
        "closed_at": NUM,
        "queue_start": NULL_UINT,
        "queue_end": NULL_UINT,
        "proof": {"type": ["object", "null"]},
        "l1_tx": {"type": ["string", "null"]},
    }
)
BATCHES = obj(
    {
        "batches": array(BATCH),
        "open": obj({"number": NUM, "n_ops": NUM, "first_seq": nullable(NUM)}),
    }
)

# -- accounts ---------------------------------------------------------------------------------------
ACCOUNT_ID = obj({"account_id": NUM, "owner": ADDRESS})
POSITION = obj(
    {
        "market_id": NUM,
        "market": STR,
        "size": INT,
        "cost": INT,
        "entry_price": UINT,
        "funding_snapshot": INT,
        "size_display": DECIMAL,
        "entry_price_display": DECIMAL,
    }
)
ACCOUNT = obj(
    {
        "account_id": NUM,
        "owner": ADDRESS,
        "public_key": KEY,
        "collateral": INT,
        "value": INT,
        "withdrawable": INT,
        "initial_margin": UINT,
        "maintenance_margin": UINT,
        "liquidatable": BOOL,
        "auction_start": {**NUM, "description": "when its liquidation auction started; 0: none"},
        "nonce": NUM,
        "positions": array(POSITION),
    }
)
OPEN_ORDERS = obj({"account_id": NUM, "orders": array(OPEN_ORDER)})
FILLS = obj({"account_id": NUM, "fills": array(FILL)})
_PER_MARKET = array(INT, minItems=MAX_MARKETS, maxItems=MAX_MARKETS)
PROOF = obj(
    {
        "account_id": NUM,
        "batch": NUM,
        "root": UINT,
        "accounts_root": UINT,
        "global_hash": UINT,
        "leaf": UINT,
        "siblings": array(UINT, minItems=24, maxItems=24),
        "orders_root": UINT,
        "account": obj(
            {
                "pub_x": UINT,
                "pub_y": UINT,
                "owner": ADDRESS,
                "collateral": INT,
                "nonce": NUM,
                "sizes": _PER_MARKET,
                "costs": _PER_MARKET,
                "funding_snapshots": _PER_MARKET,
                "auction_start": NUM,
            }
        ),
    }
)


# -- the stream -------------------------------------------------------------------------------------
def _event(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return obj(
        {"type": {"const": kind}, **body["properties"]},
        optional=tuple(k for k in body["properties"] if k not in body["required"]),
    )


STREAM_EVENT: dict[str, Any] = {
    "description": "a WebSocket message from the node: every event carries the journal seq it reflects",
    "oneOf": [
        obj({"type": {"const": "subscribed"}, "topic": STR}),
        obj({"type": {"const": "unsubscribed"}, "topic": STR}),
        obj({"type": {"const": "error"}, "error": ERROR_BODY}),
        _event("book", BOOK),
        _event("trade", TRADE),
        _event("fill", FILL),
        _event("order", {**ORDER_UPDATE, "properties": {**ORDER_UPDATE["properties"], "seq": NUM}}),
        _event("batch", {**BATCH, "properties": {**BATCH["properties"], "seq": NUM}}),
    ],
}
STREAM_REQUEST: dict[str, Any] = {
    "description": "a WebSocket message to the node",
    "oneOf": [
        obj(
            {
                "op": {"enum": ["subscribe", "unsubscribe"]},
                "channel": {"enum": ["book", "trades"]},
                "market": STR,
            }
        ),
        obj(
            {
                "op": {"enum": ["subscribe", "unsubscribe"]},
                "channel": {"const": "fills"},
                "account": NUM,
                "auth": STR,
            }
        ),
        obj({"op": {"enum": ["subscribe", "unsubscribe"]}, "channel": {"const": "batches"}}),
    ],
}

COMPONENTS: dict[str, Any] = {
    "Error": ERROR,
    "StreamEvent": STREAM_EVENT,
    "StreamRequest": STREAM_REQUEST,
}
