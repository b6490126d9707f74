"""Fq2 and Fq12 arithmetic in the native core; same interface as native.ref.tower.

Fq12 values cross in py_ecc's basis (12 ints) and are converted to the native tower
(Fq6 = Fq2[v]/(v^3 - xi), Fq12 = Fq6[w]/(w^2 - v)) here: with u = w^6 - 9, the native coefficient
x + y*u of w^k (k = w-index + 2 * v-index) is py_ecc's (x - 9y) at w^k plus y at w^(k+6).
"""

from __future__ import annotations

from typing import Any

from native._lib import ffi, lib
from native.base import Fq2, Fq12, P, check_fq2, check_fq12

MONT_R = 2**256 % P
MONT_R_INV = pow(MONT_R, -1, P)
# native Fq12 storage order: c0.c0, c0.c1, c0.c2, c1.c0, c1.c1, c1.c2 -> power of w
_W_POWER = [0, 2, 4, 1, 3, 5]


def fq_limbs(values: list[int]) -> Any:
    """Std ints -> a Montgomery-form uint64_t[] (values must already be canonical)."""
    raw = b"".join((v * MONT_R % P).to_bytes(32, "little") for v in values)
    return ffi.from_buffer("uint64_t[]", bytearray(raw))


def fq_ints(buf: Any, n: int) -> list[int]:
    raw = bytes(ffi.buffer(buf, 32 * n))
    return [int.from_bytes(raw[32 * i : 32 * i + 32], "little") * MONT_R_INV % P for i in range(n)]


def fq12_to_native(a: Fq12) -> list[int]:
    """py_ecc-basis coefficients -> the 12 Fq values of the native layout."""
    out = []
    for k in _W_POWER:
        y = a[k + 6]
        out += [(a[k] + 9 * y) % P, y]
    return out


def fq12_from_native(vals: list[int]) -> Fq12:
    coeffs = [0] * 12
    for slot, k in enumerate(_W_POWER):
        x, y = vals[2 * slot], vals[2 * slot + 1]
        coeffs[k] = (x - 9 * y) % P
        coeffs[k + 6] = y
    return tuple(coeffs)


def _fq2_op(fn: Any, *args: Fq2) -> Fq2:
    vals = [c for i, a in enumerate(args) for c in check_fq2(a, "ab"[i] if len(args) > 1 else "a")]
    buf = fq_limbs(vals)
    out = ffi.new("uint64_t[8]")
    fn(out, *(buf + 8 * i for i in range(len(args))))
    x = fq_ints(out, 2)
    return (x[0], x[1])


def fq2_add(a: Fq2, b: Fq2) -> Fq2:
    a, b = check_fq2(a, "a"), check_fq2(b, "b")
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def fq2_sub(a: Fq2, b: Fq2) -> Fq2:
    a, b = check_fq2(a, "a"), check_fq2(b, "b")
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def fq2_mul(a: Fq2, b: Fq2) -> Fq2:
    return _fq2_op(lib.zk_fq2_mul, a, b)


def fq2_sqr(a: Fq2) -> Fq2:
    return _fq2_op(lib.zk_fq2_sqr, a)


def fq2_inv(a: Fq2) -> Fq2:
    if check_fq2(a, "a") == (0, 0):
        raise ZeroDivisionError("Fq2: inverse of zero")
    return _fq2_op(lib.zk_fq2_inv, a)


def fq2_sqrt(a: Fq2) -> Fq2 | None:
    buf = fq_limbs(list(check_fq2(a, "a")))
    out = ffi.new("uint64_t[8]")
    if not lib.zk_fq2_sqrt(out, buf):
        return None
    x = fq_ints(out, 2)
    return (x[0], x[1])


def _fq12_op(fn: Any, *args: Fq12, extra: tuple[Any, ...] = ()) -> Fq12:
    vals = [c for a in args for c in fq12_to_native(check_fq12(a))]
    buf = fq_limbs(vals)
    out = ffi.new("uint64_t[48]")
    fn(out, *(buf + 48 * i for i in range(len(args))), *extra)
    return fq12_from_native(fq_ints(out, 12))


def fq12_mul(a: Fq12, b: Fq12) -> Fq12:
    return _fq12_op(lib.zk_fq12_mul, a, b)


def fq12_sqr(a: Fq12) -> Fq12:
    return _fq12_op(lib.zk_fq12_sqr, a)


def fq12_inv(a: Fq12) -> Fq12:
    if all(c == 0 for c in check_fq12(a)):
        raise ZeroDivisionError("Fq12: inverse of zero")
    return _fq12_op(lib.zk_fq12_inv, a)


def fq12_frobenius(a: Fq12, e: int) -> Fq12:
    """a^(p^e) for e in 1..3 (native-only helper, checked against pow in the tests)."""
    if e not in (1, 2, 3):
        raise ValueError("Frobenius power must be 1, 2 or 3")
    return _fq12_op(lib.zk_fq12_frobenius, a, extra=(e,))


def fq12_cyclotomic_sqr(a: Fq12) -> Fq12:
    """Granger-Scott squaring; equals a^2 only for a in the cyclotomic subgroup."""
    return _fq12_op(lib.zk_fq12_cyclotomic_sqr, a)
