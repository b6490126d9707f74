"""Liquidation auctions: any account takes over a position of an account in auction with a signed
order (protocol.md 4.8 and 11)."""

from __future__ import annotations

from aiohttp import web

from sequencer.node import schemas as S
from sequencer.node.routes.common import ID, INT
from sequencer.node.routes.orders import ORDER, ORDER_ERRORS, submit_draft
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
# an order's codes: the liquidator's order is checked as one (expiry, id, tick, step, margin);
# `rejected` carries NO_AUCTION, NOT_LIQUIDATABLE, NO_POSITION, SAME_ACCOUNT,
# INSURANCE_INSUFFICIENT, ORACLE_STALE, VALUE_OUT_OF_RANGE in `details.reason`
TAKEOVER_ERRORS = ORDER_ERRORS


@ROUTES.post(
    "/v1/liquidations/takeover",
    summary="Take over a position in a liquidation auction (signed order)",
    description=(
        "The liquidator's order (another account, same market, the other side, a limit no worse than "
        "the oracle price) fills min(size, its size) of the auctioned account's position at the "
        "oracle price, and the account pays it the auction discount (docs/protocol.md 4.8). "
        "Rate-limited like an order: per client address, and per liquidator key for accepted ones."
    ),
    request=TAKEOVER,
    response=S.TAKEOVER_RESULT,
    errors=TAKEOVER_ERRORS,
)
async def takeover(request: web.Request) -> web.Response:
    return await submit_draft(request, lambda engine, body: engine.decode_takeover(body))
