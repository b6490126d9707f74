"""Reference Fq2 and Fq12 arithmetic on plain ints: the twin of native.tower.

Fq2 = Fq[u]/(u^2 + 1); an element is the pair (c0, c1) meaning c0 + c1*u.
Fq12 is exchanged in py_ecc's basis: 12 ints (c0..c11) meaning sum c_i * w^i with
w^12 = 18 w^6 - 82, so that u = w^6 - 9 and w^6 = 9 + u (the twist's xi).  The native core keeps
its own tower (Fq6 = Fq2[v]/(v^3 - xi), Fq12 = Fq6[w]/(w^2 - v)) and converts at the boundary.
"""

from __future__ import annotations

from py_ecc.fields import bn128_FQ12 as PyFQ12

from native.base import Fq2, Fq12, P, check_fq2, check_fq12

FQ2_ZERO: Fq2 = (0, 0)
FQ2_ONE: Fq2 = (1, 0)


def f2_add(a: Fq2, b: Fq2) -> Fq2:
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def f2_sub(a: Fq2, b: Fq2) -> Fq2:
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def f2_neg(a: Fq2) -> Fq2:
    return (-a[0] % P, -a[1] % P)


def f2_mul(a: Fq2, b: Fq2) -> Fq2:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def f2_sqr(a: Fq2) -> Fq2:
    return f2_mul(a, a)


def f2_inv(a: Fq2) -> Fq2:
    norm = (a[0] * a[0] + a[1] * a[1]) % P
    if norm == 0:
        raise ZeroDivisionError("Fq2: inverse of zero")
    t = pow(norm, -1, P)
    return (a[0] * t % P, -a[1] * t % P)


def f2_pow(a: Fq2, e: int) -> Fq2:
    acc, base = FQ2_ONE, a
    while e:
        if e & 1:
            acc = f2_mul(acc, base)
        base = f2_sqr(base)
        e >>= 1
    return acc


def f2_is_square(a: Fq2) -> bool:
    """a is a square in Fq2 iff its norm is a square in Fq."""
    norm = (a[0] * a[0] + a[1] * a[1]) % P
    return norm == 0 or pow(norm, (P - 1) // 2, P) == 1


def f2_sqrt(a: Fq2) -> Fq2 | None:
    """A square root of a, or None.  Which of the two roots comes back may differ between the twin
    and the native code; compression fixes the choice by the sign rule, not here."""
    if a == FQ2_ZERO:
        return FQ2_ZERO
    if not f2_is_square(a):
        return None
    # p = 3 mod 4: Algorithm 9 of Adj and Rodriguez-Henriquez, "Square root computation over even
    # extension fields" (2012).
    a1 = f2_pow(a, (P - 3) // 4)
    alpha = f2_mul(a1, f2_mul(a1, a))
    x0 = f2_mul(a1, a)
    if alpha == (P - 1, 0):
        root = f2_mul((0, 1), x0)
    else:
        b = f2_pow(f2_add(FQ2_ONE, alpha), (P - 1) // 2)
        root = f2_mul(b, x0)
    return root if f2_sqr(root) == a else None


# ---- the public, checked interface (same names and behaviour in native.tower) ----------------------


def fq2_add(a: Fq2, b: Fq2) -> Fq2:
    return f2_add(check_fq2(a, "a"), check_fq2(b, "b"))


def fq2_sub(a: Fq2, b: Fq2) -> Fq2:
    return f2_sub(check_fq2(a, "a"), check_fq2(b, "b"))


def fq2_mul(a: Fq2, b: Fq2) -> Fq2:
    return f2_mul(check_fq2(a, "a"), check_fq2(b, "b"))


def fq2_sqr(a: Fq2) -> Fq2:
    return f2_sqr(check_fq2(a, "a"))


def fq2_inv(a: Fq2) -> Fq2:
    return f2_inv(check_fq2(a, "a"))


def fq2_sqrt(a: Fq2) -> Fq2 | None:
    return f2_sqrt(check_fq2(a, "a"))


def fq12_to_py_ecc(a: Fq12) -> PyFQ12:
    return PyFQ12(list(check_fq12(a)))


def fq12_from_py_ecc(a: object) -> Fq12:
    coeffs = getattr(a, "coeffs", None)
    if coeffs is None or len(coeffs) != 12:
        raise TypeError("expected a py_ecc FQ12")
    return tuple(int(c) % P for c in coeffs)


def fq12_mul(a: Fq12, b: Fq12) -> Fq12:
    return fq12_from_py_ecc(fq12_to_py_ecc(a) * fq12_to_py_ecc(b))


def fq12_sqr(a: Fq12) -> Fq12:
    return fq12_mul(a, a)


def fq12_inv(a: Fq12) -> Fq12:
    if all(c == 0 for c in check_fq12(a)):
        raise ZeroDivisionError("Fq12: inverse of zero")
    return fq12_from_py_ecc(fq12_to_py_ecc(a).inv())


FQ12_ONE: Fq12 = (1,) + (0,) * 11
