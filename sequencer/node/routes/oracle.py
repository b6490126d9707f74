"""Oracle price submission: the configured oracle signers push signed prices (a quorum per update)."""

from __future__ import annotations

from aiohttp import web

from protocol.messages.oracle_price import OraclePriceMessage
from protocol.steps.oracle_update import SignedPrice
from sequencer.node import schemas as S
from sequencer.node.errors import ApiError
from sequencer.node.http import read_json
from sequencer.node.routes.common import INT, SIGNATURE, engine_of, node_of
from sequencer.node.routes.orders import answer
from sequencer.node.routing import RouteTable
from sequencer.node.wire import check_keys, decode_signature, to_field, to_int

ROUTES = RouteTable("oracle")

PRICE = {
    "type": "object",
    "required": ["signer", "price", "timestamp", "expiry", "sig"],
    "properties": {
        "signer": {"type": "integer", "description": "index into the oracle signer set (GET /v1/oracle)"},
        "price": INT,
        "timestamp": {"type": "integer"},
        "expiry": {"type": "integer"},
        "sig": SIGNATURE,
    },
}


@ROUTES.post(
    "/v1/oracle/prices",
    summary="Apply an oracle price update: signed prices of one market by a quorum of the oracle signers",
    description="The median of the signed prices becomes the market's index price (stale, skewed or out-of-band updates are rejected).",
    request={
        "type": "object",
        "required": ["market_id", "prices"],
        "properties": {"market_id": {"type": "integer"}, "prices": {"type": "array", "items": PRICE}},
    },
    response=S.OP_RESULT,
    errors=("malformed_body", "bad_signature", "unknown_market", "rejected", "rate_limited"),
)
async def post_prices(request: web.Request) -> web.Response:
    node = node_of(request)
    engine = engine_of(node)
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("prices"), list) or "market_id" not in body:
        raise ApiError("malformed_body", 'the body must be {"market_id": id, "prices": [...]}')
    check_keys(body, {"market_id", "prices"})
    mid = engine.market_id(to_int(body["market_id"], "market_id"))
    if len(body["prices"]) > len(node.exchange_config.oracle_signers):
        raise ApiError("too_large", "more prices than oracle signers")
    prices = []
    for p in body["prices"]:
        if not isinstance(p, dict):
            raise ApiError("malformed_body", "each price is an object")
        check_keys(p, {"signer", "price", "timestamp", "expiry", "sig"})
        try:
            msg = OraclePriceMessage(
                market_id=mid,
                price=to_field(p["price"], "price"),
                timestamp=to_field(p["timestamp"], "timestamp"),
                expiry=to_field(p["expiry"], "expiry"),
            )
            prices.append(SignedPrice(to_field(p["signer"], "signer"), msg, decode_signature(p["sig"])))
        except KeyError as exc:
            raise ApiError("malformed_body", f"missing field: {exc.args[0]}") from exc
    [out] = await node.submit([engine.oracle_draft(mid, prices)])
    node.kick_keeper()
    return answer(out)
