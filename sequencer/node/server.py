"""The HTTP server around the app: slow-client timeouts and JSON errors for what aiohttp rejects
before any route runs.

aiohttp answers a request it cannot parse (a bad request line, header or chunked framing) itself,
with a plain-text 400; the node's contract is a JSON error with a stable code for every bad input,
so the runner's request handler answers those in the same `{"error": {...}}` shape.  It also
closes connections that send no complete request head within `header_timeout_s` (aiohttp's
keep-alive timer, which runs from the connection's start and between requests, is that timeout),
so slow-header clients cannot hold sockets and buffers open; the body timeout is in
`sequencer.node.http.read_json`.  Each closed connection is reported to the app's
`CONNECTION_CLOSED_KEY` callback with the time it opened (the node's garbage-collection policy,
`sequencer.node.gcpolicy`, frees what closed connections leave behind).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from sequencer.node.errors import ApiError

log = logging.getLogger("zkclear.node")

# called with a closed connection's opening time (time.monotonic())
CONNECTION_CLOSED_KEY: web.AppKey[Callable[[float], None]] = web.AppKey("connection_closed")


class JsonErrorHandler(RequestHandler):
    """aiohttp's per-connection protocol, answering its own parse errors as JSON errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened_at = time.monotonic()

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if isinstance(exc, ConnectionError):
            # the client went away mid-request (a slow body, say): expected, so no traceback
            log.debug("client %s disconnected during a request: %s", request.remote, exc)
            err = ApiError("malformed_body", "the connection was lost before the request was read")
        elif status >= 500:
            log.error("error handling a request from %s", request.remote, exc_info=exc)
            err = ApiError("internal", "internal error; nothing was applied")
        else:
            # a client's garbage: no traceback in the log, a JSON answer on the wire
            log.debug("unparsable request from %s: %s", request.remote, message)
            code = "too_large" if status == 413 else "malformed_body"
            err = ApiError(code, f"the request cannot be parsed: {message or status}")
        if request.writer.output_size > 0:
            raise ConnectionError("a response was already sent: cannot send the error")
        resp = web.Response(status=err.status, text=_json_text(err), content_type="application/json")
        resp.force_close()
        return resp


def _json_text(err: ApiError) -> str:
    return json.dumps(err.to_json(), separators=(",", ":"))


class _Server(web.Server):
    on_closed: Callable[[float], None] | None = None

    def __call__(self) -> RequestHandler:
        return JsonErrorHandler(self, loop=self._loop, **self._kwargs)

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        super().connection_lost(handler, exc)
        if self.on_closed is not None and isinstance(handler, JsonErrorHandler):
            self.on_closed(handler.opened_at)


class NodeRunner(web.AppRunner):
    """`web.AppRunner` whose server uses `JsonErrorHandler`; `header_timeout_s` is the longest a
    connection may take to send a complete request head (and stay idle between requests)."""

    def __init__(self, app: web.Application, *, header_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(app, keepalive_timeout=header_timeout_s, **kwargs)

    async def _make_server(self) -> web.Server:
        base = await super()._make_server()
        server = _Server(
            base.request_handler,
            request_factory=base.request_factory,
            handler_cancellation=base.handler_cancellation,
            **base._kwargs,
        )
        server.on_closed = self.app.get(CONNECTION_CLOSED_KEY)
        return server
