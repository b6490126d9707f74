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
