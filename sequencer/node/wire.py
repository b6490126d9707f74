"""JSON wire format of operations: API bodies in, journal bodies in and out.

A signed operation's body is its message's fields by name plus the signature:

    {"account_id": 5, "market_id": 0, "side": 0, "price": "4000000", "size": "1000",
     "order_id": 17, "expiry": 1767225600, "flags": 0,
     "sig": {"R8": ["<x>", "<y>"], "S": "<s>"}}

The number grammar (docs/protocol.md section 11): an integer is a JSON integer number or a
decimal string `0|-?[1-9][0-9]*` (ASCII digits, no sign `+`, no leading zeros, no `-0`, no
spaces), at most 78 digits either way; a float, an exponent, a boolean or anything else is
`malformed_body`.  Every integer of a signed body (message fields and the signature's R8x, R8y, S)
must be a canonical field element, 0 <= v < r, else `malformed_body` with `details.reason`
`NON_CANONICAL`; inside [0, r), a message field outside its own bound is the exchange's
`VALUE_OUT_OF_RANGE` (`rejected`), a signature off the curve or with S past the subgroup order is
`bad_signature`.  An Ethereum address is such an integer below 2^160 or `0x` and exactly 40 hex
digits (either case; the EIP-55 checksum is not checked); answers give addresses as `0x` and 40
lowercase hex digits (`address_hex`).  A missing or unknown field is `malformed_body`.  The node
stamps the operation time itself; the journal holds the operation in the exchange's own codec
(`sequencer.codec.encode_op`), independent of how a client spelled the body.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from circuits.primitives.eddsa import Signature
from protocol.constants import ADDRESS_BITS, FIELD_MODULUS
from protocol.messages.withdraw import WithdrawMessage
from sequencer.node.errors import ApiError

MAX_INT_DIGITS = 78  # 2^256 has 78 digits; the exchange checks the real bounds
_INT_LIMIT = 10**MAX_INT_DIGITS
DECIMAL = re.compile(r"(?:0|-?[1-9][0-9]{0,77})")
_HEX_ADDRESS = re.compile(r"0[xX][0-9a-fA-F]{40}")
_ADDRESS_LIMIT = 1 << ADDRESS_BITS
R = FIELD_MODULUS
# message fields that are Ethereum addresses (accepted as 0x hex as well as integers)
ADDRESS_FIELDS: dict[type, frozenset[str]] = {WithdrawMessage: frozenset({"recipient"})}


def show(value: Any) -> str:
    """A short, safe rendering of a client's value for an error message (never a deep repr)."""
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return f"a JSON {'array' if isinstance(value, list) else 'object'}"


def to_int(value: Any, what: str) -> int:
    """An integer by the number grammar (module docstring)."""
    if type(value) is int:
        if -_INT_LIMIT < value < _INT_LIMIT:
            return value
    elif isinstance(value, str) and DECIMAL.fullmatch(value):
        return int(value)
    raise ApiError(
        "malformed_body",
        f"{what} must be an integer (a JSON integer or a decimal string without leading zeros, "
        f"at most {MAX_INT_DIGITS} digits), got {show(value)}",
    )


def to_field(value: Any, what: str) -> int:
    """An integer that must be a canonical field element (0 <= v < r)."""
    v = to_int(value, what)
    if not 0 <= v < R:
        raise non_canonical(what)
    return v


def non_canonical(what: str) -> ApiError:
    return ApiError(
        "malformed_body",
        f"{what} is not a canonical field element (0 <= v < r)",
        {"reason": "NON_CANONICAL", "field": what},
    )


def to_address(value: Any, what: str) -> int:
    """An Ethereum address: an integer below 2^160, or `0x` and 40 hex digits."""
    if isinstance(value, str) and _HEX_ADDRESS.fullmatch(value):
        return int(value, 16)
    v = to_int(value, what) if not (isinstance(value, str) and value[:2] in ("0x", "0X")) else -1
    if not 0 <= v < _ADDRESS_LIMIT:
        raise ApiError(
            "malformed_body",
            f"{what} must be an Ethereum address: 0x and 40 hex digits, or an integer below 2^160",
        )
    return v


def address_hex(v: int) -> str:
    """The one answer encoding of an Ethereum address: 0x and 40 lowercase hex digits."""
    return f"{v:#042x}"


def decode_signature(obj: Any) -> Signature:
    if not isinstance(obj, dict) or obj.keys() != {"R8", "S"}:
        raise ApiError("malformed_body", 'sig must be {"R8": [x, y], "S": s}')
    r8 = obj["R8"]
    if not isinstance(r8, list) or len(r8) != 2:
        raise ApiError("malformed_body", "sig.R8 must be a list of two integers")
    x, y, s = r8[0], r8[1], obj["S"]
    if (
        type(x) is not int
        or type(y) is not int
        or type(s) is not int
        or not (0 <= x < R and 0 <= y < R and 0 <= s < R)
    ):
        x, y, s = to_field(x, "sig.R8[0]"), to_field(y, "sig.R8[1]"), to_field(s, "sig.S")
    return Signature(R8=(x, y), S=s)


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
        if type(v) is not int or not 0 <= v < R:
            if n not in obj:
                missing = [m for m in names if m not in obj]
                raise ApiError(
                    "malformed_body", f"missing field(s): {', '.join(missing)}", {"missing": missing}
                )
            v = to_address(v, n) if n in ADDRESS_FIELDS.get(msg_cls, ()) else to_field(v, n)
        values.append(v)
    if "sig" not in obj:
        raise ApiError("malformed_body", "missing field: sig")
    return msg_cls(*values), decode_signature(obj["sig"])


def encode_message(msg: Any) -> dict[str, Any]:
    return {f.name: getattr(msg, f.name) for f in dataclasses.fields(msg)}
