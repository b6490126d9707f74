"""BabyJubJub point gadgets against the twin (circuits.primitives.babyjub)."""

from __future__ import annotations

import random

import pytest

from circuits.dsl import Circuit
from circuits.gadgets import babyjub as g
from circuits.gadgets.bits import num2bits, num2bits_strict
from circuits.primitives import babyjub as bj
from tests.circuits.helpers import build, solve_fails, solve_ok
from tests.circuits.test_babyjub import torsion_points


def rand_point(rng: random.Random) -> bj.Point:
    return bj.mul(bj.BASE8, rng.randrange(1, bj.SUBORDER))


def ops_program():
    def body(cs: Circuit) -> None:
        p = tuple(cs.private_inputs("p", 2))
        q = tuple(cs.private_inputs("q", 2))
        g.on_curve(cs, p, "p_on_curve")
        g.on_curve(cs, q, "q_on_curve")
        outs = {
            "add": g.add(cs, p, q),
            "dbl": g.double(cs, p),
            "add_const": g.add(cs, p, bj.BASE8, "add_const"),
            "mont": g.from_montgomery(
                cs, g.mont_add(cs, g.to_montgomery(cs, p, "mp"), g.to_montgomery(cs, q, "mq"))
            ),
            "mdbl": g.from_montgomery(cs, g.mont_double(cs, g.to_montgomery(cs, p, "mp2")), "m2e2"),
        }
        for k, (x, y) in outs.items():
            cs.public_output(f"{k}x", x)
            cs.public_output(f"{k}y", y)

    return build(body)


def test_point_ops_match_twin() -> None:
    p = ops_program()
    rng = random.Random(1)
    for k in range(4):
        a, b = rand_point(rng), rand_point(rng)
        s = solve_ok(p, {"p": list(a), "q": list(b)}, mutation=(k == 0))
        got = {k: (s.signal(f"{k}x"), s.signal(f"{k}y")) for k in ("add", "dbl", "add_const", "mont", "mdbl")}
        assert got["add"] == bj.add(a, b) == got["mont"]
        assert got["dbl"] == bj.add(a, a) == got["mdbl"]
        assert got["add_const"] == bj.add(a, bj.BASE8)
    a = rand_point(rng)
    solve_fails(p, {"p": [a[0], a[1] + 1], "q": list(a)}, "p_on_curve")


def test_not_small_order() -> None:
    def body(cs: Circuit) -> None:
        pt = tuple(cs.private_inputs("p", 2))
        _, y2, x2y2 = g.on_curve(cs, pt)
        g.assert_not_small_order(cs, y2, x2y2, "nso")

    p = build(body)
    solve_ok(p, {"p": list(bj.BASE8)})
    solve_ok(p, {"p": list(bj.GENERATOR)})  # order 8l: not small
    solve_ok(p, {"p": list(bj.add(bj.BASE8, torsion_points()[1]))})
    for t in torsion_points():
        solve_fails(p, {"p": list(t)}, "nso")


@pytest.mark.parametrize("n_bits", [254, 10])
def test_scalar_mul_any(n_bits: int) -> None:
    def body(cs: Circuit) -> None:
        k = cs.private_input("k")
        pt = tuple(cs.private_inputs("p", 2))
        bits = num2bits_strict(cs, k, "kb") if n_bits == 254 else num2bits(cs, k, n_bits, "kb")
        x, y = g.scalar_mul_any(cs, bits, pt)
        cs.public_output("x", x)
        cs.public_output("y", y)

    p = build(body)
    rng = random.Random(n_bits)
    top = min(2**n_bits, bj.P)
    for i, k in enumerate(
        [1, 2, 3, top - 1, rng.randrange(top), 2**147, 2**148 - 1, 2**148][: 8 if n_bits > 148 else 5]
    ):
        k %= top
        pt = rand_point(rng)
        s = solve_ok(p, {"k": k, "p": list(pt)}, mutation=(i == 0))
        assert (s.signal("x"), s.signal("y")) == bj.mul(pt, k)


@pytest.mark.parametrize("n_bits", [251, 249, 7])
def test_scalar_mul_fixed(n_bits: int) -> None:
    def body(cs: Circuit) -> None:
        bits = num2bits(cs, cs.private_input("k"), n_bits, "kb")
        x, y = g.scalar_mul_fixed(cs, bits, bj.BASE8)
        cs.public_output("x", x)
        cs.public_output("y", y)

    p = build(body)
    rng = random.Random(n_bits)
    top = min(2**n_bits, bj.SUBORDER)
    for i, k in enumerate([0, 1, top - 1, rng.randrange(top), rng.randrange(top)]):
        s = solve_ok(p, {"k": k}, mutation=(i == 0))
        assert (s.signal("x"), s.signal("y")) == bj.mul(bj.BASE8, k)


def test_scalar_mul_fixed_rejects_bad_bases() -> None:
    cs = Circuit()
    with pytest.raises(ValueError):
        g.scalar_mul_fixed(cs, [], bj.BASE8)
    with pytest.raises(ValueError):
        g.scalar_mul_fixed(cs, [cs.private_input("b")], bj.GENERATOR)
