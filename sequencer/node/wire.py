"""JSON wire format of operations: API bodies in, journal bodies in and out.

A signed operation's body is its message's fields by name plus the signature:

    {"account_id": 5, "market_id": 0, "side": 0, "price": "4000000", "size": "1000",
     "order_id": 17, "expiry": 1767225600, "flags": 0,
     "sig": {"R8": ["<x>", "<y>"], "S": "<s>"}}

Integers may be JSON numbers or decimal strings (clients in languages whose numbers are doubles
send strings); anything else, a missing field or an unknown field is `malformed_body`.  The node
stamps the operation time itself; the journal holds the operation in the exchange's own codec
(`sequencer.codec.encode_op`), independent of how a client spelled the body.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from circuits.primitives.eddsa import Signature
from sequencer.node.errors import ApiError

MAX_INT_DIGITS = 78  # 2^256 has 78 digits; the exchange checks the real bounds


def to_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ApiError("malformed_body", f"{what} must be an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        s = value[1:] if value.startswith("-") else value
        if s.isascii() and s.isdigit() and len(s) <= MAX_INT_DIGITS:
            return int(value)
    raise ApiError("malformed_body", f"{what} must be an integer (number or decimal string), got {value!r}")


def decode_signature(obj: Any) -> Signature:
    if not isinstance(obj, dict) or set(obj) != {"R8", "S"}:
        raise ApiError("malformed_body", 'sig must be {"R8": [x, y], "S": s}')
    r8 = obj["R8"]
    if not isinstance(r8, list) or len(r8) != 2:
        raise ApiError("malformed_body", "sig.R8 must be a list of two integers")
    return Signature(R8=(to_int(r8[0], "sig.R8[0]"), to_int(r8[1], "sig.R8[1]")), S=to_int(obj["S"], "sig.S"))


def encode_signature(sig: Signature) -> dict[str, Any]:
    return {"R8": [str(sig.R8[0]), str(sig.R8[1])], "S": str(sig.S)}


def check_keys(obj: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise ApiError("malformed_body", f"unknown field(s): {', '.join(extra)}", {"unknown": extra})


_FIELD_NAMES: dict[type, tuple[tuple[str, ...], frozenset[str]]] = {}


def field_names(msg_cls: type) -> tuple[tuple[str, ...], frozenset[str]]:
    """A message class's field names in declaration order, and the keys its body may hold."""
    got = _FIELD_NAMES.get(msg_cls)
    if got is None:
        names = tuple(f.name for f in dataclasses.fields(msg_cls))
        got = _FIELD_NAMES[msg_cls] = (names, frozenset(names) | {"sig", "type"})
    return got


def decode_signed(msg_cls: type, obj: Any) -> tuple[Any, Signature]:
    """(message, signature) of a signed operation body (the hot path: one call per order)."""
    names, allowed = field_names(msg_cls)
    if not isinstance(obj, dict):
        raise ApiError("malformed_body", "the body must be a JSON object")
    if not obj.keys() <= allowed:
        check_keys(obj, set(allowed))
    values = []
    for n in names:
        v = obj.get(n)
        if type(v) is not int:
            if n not in obj:
                missing = [m for m in names if m not in obj]
                raise ApiError(
                    "malformed_body", f"missing field(s): {', '.join(missing)}", {"missing": missing}
                )
            v = to_int(v, n)
        values.append(v)
    if "sig" not in obj:
        raise ApiError("malformed_body", "missing field: sig")
    return msg_cls(*values), decode_signature(obj["sig"])


def encode_message(msg: Any) -> dict[str, Any]:
    return {f.name: getattr(msg, f.name) for f in dataclasses.fields(msg)}
