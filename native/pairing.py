"""Optimal ate pairing and the multi-pairing check in the native core; same interface as
native.ref.pairing (values equal py_ecc's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from py_ecc.fields import bn128_FQ12 as PyFQ12

from native._lib import ffi, lib
from native.base import G1Point, G2Point, Pair, pair_list
from native.curve import G1, G2, REASONS
from native.tower import fq12_from_native, fq_ints

__all__ = ["pairing", "pairing_check"]


def _validated(pairs: Sequence[Pair]) -> tuple[int, Any, Any]:
    """Shape checks in Python, curve and subgroup checks in C on the packed buffers (the py_ecc
    twin's subgroup test would cost ~0.1 s a G2 point).  Returns (n, ps, qs)."""
    shaped = [
        (G1._shape(p, f"pair {i}: G1 point"), G2._shape(q, f"pair {i}: G2 point"))
        for i, (p, q) in enumerate(pair_list(pairs))
    ]
    n = len(shaped)
    ps = ffi.from_buffer("uint64_t[]", bytearray(G1.to_lem_many(p for p, _ in shaped) or bytes(64)))
    qs = ffi.from_buffer("uint64_t[]", bytearray(G2.to_lem_many(q for _, q in shaped) or bytes(128)))
    if n:
        bad1, why1 = G1._validate(ps, n, 1)
        bad2, why2 = G2._validate(qs, n, 2)
        # report the first bad pair, its G1 point before its G2 point (the twin's order)
        first = min(b for b in (bad1, bad2) if b >= 0) if max(bad1, bad2) >= 0 else -1
        if first >= 0:
            if bad1 == first:
                raise ValueError(f"pair {first}: G1 point {REASONS[why1]}")
            raise ValueError(f"pair {first}: G2 point {REASONS[why2]}")
    return n, ps, qs


def pairing(p: G1Point, q: G2Point) -> PyFQ12:
    """e(P, Q) as py_ecc's FQ12 (equal to py_ecc.bn128.pairing(Q, P))."""
    _, ps, qs = _validated([(p, q)])
    out = ffi.new("uint64_t[48]")
    if not lib.zk_pairing_product(out, ps, qs, 1):
        raise MemoryError("pairing: out of memory")
    return PyFQ12(list(fq12_from_native(fq_ints(out, 12))))


def pairing_check(pairs: Sequence[Pair]) -> bool:
    """True when prod e(P_i, Q_i) == 1 (one final exponentiation for all pairs)."""
    n, ps, qs = _validated(pairs)
    if not n:
        return True
    res = lib.zk_pairing_check(ps, qs, n)
    if res < 0:
        raise MemoryError("pairing_check: out of memory")
    return bool(res)
