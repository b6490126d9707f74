"""Batch fixed-base scalar multiplication in the native core (native/src/fixed_base.c); same
interface and errors as the twin native.ref.fixed_base.

`fixed_base_g1(base, scalars)` returns scalars[i] * base for every i as one LEM affine buffer
(n points, 64 bytes each in G1, 128 in G2): a precomputed table of the base's multiples, signed
windows of up to 16 bits, no doublings per scalar, threaded, normalised with batch inversions.
The GIL is released.  Variable time (table reads depend on the scalars), as the MSM.
"""

from __future__ import annotations

from typing import Any

from native._lib import ffi, lib
from native.base import Point, fixed_base_count
from native.curve import G1, G2, NativeCurve

__all__ = ["fixed_base_g1", "fixed_base_g2"]

SCALARS_MONT = 1
_BASE_ERRORS = {
    1: "coordinate is not canonical",
    2: "is not on the curve",
    3: "is not in the order-r subgroup",
}


def _fixed_base(
    curve: NativeCurve, fn: Any, base: Point, scalars: Any, scalars_mont: bool, window: int
) -> bytearray:
    base = curve.check(base, f"{curve.name} base point")
    n, mv = fixed_base_count(scalars, window)
    out = bytearray(n * curve.lem_size)
    if n == 0:
        return out
    reason = ffi.new("int *")
    bad = fn(
        ffi.from_buffer("uint64_t[]", out, require_writable=True),
        curve._to_c(base),
        ffi.from_buffer("uint64_t[]", mv),
        n,
        SCALARS_MONT if scalars_mont else 0,
        window,
        reason,
    )
    if bad >= 0:
        why = reason[0]
        if why == 9:
            raise MemoryError(f"{curve.name} fixed-base multiplication of {n} scalars: out of memory")
        if why == 4:
            raise ValueError(f"scalar {bad} is not canonical (must be < r)")
        if why in _BASE_ERRORS:
            raise ValueError(f"{curve.name} base point {_BASE_ERRORS[why]}")
        raise ValueError(f"window {window} is outside 0..16")
    return out


def fixed_base_g1(base: Point, scalars: Any, *, scalars_mont: bool = False, window: int = 0) -> bytearray:
    """scalars[i] * base over G1 for every i, as n LEM affine points (threaded; GIL released).
    window: signed-digit width 1..16, 0 = chosen from n (results never depend on it)."""
    return _fixed_base(G1, lib.zk_g1_fixed_base_mul, base, scalars, scalars_mont, window)


def fixed_base_g2(base: Point, scalars: Any, *, scalars_mont: bool = False, window: int = 0) -> bytearray:
    """scalars[i] * base over G2 for every i, as n LEM affine points (threaded; GIL released)."""
    return _fixed_base(G2, lib.zk_g2_fixed_base_mul, base, scalars, scalars_mont, window)
