"""Signed order operations: place one, place a batch, cancel, cancel all."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sequencer.node import schemas as S
from sequencer.node.drafts import Draft
from sequencer.node.engine import Engine
from sequencer.node.errors import ApiError
from sequencer.node.http import LIMITER_KEY, json_response, read_json
from sequencer.node.pipeline import Outcome
from sequencer.node.routes.common import ID, INT, SIGNED_ERRORS, engine_of, node_of, signed_schema
from sequencer.node.routing import RouteTable

ROUTES = RouteTable("orders")

ORDER_FIELDS = {
    "account_id": ID,
    "market_id": ID,
    "side": {"type": "integer", "enum": [0, 1], "description": "0 buy, 1 sell"},
    "price": INT,
    "size": INT,
    "order_id": {
        "type": "integer",
        "minimum": 1,
        "description": "the order's nonce; picks slot order_id mod 1024",
    },
    "expiry": {"type": "integer", "description": "unix seconds"},
    "flags": {
        "type": "integer",
        "description": "time in force, reduce-only, market, self-trade prevention bits",
    },
}
ORDER = signed_schema(ORDER_FIELDS, list(ORDER_FIELDS), "A signed order (docs/protocol.md section 5)")
ORDER_ERRORS = (*SIGNED_ERRORS, "unknown_market", "insufficient_margin", "invalid_order", "rejected")


def answer(out: Outcome) -> web.Response:
    if out.ok:
        return json_response(out.to_json())
    assert out.error is not None
    raise out.error  # answered by the error middleware (which counts it for GET /metrics)


def _stamp(node: Any) -> float | None:
    """perf_counter when the node traces latency (sequencer.node.latency), else None: no clock reads
    on the untraced path."""
    return time.perf_counter() if node.trace is not None else None


def _traced(node: Any, received: float | None, back: float | None, outs: list[Outcome]) -> None:
    """Record the accepted operations of a request as answered (when tracing)."""
    if received is None or back is None:
        return
    n = sum(1 for out in outs if out.ok)
    if n:
        node.trace.answered(received, back, n)


async def submit_one(request: web.Request, kind: str) -> web.Response:
    return await submit_draft(request, lambda engine, body: engine.decode_signed(kind, body))


async def submit_draft(request: web.Request, decode: Callable[[Engine, Any], Draft]) -> web.Response:
    """One operation from a request body: decoded by `decode`, applied through the pipeline
    (rate-limited on its signer's key), answered once durable; latency-traced like every order."""
    node = node_of(request)
    received = _stamp(node)
    body = await read_json(request)
    draft = decode(engine_of(node), body)
    [out] = await node.submit([draft], received)
    resp = answer(out)  # raises the refusal (nothing to trace: no operation accepted)
    _traced(node, received, _stamp(node), [out])
    return resp


@ROUTES.post(
    "/v1/orders", summary="Place a signed order", request=ORDER, response=S.ORDER_RESULT, errors=ORDER_ERRORS
)
async def place_order(request: web.Request) -> web.Response:
    return await submit_one(request, "order")


@ROUTES.post(
    "/v1/orders/batch",
    summary="Place many signed orders in one request",
    description="Orders are applied in the given order; each gets its own result. The answer comes once every accepted order is durable.",
    request={
        "type": "object",
        "required": ["orders"],
        "properties": {"orders": {"type": "array", "items": ORDER}},
    },
    response=S.BATCH_RESULT,
    errors=("malformed_body", "too_large", "rate_limited", "unavailable"),
)
async def place_orders(request: web.Request) -> web.Response:
    node = node_of(request)
    received = _stamp(node)
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("orders"), list):
        raise ApiError("malformed_body", 'the body must be {"orders": [...]}')
    orders = body["orders"]
    limit = node.config.max_batch_orders
    if len(orders) > limit:
        raise ApiError(
            "too_large", f"{len(orders)} orders is over the batch limit of {limit}", {"limit": limit}
        )
    # the per-address limit counts operations: the request paid one token, its other orders pay here
    limiter = request.app.get(LIMITER_KEY)
    if limiter is not None and len(orders) > 1:
        wait = limiter.try_take(request.remote or "?", len(orders) - 1)
        if wait > 0:
            raise ApiError(
                "rate_limited",
                f"{len(orders)} orders is over this address's operation budget",
                {"retry_after": round(min(wait, 3600.0), 3)},
            )
    results: list[dict[str, Any] | None] = [None] * len(orders)
    drafts, where = [], []
    for i, o in enumerate(orders):
        try:
            drafts.append(engine_of(node).decode_signed("order", o))
            where.append(i)
        except ApiError as err:
            results[i] = {"ok": False, **err.to_json()}
    outs = await node.submit(drafts, received) if drafts else []
    back = _stamp(node)
    for i, out in zip(where, outs, strict=True):
        results[i] = out.to_json()
    resp = json_response({"results": results})
    _traced(node, received, back, outs)
    return resp


CANCEL_FIELDS = {"account_id": ID, "order_id": {"type": "integer"}, "expiry": {"type": "integer"}}


@ROUTES.post(
    "/v1/orders/cancel",
    summary="Cancel one open order (signed)",
    request=signed_schema(CANCEL_FIELDS, list(CANCEL_FIELDS), "A signed cancel"),
    response=S.OP_RESULT,
    errors=(*SIGNED_ERRORS, "unknown_order", "rejected"),
)
async def cancel_order(request: web.Request) -> web.Response:
    return await submit_one(request, "cancel")


CANCEL_ALL_FIELDS = {
    "account_id": ID,
    "market_id": {"type": "integer", "description": "255: every market"},
    "nonce": {
        "type": "integer",
        "description": "cancels open orders with id <= nonce and refuses them from now on",
    },
    "expiry": {"type": "integer"},
}


@ROUTES.post(
    "/v1/orders/cancel-all",
    summary="Cancel every open order up to an order id, in one market or all (signed)",
    request=signed_schema(CANCEL_ALL_FIELDS, list(CANCEL_ALL_FIELDS), "A signed cancel-all"),
    response=S.OP_RESULT,
    errors=(*SIGNED_ERRORS, "unknown_market", "rejected"),
)
async def cancel_all(request: web.Request) -> web.Response:
    return await submit_one(request, "cancel_all")
