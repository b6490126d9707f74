"""Reference batch fixed-base scalar multiplication (py_ecc, one multiplication per scalar): twin of
native.fixed_base.

  base     one affine point of std ints (None = infinity), checked on the curve and in the subgroup;
  scalars  n 32-byte little-endian Fr elements, standard form unless scalars_mont=True;
  window   accepted for the interface (0..16) and otherwise ignored.
Returns scalars[i] * base for every i as one LEM buffer (n affine points, Montgomery coordinates).
"""

from __future__ import annotations

from typing import Any

from native.base import Point, fixed_base_count
from native.constants import FR_MODULUS
from native.ref.curve import G1, G2, RefCurve

__all__ = ["fixed_base_g1", "fixed_base_g2"]

_MONT_R_INV_FR = pow(2**256 % FR_MODULUS, -1, FR_MODULUS)


def _fixed_base(curve: RefCurve, base: Point, scalars: Any, scalars_mont: bool, window: int) -> bytearray:
    base = curve.check(base, f"{curve.name} base point")
    n, mv = fixed_base_count(scalars, window)
    raw = bytes(mv)
    ks = [int.from_bytes(raw[32 * i : 32 * i + 32], "little") for i in range(n)]
    for i, k in enumerate(ks):
        if k >= FR_MODULUS:
            raise ValueError(f"scalar {i} is not canonical (must be < r)")
    if scalars_mont:
        ks = [k * _MONT_R_INV_FR % FR_MODULUS for k in ks]
    return bytearray(curve.to_lem_many([curve.mul(base, k) for k in ks]))


def fixed_base_g1(base: Point, scalars: Any, *, scalars_mont: bool = False, window: int = 0) -> bytearray:
    return _fixed_base(G1, base, scalars, scalars_mont, window)


def fixed_base_g2(base: Point, scalars: Any, *, scalars_mont: bool = False, window: int = 0) -> bytearray:
    return _fixed_base(G2, base, scalars, scalars_mont, window)
