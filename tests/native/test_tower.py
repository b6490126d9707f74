"""Native Fq2/Fq12 against the pure-Python twin (py_ecc's FQ12 for the big field)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native import tower as nt
from native.ref import tower as rt

P = rt.P
BACKENDS = [pytest.param(nt, id="c"), pytest.param(rt, id="py")]
EDGE = [0, 1, 2, P - 1, P - 2, (P - 1) // 2, 2**64 - 1, 2**255 % P]

fq = st.integers(0, P - 1) | st.sampled_from(EDGE)
fq2 = st.tuples(fq, fq)
fq12 = st.tuples(*[fq] * 12)


@settings(max_examples=60, deadline=None)
@given(a=fq2, b=fq2)
def test_fq2_ops_match(a, b) -> None:
    assert nt.fq2_add(a, b) == rt.fq2_add(a, b)
    assert nt.fq2_sub(a, b) == rt.fq2_sub(a, b)
    assert nt.fq2_mul(a, b) == rt.fq2_mul(a, b)
    assert nt.fq2_sqr(a) == rt.fq2_sqr(a)
    if a != (0, 0):
        assert nt.fq2_inv(a) == rt.fq2_inv(a)
    root_c, root_py = nt.fq2_sqrt(a), rt.fq2_sqrt(a)
    assert (root_c is None) == (root_py is None)
    if root_c is not None:
        assert rt.fq2_sqr(root_c) == a
    sq = rt.fq2_sqr(b)
    assert nt.fq2_sqrt(sq) in (b, rt.f2_neg(b))


@settings(max_examples=25, deadline=None)
@given(a=fq12, b=fq12)
def test_fq12_ops_match(a, b) -> None:
    assert nt.fq12_mul(a, b) == rt.fq12_mul(a, b)
    assert nt.fq12_sqr(a) == rt.fq12_sqr(a)
    if any(a):
        assert nt.fq12_inv(a) == rt.fq12_inv(a)


@settings(max_examples=3, deadline=None)
@given(a=fq12)
def test_frobenius_and_cyclotomic_squaring(a) -> None:
    """Native-only helpers of the final exponentiation, checked against plain powers."""
    if not any(a):
        return
    big = rt.fq12_to_py_ecc(a)
    for e in (1, 2, 3):
        assert nt.fq12_frobenius(a, e) == rt.fq12_from_py_ecc(big ** (P**e))
    # a^((p^6-1)(p^2+1)) lies in the cyclotomic subgroup, where Granger-Scott squaring is valid
    cyc = rt.fq12_from_py_ecc((big ** (P**6 - 1)) ** (P**2 + 1))
    assert nt.fq12_cyclotomic_sqr(cyc) == rt.fq12_sqr(cyc)


@pytest.mark.parametrize("mod", BACKENDS)
def test_bad_input(mod) -> None:
    with pytest.raises(ValueError, match="canonical"):
        mod.fq2_mul((P, 0), (1, 0))
    with pytest.raises(ValueError, match="canonical"):
        mod.fq2_sqrt((0, -1))
    with pytest.raises(TypeError):
        mod.fq2_mul((1, 2, 3), (1, 0))
    with pytest.raises(TypeError):
        mod.fq12_mul((1,) * 11, (1,) * 12)
    with pytest.raises(ValueError, match="canonical"):
        mod.fq12_sqr((P,) + (0,) * 11)
    with pytest.raises(ZeroDivisionError):
        mod.fq2_inv((0, 0))
    with pytest.raises(ZeroDivisionError):
        mod.fq12_inv((0,) * 12)


@pytest.mark.parametrize("mod", BACKENDS)
def test_identities(mod) -> None:
    one12 = (1,) + (0,) * 11
    a = tuple(range(3, 15))
    assert mod.fq12_mul(a, one12) == a
    assert mod.fq12_mul(a, mod.fq12_inv(a)) == one12
    assert mod.fq2_mul((3, 4), mod.fq2_inv((3, 4))) == (1, 0)
    assert mod.fq2_sqrt((0, 0)) == (0, 0)


# ---- lazy-reduction Fq2 product and square, at the level of Montgomery residues ---------------------
# fq2_mul keeps its three Karatsuba products unreduced and fq2_sqr its sums: what matters for their
# bounds is the raw residue (limbs), so these tests feed limbs directly (a value x stands for x/R).
R_INV = pow(2**256, -1, P)
RAW_EDGE = [
    0,
    1,
    2,
    P - 1,
    P - 2,
    P - 2**64,
    (P - 1) // 2,
    (P + 1) // 2,
    2**64 - 1,
    2**192,
    2**253,
    P - 2**192,
]
raw_fq = st.integers(0, P - 1) | st.sampled_from(RAW_EDGE)


def _raw_mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return ((a[0] * b[0] - a[1] * b[1]) * R_INV % P, (a[0] * b[1] + a[1] * b[0]) * R_INV % P)


def _raw_call(fn_name: str, *args: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Run a vector kernel (out, a[, b], n) on raw Fq2 limbs; returns raw results."""
    from native._lib import buffer_to_ints, ffi, ints_to_buffer, lib

    n = len(args[0])
    bufs = [ffi.from_buffer("uint64_t[]", ints_to_buffer([c for x in arg for c in x])) for arg in args]
    out = ffi.new("uint64_t[]", 8 * n)
    getattr(lib, fn_name)(out, *bufs, n)
    vals = buffer_to_ints(out)
    return [(vals[2 * i], vals[2 * i + 1]) for i in range(n)]


def _raw_norm(fn_name: str, a: list[tuple[int, int]]) -> list[int]:
    from native._lib import buffer_to_ints, ffi, ints_to_buffer, lib

    out = ffi.new("uint64_t[]", 4 * len(a))
    getattr(lib, fn_name)(
        out, ffi.from_buffer("uint64_t[]", ints_to_buffer([c for x in a for c in x])), len(a)
    )
    return buffer_to_ints(out)


def _raw_unary(fn_name: str, a: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A one-element Fq2 export (zk_fq2_sqr, zk_fq2_inv) applied to each raw-limb value in turn."""
    from native._lib import buffer_to_ints, ffi, ints_to_buffer, lib

    out = []
    for x in a:
        o = ffi.new("uint64_t[8]")
        getattr(lib, fn_name)(o, ffi.from_buffer("uint64_t[]", ints_to_buffer(list(x))))
        v = buffer_to_ints(o)
        out.append((v[0], v[1]))
    return out


def _raw_inv(a: tuple[int, int]) -> tuple[int, int]:
    """(a/R)^-1 as a residue: R^2 conj(a) / (a0^2 + a1^2)."""
    k = 2**512 * pow(a[0] * a[0] + a[1] * a[1], -1, P)
    return (a[0] * k % P, -a[1] * k % P)


def _check_raw(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    expect_mul = [_raw_mul(x, y) for x, y in zip(a, b, strict=True)]
    expect_sqr = [_raw_mul(x, x) for x in a]
    assert _raw_call("zk_fq2_mul_many", a, b) == expect_mul  # the build's backend (assembly)
    assert _raw_call("zk_fq2_mul_portable", a, b) == expect_mul
    assert _raw_unary("zk_fq2_sqr", a) == expect_sqr
    assert _raw_call("zk_fq2_sqr_portable", a) == expect_sqr
    expect_norm = [(x[0] * x[0] + x[1] * x[1]) * R_INV % P for x in a]
    assert _raw_norm("zk_fq2_norm", a) == expect_norm
    assert _raw_norm("zk_fq2_norm_portable", a) == expect_norm
    nonzero = sorted({x for x in a if x != (0, 0)})
    assert _raw_unary("zk_fq2_inv", nonzero) == [_raw_inv(x) for x in nonzero]


def test_fq2_lazy_edge_values() -> None:
    """Every pair of edge residues as (c0, c1), multiplied by every other: the extreme Karatsuba
    terms (all limbs q-1: largest (a0+a1)(b0+b1); a0 b0 = 0 against a1 b1 near q^2: most negative
    c0) included."""
    elems = [(x, y) for x in RAW_EDGE for y in RAW_EDGE]
    a = [x for x in elems for _ in elems]
    b = [y for _ in elems for y in elems]
    _check_raw(a, b)
    top = (P - 1, P - 1)
    _check_raw([top, top, (0, P - 1), (P - 1, 0)], [top, (0, P - 1), top, (P - 1, 0)])


@settings(max_examples=200, deadline=None)
@given(a=st.tuples(raw_fq, raw_fq), b=st.tuples(raw_fq, raw_fq))
def test_fq2_lazy_random(a, b) -> None:
    _check_raw([a, b], [b, a])


@pytest.mark.parametrize("mod", BACKENDS)
def test_fq2_edge_elements(mod) -> None:
    """Canonical edge elements through the public interface (std form, converted by the wrapper)."""
    vals = [0, 1, P - 1, P - 2, (P - 1) // 2]
    for a in [(x, y) for x in vals for y in vals]:
        assert mod.fq2_sqr(a) == rt.fq2_mul(a, a)
        for b in [(P - 1, P - 1), (1, 0), (0, 1), (P - 1, 0)]:
            assert mod.fq2_mul(a, b) == rt.fq2_mul(a, b)
    top = (P - 1, P - 1)  # (-1 - u)^2 = 2u, (-1 - u)(-1 - u) likewise
    assert mod.fq2_sqr(top) == (0, 2)
    assert mod.fq2_mul(top, top) == (0, 2)
