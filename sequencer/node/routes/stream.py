"""The WebSocket stream (book snapshots, trades, fills and order updates, batches)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sequencer.node.errors import ApiError
from sequencer.node.routes.common import engine_of, node_of, tokens_of
from sequencer.node.routes.market import book_json
from sequencer.node.routing import RouteTable
from sequencer.node.stream import serve

ROUTES = RouteTable("stream")


@ROUTES.get(
    "/v1/stream",
    summary="WebSocket: subscribe to book, trades, fills (with a read token) and batches",
    description=(
        'Send {"op": "subscribe", "channel": "book"|"trades", "market": "BTC-USD"}, '
        '{"op": "subscribe", "channel": "fills", "account": 5, "auth": "<read token>"} or '
        '{"op": "subscribe", "channel": "batches"}. Events carry the journal seq they reflect and are '
        "sent only once it is durable. A book subscription starts with a snapshot."
    ),
    websocket=True,
)
async def stream(request: web.Request) -> web.WebSocketResponse:
    node = node_of(request)

    def resolve(req: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        channel = req.get("channel")
        engine = engine_of(node)
        if channel in ("book", "trades"):
            mid = engine.market_id(req.get("market", ""))
            snap = None
            if channel == "book" and req.get("op") == "subscribe":
                snap = {"type": "book", **book_json(node, mid, 20)}
            return f"{channel}:{mid}", snap
        if channel == "fills":
            acct = req.get("account")
            if type(acct) is not int:
                raise ApiError("malformed_body", "fills needs an integer account")
            tokens_of(node).check(req.get("auth"), node.now(), acct)
            return f"fills:{acct}", None
        if channel == "batches":
            return "batches", None
        raise ApiError("malformed_body", "channel must be book, trades, fills or batches")

    cfg = node.config
    return await serve(
        request, node.hub, resolve, queue_limit=cfg.stream_queue_events, close_wait_s=cfg.stream_close_wait_s
    )
