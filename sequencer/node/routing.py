"""Route tables that carry their own OpenAPI description, so the served document and the router are
built from the same list and cannot drift apart.

Each file under sequencer/node/routes/ declares `ROUTES = RouteTable("tag")` and decorates its
handlers with `@ROUTES.get(path, summary=..., ...)`; the app factory adds every table to the aiohttp
router and `sequencer.node.openapi` turns the same tables into the document.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    description: str = ""
    request: dict[str, Any] | None = None  # JSON schema of the body (or a $ref)
    response: dict[str, Any] | None = None  # JSON schema of the 200 body
    media: str = "application/json"  # the 200 body's media type (GET /metrics: text/plain)
    errors: tuple[str, ...] = ()  # error codes this route can answer with
    params: tuple[dict[str, Any], ...] = ()  # OpenAPI parameter objects (query/header)
    auth: bool = False  # needs the X-Zkclear-Auth token of the account
    websocket: bool = False


@dataclass
class RouteTable:
    tag: str
    routes: list[Route] = field(default_factory=list)

    def _add(self, method: str, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.routes.append(Route(method, path, fn, tag=self.tag, **kw))
            return fn

        return deco

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self._add("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self._add("POST", path, **kw)

    def register(self, app: web.Application) -> None:
        for r in self.routes:
            app.router.add_route(r.method, r.path, r.handler)


def query_param(
    name: str, description: str, schema: dict[str, Any], required: bool = False
) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}
