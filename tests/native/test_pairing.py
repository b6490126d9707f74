"""Native optimal ate pairing against the py_ecc twin, bilinearity and bad input."""

from __future__ import annotations

import random

import pytest
from py_ecc import bn128

from native import curve as nc
from native import pairing as npair
from native.ref import curve as rc
from native.ref import pairing as rpair
from tests.native.test_curve import off_subgroup_g2

R = rc.R
BACKENDS = [pytest.param(npair, id="c"), pytest.param(rpair, id="py")]
G1, G2 = rc.G1.generator, rc.G2.generator


def test_pairing_equals_py_ecc() -> None:
    rng = random.Random(11)
    a, b = rng.randrange(R), rng.randrange(R)
    p, q = rc.G1.mul(G1, a), rc.G2.mul(G2, b)
    expected = bn128.pairing(rc.to_py_ecc(q), rc.to_py_ecc(p))
    assert npair.pairing(p, q) == expected
    assert rpair.pairing(p, q) == expected


def test_bilinearity_native() -> None:
    rng = random.Random(5)
    for _ in range(3):
        a, b = rng.randrange(1, R), rng.randrange(1, R)
        e = npair.pairing(nc.G1.mul(G1, a), nc.G2.mul(G2, b))
        assert e == npair.pairing(G1, G2) ** (a * b % R)
        assert e == npair.pairing(nc.G1.mul(G1, a * b % R), G2)
        assert e != npair.pairing(G1, G2)


@pytest.mark.parametrize("mod", BACKENDS)
def test_pairing_check(mod) -> None:
    rng = random.Random(9)
    a, b = rng.randrange(1, R), rng.randrange(1, R)
    pa, qb = rc.G1.mul(G1, a), rc.G2.mul(G2, b)
    # e(aG1, bG2) * e(-abG1, G2) == 1, the Groth16 shape with a spare trivial pair
    good = [(pa, qb), (rc.G1.neg(rc.G1.mul(G1, a * b % R)), G2), (None, G2)]
    assert mod.pairing_check(good) is True
    bad = [(pa, qb), (rc.G1.neg(rc.G1.mul(G1, a * b % R + 1)), G2)]
    assert mod.pairing_check(bad) is False
    assert mod.pairing_check([]) is True
    assert mod.pairing_check([(None, None)]) is True


@pytest.mark.parametrize("mod", BACKENDS)
def test_infinity_pairs_to_one(mod) -> None:
    assert mod.pairing(None, G2) == bn128.FQ12.one()
    assert mod.pairing(G1, None) == bn128.FQ12.one()


@pytest.mark.parametrize("mod", BACKENDS)
def test_bad_points_rejected(mod) -> None:
    with pytest.raises(ValueError, match="pair 0: G1 point is not on the curve"):
        mod.pairing((1, 3), G2)
    with pytest.raises(ValueError, match="pair 1: G2 point is not in the order-r subgroup"):
        mod.pairing_check([(G1, G2), (G1, off_subgroup_g2(1))])
    with pytest.raises(ValueError, match="canonical"):
        mod.pairing((rc.P, 2), G2)
    with pytest.raises(TypeError):
        mod.pairing_check([(G1,)])
