"""Liquidation auctions: any account takes over a position of an account in auction with a signed
order (protocol.md 4.8 and 11)."""

from __future__ import annotations

from aiohttp import web

from sequencer.node.http import read_json
from sequencer.node.routes.common import ID, INT, engine_of, node_of
from sequencer.node.routes.orders import ORDER, ORDER_ERRORS, RESULT, answer
from sequencer.node.routing import RouteTable

ROUTES = RouteTable("liquidations")

TAKEOVER = {
    "type": "object",
    "description": "A takeover of (part of) a position in its account's liquidation auction",
    "required": ["account_id", "market_id", "size", "order"],
    "properties": {
        "account_id": {**ID, "description": "the account in auction"},
        "market_id": ID,
        "size": {**INT, "description": "the most to take (a multiple of the step)"},
        "order": {
            **ORDER,
            "description": "the liquidator's signed order: same market, the other side, a limit no "
            "worse than the oracle price; it fills min(size, its size) at the oracle price and "
            "receives the auction discount",
        },
    },
    "additionalProperties": False,
}


@ROUTES.post(
    "/v1/liquidations/takeover",
    summary="Take over a position in a liquidation auction (signed order)",
    request=TAKEOVER,
    response=RESULT,
    errors=ORDER_ERRORS,
)
async def takeover(request: web.Request) -> web.Response:
    node = node_of(request)
    body = await read_json(request)
    draft = engine_of(node).decode_takeover(body)
    [out] = await node.submit([draft])
    return answer(out)
