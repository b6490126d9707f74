"""The OpenAPI 3.1 document the node serves at /openapi.json, built from the route tables."""

from __future__ import annotations

from typing import Any

from sequencer.node.errors import CODES
from sequencer.node.routing import Route
from sequencer.node.schemas import COMPONENTS, ERROR

API_VERSION = "1"

ERROR_SCHEMA: dict[str, Any] = ERROR
# codes any route can answer: bad framing or body, the address limit, a slow body, shutdown, a bug
COMMON_ERRORS = ("malformed_body", "rate_limited", "request_timeout", "unavailable", "internal")

AUTH_SCHEME: dict[str, Any] = {
    "type": "apiKey",
    "in": "header",
    "name": "X-Zkclear-Auth",
    "description": (
        "An account read token `account.expiry.R8x.R8y.S` (decimal): an EdDSA-Poseidon signature by the "
        "account's L2 key over Poseidon([TAG_READ_AUTH, domain_hash, account, expiry]); see docs/protocol.md."
    ),
}


def _operation(route: Route) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "tags": [route.tag],
    }
    if route.description:
        op["description"] = route.description
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _path_params(route.path)
    ]
    params.extend(route.params)
    if params:
        op["parameters"] = params
    if route.request is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.request}}}
    responses: dict[str, Any] = {}
    if route.websocket:
        responses["101"] = {"description": "switching to the WebSocket protocol"}
    else:
        responses["200"] = {
            "description": "success",
            "content": {route.media: {"schema": route.response or {"type": "object"}}},
        }
    errors = set(route.errors) | set(COMMON_ERRORS)
    if route.request is not None:
        errors.add("too_large")
    for status in sorted({CODES[c].status for c in errors}):
        codes = sorted(c for c in errors if CODES[c].status == status)
        # inline (not a $ref) so that each response's schema stands alone for validators
        responses[str(status)] = {
            "description": "error: " + ", ".join(codes),
            "content": {"application/json": {"schema": {**ERROR_SCHEMA, "x-codes": codes}}},
        }
    op["responses"] = responses
    if route.auth:
        op["security"] = [{"accountToken": []}]
    return op


def _path_params(path: str) -> list[str]:
    out = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            out.append(part[1:-1].split(":")[0])
    return out


def _openapi_path(path: str) -> str:
    # aiohttp allows {name:regex}; OpenAPI wants {name}
    return "/".join(("{" + p[1:-1].split(":")[0] + "}") if p.startswith("{") else p for p in path.split("/"))


def build_document(
    routes: list[Route], schemas: dict[str, Any], *, title: str = "zkclear node"
) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        paths.setdefault(_openapi_path(r.path), {})[r.method.lower()] = _operation(r)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": API_VERSION,
            "description": (
                "The zkclear sequencer node. Amounts and field elements are decimal strings. Every error "
                "is a JSON object with a stable `code` (see components.schemas.Error and docs/protocol.md)."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**COMPONENTS, **schemas},
            "securitySchemes": {"accountToken": AUTH_SCHEME},
        },
    }
