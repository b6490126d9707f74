"""Helpers the route modules share: the node object of a request, schema fragments."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sequencer.journal import Journal
from sequencer.node.auth import TokenVerifier
from sequencer.node.engine import Engine
from sequencer.node.errors import ApiError
from sequencer.node.service import Node
from sequencer.node.wire import DECIMAL, show

NODE_KEY: web.AppKey[Node] = web.AppKey("node", Node)

INT = {
    "type": "string",
    "pattern": "^-?[0-9]+$",
    "description": "integer as a decimal string (a JSON number is accepted too)",
}
ID = {"type": "integer", "minimum": 0}
SIGNATURE = {
    "type": "object",
    "required": ["R8", "S"],
    "properties": {"R8": {"type": "array", "items": INT, "minItems": 2, "maxItems": 2}, "S": INT},
    "description": "EdDSA-Poseidon signature (circomlibjs signPoseidon) over the message hash",
}
SIGNED_ERRORS = (
    "malformed_body",
    "bad_signature",
    "expired",
    "stale_nonce",
    "unknown_account",
    "too_large",
    "rate_limited",
    "unavailable",
)


def node_of(request: web.Request) -> Node:
    return request.app[NODE_KEY]


# Node.start sets these before the app serves any route.
def engine_of(node: Node) -> Engine:
    assert node.engine is not None, "the node is not started"
    return node.engine


def journal_of(node: Node) -> Journal:
    assert node.journal is not None, "the node is not started"
    return node.journal


def tokens_of(node: Node) -> TokenVerifier:
    assert node.tokens is not None, "the node is not started"
    return node.tokens


def int_param(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    """A query parameter by the number grammar (`sequencer.node.wire`), within [lo, hi]."""
    raw = request.query.get(name)
    if raw is None:
        return default
    if not DECIMAL.fullmatch(raw) or len(raw) > 19:
        raise ApiError("malformed_body", f"query parameter {name} must be a decimal integer")
    v = int(raw)
    if not lo <= v <= hi:
        raise ApiError("malformed_body", f"query parameter {name} must be in [{lo}, {hi}]")
    return v


def path_int(request: web.Request, name: str, what: str = "not_found") -> int:
    """A non-negative id in the path: ASCII digits only (str.isdigit also takes '²', which int()
    refuses), at most 18 of them so it fits SQLite's 64-bit integers; anything else names nothing."""
    raw = request.match_info[name]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ApiError(what, f"{name} must be a non-negative decimal integer, got {show(raw)}")
    return int(raw)


def signed_schema(fields: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "required": [*required, "sig"],
        "properties": {**fields, "sig": SIGNATURE},
        "additionalProperties": False,
    }
