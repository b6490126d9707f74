"""Reference multi-scalar multiplication (a plain sum of k_i * P_i with py_ecc): twin of native.msm.

Inputs are the zero-copy buffers the prover hands over (see docs/native.md):
  points   n affine points in snarkjs's LEM layout (G1: 64 bytes, G2: 128 bytes each; all-zero =
           infinity), coordinates in Montgomery form;
  scalars  n 32-byte little-endian Fr elements, standard form (as in .wtns) unless
           scalars_mont=True (Montgomery form, as Fr buffers computed in place by the prover).
The result is an affine point of std ints (None = infinity).
"""

from __future__ import annotations

from typing import Any

from py_ecc import optimized_bn128 as ob

from native.base import G1Point, G2Point
from native.base import check_msm_sizes as check_sizes
from native.constants import FR_MODULUS
from native.ref.curve import G1, G2, RefCurve, _from_opt, _to_opt

_MONT_R_INV_FR = pow(2**256 % FR_MODULUS, -1, FR_MODULUS)


def _raw(buf: Any, what: str) -> bytes:
    try:
        return bytes(memoryview(buf).cast("B"))
    except TypeError as exc:
        raise TypeError(f"{what} must be a contiguous bytes-like buffer") from exc


def _msm(curve: RefCurve, points: Any, scalars: Any, scalars_mont: bool, check_points: bool) -> Any:
    n = check_sizes(curve, points, scalars)
    raw_s = _raw(scalars, "scalars")
    ks = [int.from_bytes(raw_s[32 * i : 32 * i + 32], "little") for i in range(n)]
    for i, k in enumerate(ks):
        if k >= FR_MODULUS:
            raise ValueError(f"scalar {i} is not canonical (must be < r)")
    if scalars_mont:
        ks = [k * _MONT_R_INV_FR % FR_MODULUS for k in ks]
    pts = curve.from_lem_many(points, check=False)
    if check_points:
        for i, pt in enumerate(pts):
            if not curve._on_curve_unchecked(pt):
                raise ValueError(f"{curve.name} point {i} is not on the curve")
    acc = ob.Z1 if curve.degree == 1 else ob.Z2
    for pt, k in zip(pts, ks, strict=True):
        if pt is not None and k:
            acc = ob.add(acc, ob.multiply(_to_opt(pt), k))
    return _from_opt(acc)


def msm_g1(points: Any, scalars: Any, *, scalars_mont: bool = False, check_points: bool = True) -> G1Point:
    """sum scalars[i] * points[i] over G1.  check_points=False skips the on-curve test (the
    coordinates are still required canonical)."""
    return _msm(G1, points, scalars, scalars_mont, check_points)


def msm_g2(points: Any, scalars: Any, *, scalars_mont: bool = False, check_points: bool = True) -> G2Point:
    """sum scalars[i] * points[i] over G2 (see msm_g1)."""
    return _msm(G2, points, scalars, scalars_mont, check_points)
