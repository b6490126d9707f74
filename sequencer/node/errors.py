"""The node's error model: every rejected request gets a JSON body with a stable code.

    {"error": {"code": "stale_nonce", "message": "nonce 7 already used", "details": {...}}}

Codes are part of the API (docs/protocol.md, "HTTP API and error codes"); clients branch on the
code, never on the message.  A rejected request changes nothing in the node's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    meaning: str


# The stable table.  Order is the order of docs/protocol.md's table.
CODES: dict[str, ErrorCode] = {
    c.code: c
    for c in (
        ErrorCode("malformed_body", 400, "the body is not valid JSON or misses/mistypes a field"),
        ErrorCode("bad_signature", 401, "the EdDSA signature does not verify for the account's key"),
        ErrorCode("unauthorized", 401, "a private read without a valid account auth token"),
        ErrorCode(
            "expired", 400, "the message's expiry is in the past (or too far in the future for a token)"
        ),
        ErrorCode("stale_nonce", 409, "the nonce (order id) was already used by this account"),
        ErrorCode("wrong_domain", 400, "the message was signed for another chain id or rollup address"),
        ErrorCode("unknown_market", 404, "no market with that symbol or id"),
        ErrorCode("unknown_account", 404, "no account with that id or key"),
        ErrorCode("unknown_order", 404, "no open order with that id for this account"),
        ErrorCode("not_found", 404, "no such resource (batch, route)"),
        ErrorCode("insufficient_margin", 422, "the account would not meet initial margin afterwards"),
        ErrorCode(
            "insufficient_collateral", 422, "not enough free collateral for the withdrawal or transfer"
        ),
        ErrorCode("invalid_order", 422, "the order breaks a market rule (tick, step, band, flags, size)"),
        ErrorCode("rejected", 422, "the exchange rejected the operation for another rule (see message)"),
        ErrorCode("too_large", 413, "the body or the batch is over the node's limit"),
        ErrorCode("request_timeout", 408, "the request body did not arrive within the body timeout"),
        ErrorCode(
            "rate_limited", 429, "too many requests for this key or address; retry after `retry_after`"
        ),
        ErrorCode("method_not_allowed", 405, "the route does not take this HTTP method"),
        ErrorCode("unavailable", 503, "the node is shutting down or its journal failed"),
        ErrorCode("internal", 500, "an unexpected error in the node (a bug; nothing was applied)"),
    )
}


@dataclass
class ApiError(Exception):
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown error code {self.code!r}")
        super().__init__(f"{self.code}: {self.message}")

    @property
    def status(self) -> int:
        return CODES[self.code].status

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


# exchange rejection code -> the node's stable HTTP error code
REJECTION_CODES: dict[str, str] = {
    "MALFORMED": "malformed_body",
    "BAD_SIGNATURE": "bad_signature",
    "STALE_NONCE": "stale_nonce",
    "ORDER_ID_USED": "stale_nonce",
    "EXPIRED": "expired",
    "UNKNOWN_MARKET": "unknown_market",
    "UNKNOWN_ACCOUNT": "unknown_account",
    "ORDER_NOT_OPEN": "unknown_order",
    "INSUFFICIENT_MARGIN": "insufficient_margin",
    "INSUFFICIENT_COLLATERAL": "insufficient_collateral",
    "BAD_PRICE_TICK": "invalid_order",
    "BAD_SIZE_STEP": "invalid_order",
    "BAD_ORDER_FLAGS": "invalid_order",
    "PRICE_OUT_OF_BAND": "invalid_order",
    "NO_ORACLE_PRICE": "invalid_order",
    "ORDER_SLOT_BUSY": "invalid_order",
    "POST_ONLY_WOULD_CROSS": "invalid_order",
    "FOK_NOT_FILLED": "invalid_order",
    "REDUCE_ONLY_WOULD_INCREASE": "invalid_order",
    "NO_LIQUIDITY": "invalid_order",
    "SELF_TRADE": "invalid_order",
    "OPEN_INTEREST_CAP": "invalid_order",
}  # every other reason (VALUE_OUT_OF_RANGE, BAD_PUBLIC_KEY, BAD_RECIPIENT, ...) is `rejected`


class BatchFull(Exception):
    """The operation's steps do not fit the pending batch's circuit (protocol.md 7.13): the
    pipeline closes the batch and applies the operation again."""


def rejection(code: str | None, message: str) -> ApiError:
    """The ApiError of an exchange rejection (`protocol.errors.ErrorCode`, or its name); the
    exchange's code is kept as `details.reason`."""
    reason = str(code) if code is not None else "REJECTED"
    return ApiError(REJECTION_CODES.get(reason, "rejected"), message or reason, {"reason": reason})
