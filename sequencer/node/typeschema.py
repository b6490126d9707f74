"""JSON schemas (draft 2020-12) generated from the TypedDicts that type the node's answers.

`schema_of(T)` turns the types the answer models use into the strict schemas the OpenAPI document
serves: a TypedDict becomes an object with every key `required` unless it is `NotRequired`, and no
other keys (`additionalProperties: false`), its docstring the description; `list[T]` an array;
`Literal[...]` an enum (one value: a const); `T | None` an `anyOf` with null; `bool`, `str`,
`float`, `dict[str, Any]` and `Any` what they say.  A bare `int` is refused: every integer in an
answer says whether it is a JSON number below 2^53 or a decimal string, through `Annotated[...,
Schema(...)]` metadata: a `Schema` holding a `type`, `anyOf`, `enum` or `const` replaces the schema
of the annotated type, any other (`minItems`, `description`, ...) is merged into it.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

_REPLACING = ("type", "anyOf", "oneOf", "enum", "const")


class Schema(dict[str, Any]):
    """JSON-schema metadata for `Annotated[T, Schema(...)]`."""

    def __init__(self, base: dict[str, Any] | None = None, **kw: Any) -> None:
        super().__init__({**(base or {}), **kw})

    def __hash__(self) -> int:  # type: ignore[override]  # typing hashes Annotated metadata (e.g. in `X | None`)
        return hash(json.dumps(self, sort_keys=True))


def schema_of(tp: Any) -> dict[str, Any]:
    if get_origin(tp) is typing.Annotated:
        base, *metas = get_args(tp)
        out: dict[str, Any] | None = None
        for m in metas:
            if not isinstance(m, Schema):
                continue
            if any(k in m for k in _REPLACING):
                out = dict(m)
            else:
                out = {**(schema_of(base) if out is None else out), **m}
        return schema_of(base) if out is None else out
    if is_typeddict(tp):
        return _object(tp)
    origin = get_origin(tp)
    if origin is Literal:
        values = list(get_args(tp))
        if len(values) == 1:
            return {"const": values[0]}
        kinds = {type(v) for v in values}
        json_type = {str: "string", int: "integer", bool: "boolean"}[kinds.pop()] if len(kinds) == 1 else None
        return {"type": json_type, "enum": values} if json_type else {"enum": values}
    if origin is list:
        (item,) = get_args(tp)
        return {"type": "array", "items": schema_of(item)}
    if origin is dict:
        return {"type": "object"}
    if origin is Union or origin is types.UnionType:
        args = get_args(tp)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and len(args) == 2:
            return {"anyOf": [schema_of(rest[0]), {"type": "null"}]}
        return {"anyOf": [schema_of(a) for a in args]}
    if tp is bool:
        return {"type": "boolean"}
    if tp is str:
        return {"type": "string"}
    if tp is float:
        return {"type": "number"}
    if tp is Any:
        return {}
    if tp is dict:
        return {"type": "object"}
    raise TypeError(f"no JSON schema for {tp!r}: annotate integers with a Schema (number or decimal string)")


def _object(td: Any) -> dict[str, Any]:
    hints = get_type_hints(td, include_extras=True)
    props = {k: schema_of(_strip_required(v)) for k, v in hints.items()}
    out: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": [k for k in props if k in td.__required_keys__],
        "additionalProperties": False,
    }
    doc = td.__dict__.get("__doc__")
    if doc:
        out["description"] = " ".join(doc.split())
    return out


def _strip_required(tp: Any) -> Any:
    if get_origin(tp) in (typing.NotRequired, typing.Required):
        return get_args(tp)[0]
    return tp
