"""NTT over Fr in the native core (in place, threaded); same interface as native.ref.ntt.

Domains, forms and the snarkjs coset convention are described in native.ref.ntt and docs/native.md;
the domain roots and input checks both share are in native.base.
"""

from __future__ import annotations

from typing import Any

from native._lib import ffi, lib
from native.base import check_ntt_buffer as check_buffer
from native.base import check_ntt_constant as check_constant
from native.base import odd_coset_shift, root_of_unity
from native.constants import R

__all__ = ["coset_ntt", "ntt", "odd_coset_shift", "root_of_unity", "scale_powers"]

MONT_R = 2**256 % R


def _mont(c: int) -> Any:
    v = c * MONT_R % R
    return ffi.new("uint64_t[4]", [(v >> (64 * i)) & (2**64 - 1) for i in range(4)])


def _ptr(mv: memoryview) -> Any:
    return ffi.from_buffer("uint64_t[]", mv, require_writable=True)


def _done(bad: int, n: int, what: str) -> None:
    if bad == n:
        raise MemoryError(f"{what} of {n} elements: out of memory")
    if bad >= 0:
        raise ValueError(f"{what} element {bad} is not canonical (must be < r)")


def ntt(buf: Any, *, inverse: bool = False) -> None:
    """In-place NTT (inverse includes the 1/n factor) on ffjavascript's domain of size len/32."""
    mv, log_n = check_buffer(buf)
    _done(lib.zk_fr_ntt(_ptr(mv), log_n, 1 if inverse else 0), 1 << log_n, "NTT")


def coset_ntt(buf: Any, shift: int, *, inverse: bool = False) -> None:
    """Evaluate on (or, inverse, interpolate from) the coset shift * <w>, in place."""
    shift = check_constant(shift, "shift")
    if shift == 0:
        raise ValueError("coset shift must be non-zero")
    mv, log_n = check_buffer(buf)
    _done(lib.zk_fr_coset_ntt(_ptr(mv), log_n, _mont(shift), 1 if inverse else 0), 1 << log_n, "NTT")


def scale_powers(buf: Any, first: int, step: int) -> None:
    """buf[i] *= first * step^i in place (any length)."""
    first, step = check_constant(first, "first"), check_constant(step, "step")
    try:
        mv = memoryview(buf)
    except TypeError as exc:
        raise TypeError("buffer must be a writable bytes-like object") from exc
    if mv.readonly or not mv.contiguous or mv.nbytes % 32:
        raise ValueError("scale_powers needs a writable contiguous buffer of 32-byte elements")
    n = mv.nbytes // 32
    if n == 0:
        return
    _done(lib.zk_fr_scale_powers(_ptr(mv.cast("B")), n, _mont(first), _mont(step)), -2, "scale_powers")
