"""Multi-scalar multiplication over G1 and G2 in the native core; same interface as native.ref.msm.

The buffers are used in place (zero-copy): a zkey section and a .wtns body can be passed as they
are (bytes, memoryview, mmap, numpy).  See docs/native.md for the layouts and the cost notes.
"""

from __future__ import annotations

from typing import Any

from native._lib import ffi, lib
from native.base import G1Point, G2Point
from native.base import check_msm_sizes as check_sizes
from native.curve import G1, G2, NativeCurve

__all__ = ["msm_g1", "msm_g2"]

SCALARS_MONT = 1
CHECK_POINTS = 2
_ERRORS = {
    1: "{g} point {i}: coordinate is not canonical",
    2: "{g} point {i} is not on the curve",
    3: "scalar {i} is not canonical (must be < r)",
}


def _view(buf: Any, what: str) -> Any:
    try:
        mv = memoryview(buf)
    except TypeError as exc:
        raise TypeError(f"{what} must be a contiguous bytes-like buffer") from exc
    if not mv.contiguous:
        raise ValueError(f"{what} must be contiguous")
    return ffi.from_buffer("uint64_t[]", mv.cast("B") if mv.ndim != 1 or mv.itemsize != 1 else mv)


def _msm(
    curve: NativeCurve, fn: Any, points: Any, scalars: Any, scalars_mont: bool, check_points: bool
) -> Any:
    n = check_sizes(curve, points, scalars)
    if n == 0:
        return None
    if n >= 2**32:
        raise ValueError(f"{curve.name} MSM takes at most 2^32 - 1 points, got {n}")
    out = ffi.new("uint64_t[]", 8 * curve.degree)
    reason = ffi.new("int *")
    flags = (SCALARS_MONT if scalars_mont else 0) | (CHECK_POINTS if check_points else 0)
    bad = fn(out, _view(points, "points"), _view(scalars, "scalars"), n, flags, reason)
    if bad >= 0:
        if reason[0] == 9:
            raise MemoryError(f"{curve.name} MSM of {n} points: out of memory")
        raise ValueError(_ERRORS[reason[0]].format(g=curve.name, i=bad))
    return curve._from_c(out)


def msm_g1(points: Any, scalars: Any, *, scalars_mont: bool = False, check_points: bool = True) -> G1Point:
    """sum scalars[i] * points[i] over G1 (threaded; the GIL is released)."""
    return _msm(G1, lib.zk_msm_g1, points, scalars, scalars_mont, check_points)


def msm_g2(points: Any, scalars: Any, *, scalars_mont: bool = False, check_points: bool = True) -> G2Point:
    """sum scalars[i] * points[i] over G2 (threaded; the GIL is released)."""
    return _msm(G2, lib.zk_msm_g2, points, scalars, scalars_mont, check_points)
