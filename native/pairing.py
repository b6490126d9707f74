"""Optimal ate pairing and the multi-pairing check in the native core; same interface as
native.ref.pairing (values equal py_ecc's)."""

from __future__ import annotations

from collections.abc import Sequence

from py_ecc.fields import bn128_FQ12 as PyFQ12

from native._lib import ffi, lib
from native.curve import G1, G2
from native.ref.pairing import Pair, check_pairs
from native.tower import fq12_from_native, fq_ints

__all__ = ["pairing", "pairing_check"]


def _buffers(pairs: list[tuple[object, object]]) -> tuple[object, object]:
    ps = ffi.from_buffer("uint64_t[]", bytearray(G1.to_lem_many(p for p, _ in pairs) or bytes(64)))
    qs = ffi.from_buffer("uint64_t[]", bytearray(G2.to_lem_many(q for _, q in pairs) or bytes(128)))
    return ps, qs


def _validated(pairs: Sequence[Pair]) -> list[tuple[object, object]]:
    checked = check_pairs(pairs)
    for i, (p, q) in enumerate(checked):
        G1.check(p, f"pair {i}: G1 point")
        G2.check(q, f"pair {i}: G2 point")
    return checked


def pairing(p: object, q: object) -> PyFQ12:
    """e(P, Q) as py_ecc's FQ12 (equal to py_ecc.bn128.pairing(Q, P))."""
    pairs = _validated([(p, q)])
    ps, qs = _buffers(pairs)
    out = ffi.new("uint64_t[48]")
    if not lib.zk_pairing_product(out, ps, qs, 1):
        raise MemoryError("pairing: out of memory")
    return PyFQ12(list(fq12_from_native(fq_ints(out, 12))))


def pairing_check(pairs: Sequence[Pair]) -> bool:
    """True when prod e(P_i, Q_i) == 1 (one final exponentiation for all pairs)."""
    checked = _validated(pairs)
    if not checked:
        return True
    ps, qs = _buffers(checked)
    res = lib.zk_pairing_check(ps, qs, len(checked))
    if res < 0:
        raise MemoryError("pairing_check: out of memory")
    return bool(res)
