"""Batch fixed-base multiplication: the C core against its py_ecc twin (edge scalars, every
window width, Montgomery scalars, empty input, bad input)."""

from __future__ import annotations

import random

import pytest

from native import curve as nc
from native import fixed_base as nf
from native.fields import FR
from native.msm import msm_g1
from native.ref import fixed_base as rf
from native.ref.curve import B2
from native.ref.tower import fq2_add, fq2_mul, fq2_sqrt

R = nc.G1.order
EDGE = [0, 1, 2, R - 1, R - 2, (R - 1) // 2, (R + 1) // 2, 2**15, 2**16 - 1, 2**16, 2**64, 2**253, R - 2**64]
BACKENDS = [pytest.param(nf, id="c"), pytest.param(rf, id="py")]
GROUPS = [pytest.param(nc.G1, "fixed_base_g1", id="G1"), pytest.param(nc.G2, "fixed_base_g2", id="G2")]


def enc(ks: list[int]) -> bytes:
    return b"".join(k.to_bytes(32, "little") for k in ks)


@pytest.mark.parametrize(("g", "fn"), GROUPS)
@pytest.mark.parametrize("window", [0, 1, 2, 5, 8, 13, 16])
def test_native_matches_twin(g, fn, window) -> None:
    rng = random.Random(window)
    ks = EDGE + [rng.randrange(R) for _ in range(6)]
    base = g.mul(g.generator, rng.randrange(1, R))
    ours = getattr(nf, fn)(base, enc(ks), window=window)
    assert ours == getattr(rf, fn)(base, enc(ks), window=window)
    assert g.from_lem_many(bytes(ours)) == [g.mul(base, k) for k in ks]


@pytest.mark.parametrize("mod", BACKENDS)
@pytest.mark.parametrize(("g", "fn"), GROUPS)
def test_edge_cases(mod, g, fn) -> None:
    mul = getattr(mod, fn)
    gen = g.generator
    assert mul(gen, b"") == bytearray()
    out = g.from_lem_many(bytes(mul(gen, enc([0, 1, R - 1]))))
    assert out == [None, gen, g.neg(gen)]
    # infinity as the base: every product is infinity
    assert g.from_lem_many(bytes(mul(None, enc([5, 0, R - 1])))) == [None, None, None]
    # scalars in Montgomery form
    ks = [7, R - 3, 1, 0]
    mont = FR.vec_to_mont(enc(ks))
    assert mul(gen, mont, scalars_mont=True) == mul(gen, enc(ks))


@pytest.mark.parametrize("mod", BACKENDS)
@pytest.mark.parametrize(("g", "fn"), GROUPS)
def test_bad_input(mod, g, fn) -> None:
    mul = getattr(mod, fn)
    gen = g.generator
    with pytest.raises(ValueError, match="scalar 1 is not canonical"):
        mul(gen, enc([1, R, 2]))
    with pytest.raises(ValueError, match="scalar 0 is not canonical"):
        mul(gen, enc([2**256 - 1]))
    with pytest.raises(ValueError, match="not a multiple of 32"):
        mul(gen, b"\x01" * 33)
    with pytest.raises(ValueError, match="window"):
        mul(gen, enc([1]), window=17)
    with pytest.raises(TypeError):
        mul(gen, 12345)
    off_curve = (1, 3) if g.degree == 1 else ((1, 0), (1, 0))
    with pytest.raises(ValueError, match="not on the curve"):
        mul(off_curve, enc([1]))


def test_g2_base_outside_subgroup_rejected() -> None:
    """A point on the twist outside the order-r subgroup (the first x = (k, 0) that has one)."""
    for x0 in range(1, 50):
        x = (x0, 0)
        y = fq2_sqrt(fq2_add(fq2_mul(fq2_mul(x, x), x), B2))
        if y is not None and not nc.G2.in_subgroup((x, y)):
            for mod in (nf, rf):
                with pytest.raises(ValueError, match="subgroup"):
                    mod.fixed_base_g2((x, y), enc([1]))
            return
    pytest.fail("no point outside the subgroup found")


def test_large_batch_against_msm_sum() -> None:
    """Many scalars over several worker blocks: the sum of the outputs equals one MSM."""
    rng = random.Random(7)
    n = 5000
    ks = [rng.randrange(R) for _ in range(n)]
    pts = nf.fixed_base_g1(nc.G1.generator, enc(ks))
    assert nc.G1.from_lem_many(bytes(pts[: 64 * 3])) == [nc.G1.mul(nc.G1.generator, k) for k in ks[:3]]
    ones = enc([1] * n)
    assert msm_g1(pts, ones) == nc.G1.mul(nc.G1.generator, sum(ks) % R)
