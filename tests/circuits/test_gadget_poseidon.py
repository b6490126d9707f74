"""Poseidon gadget for every input count against the twin (itself checked against circomlibjs)."""

from __future__ import annotations

import random

import pytest

from circuits.dsl import Circuit
from circuits.gadgets.poseidon import poseidon, poseidon_template
from circuits.primitives.field import R
from circuits.primitives.poseidon import poseidon as ref
from tests.circuits.helpers import solve_ok


def program(n: int):
    cs = Circuit(f"p{n}")
    ins = cs.private_inputs("in", n)
    cs.public_output("out", poseidon(cs, ins, "hash"))
    return cs.compile()


@pytest.mark.parametrize("n", range(1, 17))
def test_every_width(n: int) -> None:
    p = program(n)
    rng = random.Random(n)
    cases = [[rng.randrange(R) for _ in range(n)], [0] * n, [R - 1] * n]
    for i, xs in enumerate(cases):
        s = solve_ok(p, {"in": xs}, mutation=(i == 0 and n <= 6))
        assert s.signal("out") == ref(xs)
    # A wrong output value breaks a constraint.
    w = p.solve({"in": cases[0]}).values()
    w[1] = (w[1] + 1) % R
    assert p.check(w) is not None


def test_engines_agree() -> None:
    p = program(3)
    xs = [1, 2, 3]
    assert p.solve({"in": xs}, engine="python").values() == p.solve({"in": xs}).values()


def test_bad_width() -> None:
    with pytest.raises(ValueError):
        poseidon_template(17)
