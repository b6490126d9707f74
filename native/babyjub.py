"""Native BabyJubJub point arithmetic; twin: circuits.primitives.babyjub (same functions, same results).

Used by the native EdDSA verifier; exposed so the parametrised twin tests exercise the C curve code
on its own.
"""

from __future__ import annotations

from native._lib import ffi, int_to_limbs, lib, new_u64

Point = tuple[int, int]


def _limbs(values: list[int]) -> bytes:
    return b"".join(v.to_bytes(32, "little") for v in values)


def _point_buf(pt: Point, what: str) -> bytes:
    if not (isinstance(pt, tuple | list) and len(pt) == 2):
        raise ValueError(f"{what} must be an (x, y) pair")
    for c in pt:
        if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c < 1 << 256:
            raise ValueError(f"{what} is not a canonical curve point")
    return _limbs(list(pt))


def _out_point(out: object) -> Point:
    raw = bytes(ffi.buffer(out, 64))
    return (int.from_bytes(raw[:32], "little"), int.from_bytes(raw[32:], "little"))


def _scalar(k: int) -> object:
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < 1 << 256:
        raise ValueError("scalar must be an int in [0, 2^256)")
    return int_to_limbs(k)


def add(p1: Point, p2: Point) -> Point:
    out = new_u64(2)
    bad = lib.zk_babyjub_add(
        out,
        ffi.from_buffer("uint64_t[]", _point_buf(p1, "p1")),
        ffi.from_buffer("uint64_t[]", _point_buf(p2, "p2")),
    )
    if bad >= 0:
        raise ValueError(f"p{bad + 1} is not a canonical curve point")
    return _out_point(out)


def mul(pt: Point, k: int) -> Point:
    out = new_u64(2)
    if lib.zk_babyjub_mul(out, ffi.from_buffer("uint64_t[]", _point_buf(pt, "point")), _scalar(k)) >= 0:
        raise ValueError("point is not a canonical curve point")
    return _out_point(out)


def mul_base8(k: int) -> Point:
    out = new_u64(2)
    lib.zk_babyjub_mul_base8(out, _scalar(k))
    return _out_point(out)
