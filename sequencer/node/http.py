"""HTTP plumbing shared by every route: JSON in and out, body limits and timeouts, the error
middleware and the per-address rate limit.

Request bodies follow one JSON grammar (docs/protocol.md section 11): RFC 8259 JSON in UTF-8, no
duplicate object keys, no NaN/Infinity, no nesting deep enough to exhaust the parser's recursion
(a RecursionError is a client error here, not a 500); anything else is `malformed_body` before a
route sees it.  Error messages never echo a structured value (its repr could recurse as deep)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from sequencer.node.errors import ApiError
from sequencer.node.ratelimit import RateLimiter

log = logging.getLogger("zkclear.node")

MAX_BODY_KEY: web.AppKey[int] = web.AppKey("max_body_bytes", int)
BODY_TIMEOUT_KEY: web.AppKey[float] = web.AppKey("body_timeout_s", float)
LIMITER_KEY: web.AppKey[RateLimiter] = web.AppKey("address_limiter", RateLimiter)
OPENAPI_KEY: web.AppKey[dict[str, Any]] = web.AppKey("openapi", dict)
# error answers by code (GET /metrics: zkclear_http_errors_total)
ERROR_COUNTS_KEY: web.AppKey[Counter[str]] = web.AppKey("error_counts", Counter)

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=_dumps(body).encode(), status=status, content_type="application/json", headers=headers
    )


def error_response(err: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    return json_response(err.to_json(), status=err.status, headers=headers)


class _DuplicateKey(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _DuplicateKey(f"duplicate key {dup!r}")
    return d


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_decode = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_constant).decode


def parse_json(raw: bytes) -> Any:
    """A body by the node's JSON grammar (module docstring); `malformed_body` otherwise."""
    try:
        return _decode(raw.decode("utf-8"))
    except _DuplicateKey as exc:
        raise ApiError("malformed_body", f"body has a {exc}", {"reason": "DUPLICATE_KEY"}) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError("malformed_body", f"body is not valid JSON: {exc}") from None


async def read_json(request: web.Request) -> Any:
    """The request body as JSON; `too_large` past the app's body limit, `request_timeout` when the
    body does not arrive within the body timeout, `malformed_body` otherwise."""
    limit = request.app[MAX_BODY_KEY]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError("too_large", f"body of {request.content_length} bytes is over the limit of {limit}")
    timeout = request.app[BODY_TIMEOUT_KEY]
    try:
        async with asyncio.timeout(timeout):
            raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiError("too_large", f"body is over the limit of {limit} bytes") from exc
    except TimeoutError:
        raise ApiError("request_timeout", f"the body did not arrive within {timeout:g} s") from None
    except HttpProcessingError as exc:  # broken chunked framing, short body
        raise ApiError("malformed_body", f"the body cannot be read: {exc.message}") from None
    if len(raw) > limit:
        raise ApiError("too_large", f"body of {len(raw)} bytes is over the limit of {limit}")
    return parse_json(raw)


_HTTP_TO_CODE = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 400: "malformed_body"}
# answers after which the connection is closed: the client may still be sending a body we did not read
_CLOSE_AFTER = frozenset(("request_timeout", "too_large", "malformed_body"))


def _count(request: web.Request, code: str) -> None:
    counts = request.app.get(ERROR_COUNTS_KEY)
    if counts is not None:
        counts[code] += 1


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as err:
        headers = None
        if err.code == "rate_limited" and "retry_after" in err.details:
            headers = {"Retry-After": str(max(1, int(err.details["retry_after"] + 0.999)))}
        _count(request, err.code)
        resp = error_response(err, headers)
        if err.code in _CLOSE_AFTER and request.body_exists and not request.content.is_eof():
            resp.force_close()
        return resp
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_TO_CODE.get(exc.status, "internal" if exc.status >= 500 else "malformed_body")
        _count(request, code)
        return error_response(ApiError(code, exc.reason or code))
    except ConnectionError:
        # the client went away mid-request (e.g. during a slow body): nothing to answer, no traceback
        log.debug("client disconnected during %s %s", request.method, request.path)
        raise
    except Exception:
        log.exception("unhandled error in %s %s", request.method, request.path)
        _count(request, "internal")
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
