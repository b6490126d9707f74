"""The EdDSA-Poseidon verifier gadget: agrees with the twin verify on valid and invalid signatures."""

from __future__ import annotations

import random
from functools import cache

import pytest

from circuits.dsl import Circuit
from circuits.gadgets import eddsa as ge
from circuits.primitives import babyjub as bj
from circuits.primitives import eddsa
from circuits.primitives.field import R
from tests.circuits.helpers import solve_fails, solve_ok
from tests.circuits.test_babyjub import torsion_points

NAMES = ["Ax", "Ay", "S", "R8x", "R8y", "M"]


@cache
def program(with_enabled: bool):
    cs = Circuit("eddsa")
    en = cs.private_input("enabled") if with_enabled else 1
    ax, ay, s, r8x, r8y, m = (cs.private_input(n) for n in NAMES)
    ge.verify(cs, (ax, ay), m, (r8x, r8y), s, enabled=en, name="sig")
    return cs.compile()


def inputs(pub: bj.Point, msg: int, sig: eddsa.Signature, enabled: int | None = None) -> dict[str, int]:
    d = {"Ax": pub[0], "Ay": pub[1], "S": sig.S, "R8x": sig.R8[0], "R8y": sig.R8[1], "M": msg}
    if enabled is not None:
        d["enabled"] = enabled
    return d


def signed(seed: int) -> tuple[bj.Point, int, eddsa.Signature]:
    rng = random.Random(seed)
    prv, msg = rng.randbytes(32), rng.randrange(R)
    return eddsa.prv2pub(prv), msg, eddsa.sign(prv, msg)


@pytest.mark.parametrize("with_enabled", [False, True])
def test_valid_signatures(with_enabled: bool) -> None:
    p = program(with_enabled)
    for k in range(2):
        pub, msg, sig = signed(k)
        assert eddsa.verify(pub, msg, sig)
        solve_ok(p, inputs(pub, msg, sig, 1 if with_enabled else None), mutation=(k == 0))


def test_invalid_signatures() -> None:
    p = program(False)
    pub, msg, sig = signed(7)
    base = inputs(pub, msg, sig)
    cases = [
        ({"M": msg + 1}, "sig/"),  # a changed message
        ({"S": sig.S + bj.SUBORDER}, "sig/s_range"),  # S + l: same point, rejected by S < l
        ({"S": (sig.S + 1) % bj.SUBORDER}, "sig/"),
        ({"Ax": pub[0] + 1}, "sig/a_on_curve"),
        ({"R8y": sig.R8[1] + 1}, "sig/r8_on_curve"),
        ({"R8x": bj.neg(sig.R8)[0]}, "sig/"),
    ]
    for change, where in cases:
        bad = {**base, **change}
        assert not eddsa.verify(
            (bad["Ax"], bad["Ay"]), bad["M"], eddsa.Signature((bad["R8x"], bad["R8y"]), bad["S"])
        )
        solve_fails(p, bad, where)


def test_small_order_key_forgery_rejected() -> None:
    # With A of small order, 8*h*A vanishes and R8 = S*B8 "verifies" any message under circomlib.
    p = program(False)
    s = 4242
    for t in torsion_points()[1:4]:
        forged = {
            "Ax": t[0],
            "Ay": t[1],
            "S": s,
            "R8x": bj.mul(bj.BASE8, s)[0],
            "R8y": bj.mul(bj.BASE8, s)[1],
            "M": 5,
        }
        solve_fails(p, forged, "sig/a_not_small_order")


def test_small_order_r8_rejected() -> None:
    p = program(False)
    pub, msg, sig = signed(8)
    for t in torsion_points()[:3]:
        solve_fails(p, {**inputs(pub, msg, sig), "R8x": t[0], "R8y": t[1]}, "sig/r8_not_small_order")


def test_enabled_zero_skips_the_equation_only() -> None:
    p = program(True)
    pub, msg, sig = signed(9)
    p.solve(inputs(pub, msg + 1, sig, enabled=0))  # wrong message, disabled: accepted
    solve_fails(p, inputs(pub, msg + 1, sig, enabled=1), "sig/eq")
    solve_fails(p, {**inputs(pub, msg, sig, enabled=0), "S": sig.S + bj.SUBORDER}, "sig/s_range")
