"""The answer models (sequencer.node.models) and the schemas generated from them
(sequencer.node.typeschema): strict objects, integers always with an encoding, optional keys only
where the model says NotRequired."""

from __future__ import annotations

from typing import Any

import pytest

from sequencer.node import models as M
from sequencer.node import schemas as S
from sequencer.node.routes import ALL_TABLES, DEVNET_TABLES
from sequencer.node.typeschema import schema_of


def _objects(schema: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(schema, dict):
        if "properties" in schema:
            out.append(schema)
        for v in schema.values():
            out.extend(_objects(v))
    elif isinstance(schema, list):
        for v in schema:
            out.extend(_objects(v))
    return out


def test_every_object_is_strict() -> None:
    for route in (r for t in ALL_TABLES + DEVNET_TABLES for r in t.routes):
        for o in _objects(route.response):
            assert o["additionalProperties"] is False, (route.path, o)
            assert set(o["required"]) <= set(o["properties"]), (route.path, o)
    for o in _objects(S.STREAM_EVENT):
        assert o["additionalProperties"] is False, o
    for event in S.STREAM_EVENT["oneOf"]:
        assert {"type", "seq"} <= set(event["required"]) or event["properties"]["type"]["const"] in (
            "subscribed",
            "unsubscribed",
            "error",
        ), event


def test_optional_keys_and_encodings() -> None:
    upd = schema_of(M.OrderUpdate)
    assert set(upd["required"]) == {"order_id", "market_id", "state"}
    assert upd["properties"]["filled"]["pattern"] == "^(0|[1-9][0-9]*)$"
    acct = schema_of(M.Account)
    assert acct["properties"]["owner"]["pattern"] == "^0x[0-9a-f]{40}$"
    assert acct["properties"]["public_key"] == {
        "type": "array",
        "items": dict(M.UINT),
        "minItems": 2,
        "maxItems": 2,
    }
    assert acct["properties"]["nonce"]["maximum"] == 2**53 - 1
    assert schema_of(M.Funding)["properties"]["next_funding_time"] == {
        "anyOf": [dict(M.NUM), {"type": "null"}]
    }
    assert S.OP_RESULT["properties"]["ok"] == {"const": True}
    assert M.CONFIG_HASH_FIELDS[0] == "size_decimals" and M.RISK_HASH_FIELDS[-1] == "oi_fund_multiple"


def test_a_bare_int_has_no_schema() -> None:
    from typing import TypedDict

    class Bad(TypedDict):
        n: int

    with pytest.raises(TypeError, match="annotate integers"):
        schema_of(Bad)
