"""JSON schemas of the node's answers and stream events: the OpenAPI document's response schemas,
generated from the TypedDicts in sequencer.node.models, the types the handlers build their answers
as (mypy checks each answer against its model; sequencer.node.typeschema turns a model into its
schema).

Each schema is strict (every key listed, `required` unless `NotRequired` in the model, no others),
so a handler that adds, drops or re-types a field fails mypy or tests/node/test_openapi.py, which
validates real answers of every route against the served document.  Integers that can exceed 2^53
are decimal strings (`models.Int`, `models.UInt`); Ethereum addresses are `models.Address` (0x and
40 lowercase hex digits); JSON numbers in answers are always below 2^53.
"""

from __future__ import annotations

from typing import Any

from sequencer.node import models as M
from sequencer.node.models import CONFIG_HASH_FIELDS, RISK_HASH_FIELDS
from sequencer.node.typeschema import schema_of

__all__ = ["CONFIG_HASH_FIELDS", "RISK_HASH_FIELDS"]

ANY_OBJECT: dict[str, Any] = {"type": "object"}
STR: dict[str, Any] = {"type": "string"}
NUM: dict[str, Any] = dict(M.NUM)

ERROR_BODY = schema_of(M.ErrorBody)
ERROR = schema_of(M.Error)

# fills, trades, orders
TRADE = schema_of(M.Trade)
FILL = schema_of(M.Fill)
ORDER_UPDATE = schema_of(M.OrderUpdate)
OPEN_ORDER = schema_of(M.OpenOrder)

# operation results
OP_RESULT = schema_of(M.OpResult)
ORDER_RESULT = schema_of(M.OrderResult)
WITHDRAW_RESULT = schema_of(M.WithdrawResult)
TAKEOVER_RESULT = schema_of(M.TakeoverResult)
TRANSFER_RESULT = schema_of(M.TransferResult)
DEPOSIT_RESULT = schema_of(M.DepositResult)
REFUSED = schema_of(M.Refused)
BATCH_RESULT = schema_of(M.BatchResult)

# market data
BOOK = schema_of(M.Book)
TRADES = schema_of(M.Trades)
MARKET = schema_of(M.Market)
MARKETS = schema_of(M.Markets)
ORACLE = schema_of(M.Oracle)
FUNDING = schema_of(M.Funding)
COMMITTED_MARKET = schema_of(M.CommittedMarket)
PARAMS = schema_of(M.Params)

# node, state, batches
INFO = schema_of(M.Info)
HEALTH = schema_of(M.Health)
STATE = schema_of(M.State)
BATCH = schema_of(M.Batch)
BATCHES = schema_of(M.Batches)

# accounts
ACCOUNT_ID = schema_of(M.AccountId)
POSITION = schema_of(M.Position)
ACCOUNT = schema_of(M.Account)
OPEN_ORDERS = schema_of(M.OpenOrders)
FILLS = schema_of(M.Fills)
PROOF = schema_of(M.Proof)

# the stream
STREAM_EVENT: dict[str, Any] = {
    "description": "a WebSocket message from the node: every event carries the journal seq it reflects",
    "oneOf": [schema_of(t) for t in M.STREAM_EVENTS],
}


def _request(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


# what a subscriber sends: parsed by sequencer.node.routes.stream, not through a model
_OP = {"enum": ["subscribe", "unsubscribe"]}
STREAM_REQUEST: dict[str, Any] = {
    "description": "a WebSocket message to the node",
    "oneOf": [
        _request({"op": _OP, "channel": {"enum": ["book", "trades"]}, "market": STR}),
        _request({"op": _OP, "channel": {"const": "fills"}, "account": NUM, "auth": STR}),
        _request({"op": _OP, "channel": {"const": "batches"}}),
    ],
}

COMPONENTS: dict[str, Any] = {
    "Error": ERROR,
    "StreamEvent": STREAM_EVENT,
    "StreamRequest": STREAM_REQUEST,
}
