"""The member's HTTP interface (aiohttp; protocol.md 7.8):

    GET  /v1/info                 member address, rollup, chain id, next batch, state root
    POST /v1/batches              {"header", "public_data", "state_diff"} (0x hex) -> the signature
    GET  /v1/batches/{number}     a stored batch's data, hashes and the member's signature
    GET  /v1/accounts/{id}        an account's state and Merkle path in the member's latest state

Errors are JSON `{"error": {"code", "message", "details"?}}` with a stable code (member.STATUS)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

from sequencer.dac.member import DacError, Member

log = logging.getLogger("zkclear.dac")
MEMBER_KEY: web.AppKey[Member] = web.AppKey("member", Member)
LOCK_KEY: web.AppKey[asyncio.Lock] = web.AppKey("lock", asyncio.Lock)
MAX_BODY = 16 << 20


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, separators=(",", ":")))


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except DacError as e:
        return _json(e.to_json(), e.status)
    except web.HTTPRequestEntityTooLarge:
        return _json(DacError("malformed_body", f"the body exceeds {MAX_BODY} bytes").to_json(), 413)


def _hex(body: dict[str, Any], name: str) -> bytes:
    v = body.get(name)
    if not isinstance(v, str) or not v.startswith("0x"):
        raise DacError("malformed_body", f"{name}: a 0x-prefixed hex string is required")
    try:
        return bytes.fromhex(v[2:])
    except ValueError as e:
        raise DacError("malformed_body", f"{name}: not hex ({e})") from e


def _int(request: web.Request, name: str) -> int:
    try:
        v = int(request.match_info[name])
    except ValueError as e:
        raise DacError("malformed_body", f"{name} must be an integer") from e
    if v < 0:
        raise DacError("malformed_body", f"{name} must be >= 0")
    return v


async def info(request: web.Request) -> web.Response:
    m = request.app[MEMBER_KEY]
    root = m.state_root
    return _json(
        {
            "member": m.address,
            "rollup": f"{m.rollup_address:#042x}",
            "chain_id": str(m.chain_id),
            "next_batch": m.next_batch,
            "state_root": None if root is None else str(root),
        }
    )


async def post_batch(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError) as e:
        raise DacError("malformed_body", f"the body is not JSON ({e})") from e
    if not isinstance(body, dict) or set(body) != {"header", "public_data", "state_diff"}:
        raise DacError("malformed_body", "expected an object with header, public_data and state_diff")
    raw = (_hex(body, "header"), _hex(body, "public_data"), _hex(body, "state_diff"))
    m = request.app[MEMBER_KEY]
    async with request.app[LOCK_KEY]:  # one batch at a time: each is checked against the last
        signed = m.accept(*raw)
    log.info("signed batch %d", signed.number)
    return _json(signed.to_json())


async def get_batch(request: web.Request) -> web.Response:
    b, signed = request.app[MEMBER_KEY].batch(_int(request, "number"))
    return _json(
        {
            **signed.to_json(),
            "header": "0x" + b.header.hex(),
            "public_data": "0x" + b.public_data.hex(),
            "state_diff": "0x" + b.state_diff.hex(),
        }
    )


async def get_account(request: web.Request) -> web.Response:
    return _json(request.app[MEMBER_KEY].account(_int(request, "account")))


def create_app(member: Member) -> web.Application:
    app = web.Application(middlewares=[_errors], client_max_size=MAX_BODY)
    app[MEMBER_KEY] = member
    app[LOCK_KEY] = asyncio.Lock()
    app.router.add_get("/v1/info", info)
    app.router.add_post("/v1/batches", post_batch)
    app.router.add_get("/v1/batches/{number}", get_batch)
    app.router.add_get("/v1/accounts/{account}", get_account)
    return app
