"""HTTP plumbing shared by every route: JSON in and out, body limits, the error middleware and the
per-address rate limit."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from sequencer.node.errors import ApiError
from sequencer.node.ratelimit import RateLimiter

log = logging.getLogger("zkclear.node")

MAX_BODY_KEY: web.AppKey[int] = web.AppKey("max_body_bytes", int)
OPENAPI_KEY: web.AppKey[dict[str, Any]] = web.AppKey("openapi", dict)

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=_dumps(body).encode(), status=status, content_type="application/json", headers=headers
    )


def error_response(err: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    return json_response(err.to_json(), status=err.status, headers=headers)


async def read_json(request: web.Request) -> Any:
    """The request body as JSON; `too_large` past the app's body limit, `malformed_body` otherwise."""
    limit = request.app[MAX_BODY_KEY]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError("too_large", f"body of {request.content_length} bytes is over the limit of {limit}")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiError("too_large", f"body is over the limit of {limit} bytes") from exc
    if len(raw) > limit:
        raise ApiError("too_large", f"body of {len(raw)} bytes is over the limit of {limit}")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError("malformed_body", f"body is not valid JSON: {exc}") from exc


_HTTP_TO_CODE = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 400: "malformed_body"}


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as err:
        headers = None
        if err.code == "rate_limited" and "retry_after" in err.details:
            headers = {"Retry-After": str(max(1, int(err.details["retry_after"] + 0.999)))}
        return error_response(err, headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_TO_CODE.get(exc.status, "internal" if exc.status >= 500 else "malformed_body")
        return error_response(ApiError(code, exc.reason or code))
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(ApiError("internal", "internal error; nothing was applied"))


def address_rate_limit(limiter: RateLimiter | None) -> Any:
    """Per-client-address limit on requests, checked before any parsing or signature work."""

    @web.middleware
    async def mw(request: web.Request, handler: Any) -> web.StreamResponse:
        if limiter is not None:
            wait = limiter.try_take(request.remote or "?")
            if wait > 0:
                raise ApiError(
                    "rate_limited", "too many requests from this address", {"retry_after": round(wait, 3)}
                )
        return await handler(request)

    return mw
