"""Devnet-only operator routes (enabled by `zkclear node --devnet`): a faucet standing in for the L1
deposit queue, and oracle prices signed by the devnet's own oracle keys.

There is no L1 contract yet, so on a devnet the node itself plays the L1 queue: each deposit gets
the next queue index.  A production node never mounts these routes."""

from __future__ import annotations

from aiohttp import web

from circuits.primitives import babyjub
from protocol.errors import ErrorCode, Rejected
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.steps.oracle_update import SignedPrice
from sequencer.node import schemas as S
from sequencer.node.defaults import DEVNET_ORACLE_SIGNERS, devnet_oracle_signer
from sequencer.node.errors import ApiError, rejection
from sequencer.node.http import json_response, read_json
from sequencer.node.routes.common import INT, engine_of, node_of
from sequencer.node.routes.orders import answer
from sequencer.node.routing import RouteTable
from sequencer.node.wire import check_keys, to_address, to_field, to_int

ROUTES = RouteTable("devnet")

MAX_FAUCET = 10**15  # 1e9 USD in 6-decimal units


@ROUTES.post(
    "/v1/devnet/deposit",
    summary="Devnet faucet: credit collateral to an L2 key as if deposited on L1 (creates the account)",
    request={
        "type": "object",
        "required": ["pub_x", "pub_y", "amount"],
        "properties": {
            "pub_x": INT,
            "pub_y": INT,
            "amount": INT,
            "owner": {**INT, "description": "L1 address"},
        },
    },
    response=S.DEPOSIT_RESULT,
    errors=("malformed_body", "rejected"),
)
async def devnet_deposit(request: web.Request) -> web.Response:
    node = node_of(request)
    if node.l1 is not None:  # the L1 queue is the only source of deposits then
        raise ApiError(
            "rejected",
            "this node reads deposits from its L1 rollup contract: deposit there (approve + deposit)",
            {"reason": "L1_DEPOSITS_ONLY"},
        )
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiError("malformed_body", "the body must be a JSON object")
    check_keys(body, {"pub_x", "pub_y", "amount", "owner"})
    for k in ("pub_x", "pub_y", "amount"):
        if k not in body:
            raise ApiError("malformed_body", f"missing field: {k}")
    fields = {
        "pub_x": to_field(body["pub_x"], "pub_x"),
        "pub_y": to_field(body["pub_y"], "pub_y"),
        "amount": to_int(body["amount"], "amount"),
        "owner": to_address(body.get("owner", 0), "owner"),
    }
    if not 0 < fields["amount"] <= MAX_FAUCET:
        raise ApiError("malformed_body", f"amount must be in 1..{MAX_FAUCET}")
    # the key rule the L1 queue's deposits obey too (sequencer.ops.deposit): checked here as well so
    # the faucet answers at once, before the operation is queued
    key = (fields["pub_x"], fields["pub_y"])
    if not babyjub.on_curve(key) or babyjub.is_small_order(key):
        raise rejection(ErrorCode.BAD_PUBLIC_KEY, "the L2 key is off the curve or of small order")
    engine = engine_of(node)
    draft = engine.decode_deposit(fields)
    [out] = await node.submit([draft])
    return answer(out)


@ROUTES.post(
    "/v1/devnet/oracle",
    summary="Devnet oracle: sign a price with a quorum of the devnet oracle keys and apply it",
    request={
        "type": "object",
        "required": ["market", "price"],
        "properties": {"market": {"type": "string", "description": "symbol or id"}, "price": INT},
    },
    response=S.OP_RESULT,
    errors=("malformed_body", "unknown_market", "rejected"),
)
async def devnet_oracle(request: web.Request) -> web.Response:
    node = node_of(request)
    engine = engine_of(node)
    body = await read_json(request)
    if not isinstance(body, dict) or "market" not in body or "price" not in body:
        raise ApiError("malformed_body", 'the body must be {"market": ..., "price": ...}')
    check_keys(body, {"market", "price"})
    mid = engine.market_id(body["market"])
    price = to_field(body["price"], "price")
    signers = {devnet_oracle_signer(i).pub: devnet_oracle_signer(i) for i in range(DEVNET_ORACLE_SIGNERS)}
    cfg = node.exchange_config
    now = node.now()
    prices = []
    for idx, pub in enumerate(cfg.oracle_signers):
        signer = signers.get(pub)
        if signer is None:
            continue
        msg = OraclePriceMessage(market_id=mid, price=price, timestamp=now, expiry=now + cfg.oracle_max_age_s)
        try:
            msg.validate()  # the price's bounds, before signing (the exchange would refuse it anyway)
        except Rejected as exc:
            raise rejection(exc.code, exc.message) from None
        prices.append(SignedPrice(idx, msg, signer.sign(msg.hash(engine.domain))))
        if len(prices) == cfg.oracle_quorum:
            break
    if len(prices) < cfg.oracle_quorum:
        raise ApiError(
            "rejected", "this node's oracle signers are not the devnet keys: it cannot sign prices"
        )
    [out] = await node.submit([engine.oracle_draft(mid, prices)])
    node.kick_keeper()
    return answer(out)


@ROUTES.get(
    "/v1/devnet/latency",
    summary="Where accepted operations spent their time in this node, per stage, and loop stalls",
    description=(
        "Percentiles (ms) of each stage an accepted operation goes through (decode, verify, apply, "
        "durable, respond, total), of work done on the event loop in one piece, of loop wake-up lag "
        "and of the worker threads' calls, since the node started or the last `?reset=1` "
        "(sequencer.node.latency)."
    ),
    response=S.ANY_OBJECT,
)
async def devnet_latency(request: web.Request) -> web.Response:
    node = node_of(request)
    if node.trace is None:
        raise ApiError("not_found", "this node keeps no latency trace")
    out = node.trace.summary()
    if request.query.get("reset") in ("1", "true"):
        node.trace.reset()
    return json_response(out)
