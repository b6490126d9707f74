"""Bits, range checks, strict decomposition, comparators, selection and fixed point, against their twins."""

from __future__ import annotations

import random

import pytest

from circuits.dsl import Circuit
from circuits.gadgets import bits as gb
from circuits.gadgets import comparators as gc
from circuits.gadgets import fixedpoint as gf
from circuits.primitives import arith
from circuits.primitives import babyjub as bj
from circuits.primitives.field import R
from tests.circuits.helpers import build, solve_fails, solve_ok


def test_num2bits_range() -> None:
    def body(cs: Circuit) -> None:
        bits = gb.num2bits(cs, cs.private_input("x"), 16, "x_range")
        for i, b in enumerate(bits):
            cs.public_output(f"b[{i}]", b)

    p = build(body)
    # 16 booleans; the recomposition is left with the input and the outputs only, so it stays.
    assert p.n_constraints == 17
    for x in (0, 1, 0xBEEF, 2**16 - 1):
        s = solve_ok(p, {"x": x})
        assert [s.signal(f"b[{i}]") for i in range(16)] == arith.num2bits(x, 16)
    for bad in (2**16, R - 1, 2**100):
        solve_fails(p, {"x": bad}, "x_range")


def test_signed_range() -> None:
    p = build(lambda cs: gb.signed_range_check(cs, cs.private_input("x"), 8, "sr"))
    for v in (-128, -1, 0, 127):
        solve_ok(p, {"x": v})
    for v in (-129, 128, 2**40):
        solve_fails(p, {"x": v}, "sr")


def strict_program():
    def body(cs: Circuit) -> None:
        bits = gb.num2bits_strict(cs, cs.private_input("x"), "strict")
        for i, b in enumerate(bits):
            cs.public_output(f"b[{i}]", b)

    return build(body)


STRICT = strict_program()


@pytest.mark.parametrize("x", [0, 1, 2, R - 1, R - 2, (R - 1) // 2, 2**253, 2**253 - 1, 12345678901234567890])
def test_strict_decomposition(x: int) -> None:
    s = solve_ok(STRICT, {"x": x})
    assert [s.signal(f"b[{i}]") for i in range(254)] == arith.num2bits_strict(x)


@pytest.mark.parametrize("x", [0, 1, 5, 2**254 - R - 1])
def test_strict_rejects_the_alias(x: int) -> None:
    # x + r < 2^254 has the same value mod r: its bits must not satisfy the gadget.
    s = STRICT.solve({"x": x})
    w = s.values()
    alias = x + R
    assert alias < 2**254
    first_bit_wire = 1 + 254  # outputs come first: b[0..253] are wires 1..254
    for i in range(254):
        w[first_bit_wire - 254 + i] = (alias >> i) & 1
    assert STRICT.check(w) is not None


def test_le_const_bound() -> None:
    c = bj.SUBORDER - 1
    p = build(lambda cs: gb.num2bits_le_const(cs, cs.private_input("s"), c, "s_range"))
    for v in (0, 1, c, c - 1, random.Random(1).randrange(c)):
        solve_ok(p, {"s": v})
    for v in (c + 1, c + 2**100, 2**251 - 1, R - 1):
        solve_fails(p, {"s": v}, "s_range")


def lt_program(signed: bool):
    def body(cs: Circuit) -> None:
        a, b = cs.private_input("a"), cs.private_input("b")
        if signed:
            gb.signed_range_check(cs, a, 32, "ra")
            gb.signed_range_check(cs, b, 32, "rb")
            cs.public_output("lt", gc.signed_less_than(cs, a, b, 32))
        else:
            gb.range_check(cs, a, 32, "ra")
            gb.range_check(cs, b, 32, "rb")
            cs.public_output("lt", gc.less_than(cs, a, b, 32))
            cs.public_output("le", gc.less_eq(cs, a, b, 32))

    return build(body)


def test_less_than() -> None:
    p = lt_program(False)
    rng = random.Random(2)
    cases = [(0, 0), (0, 1), (1, 0), (2**32 - 1, 2**32 - 1), (2**32 - 1, 0)]
    cases += [(rng.randrange(2**32), rng.randrange(2**32)) for _ in range(5)]
    for a, b in cases:
        s = solve_ok(p, {"a": a, "b": b})
        assert s.signal("lt") == arith.less_than(a, b, 32)
        assert s.signal("le") == int(a <= b)
    solve_fails(p, {"a": 2**32, "b": 0}, "ra")


def test_minimum_maximum() -> None:
    def body(cs: Circuit) -> None:
        a, b = cs.private_input("a"), cs.private_input("b")
        gb.range_check(cs, a, 32, "ra")
        gb.range_check(cs, b, 32, "rb")
        cs.public_output("min", gc.minimum(cs, a, b, 32))
        cs.public_output("max", gc.maximum(cs, a, b, 32))

    p = build(body)
    rng = random.Random(3)
    for a, b in [(0, 0), (0, 1), (1, 0), (2**32 - 1, 5)] + [
        (rng.randrange(2**32), rng.randrange(2**32)) for _ in range(5)
    ]:
        s = solve_ok(p, {"a": a, "b": b})
        assert (s.signal("min"), s.signal("max")) == (arith.minimum(a, b, 32), arith.maximum(a, b, 32))
    # invalid assignment: the comparison bit flipped picks the other value and breaks its decomposition
    s = p.solve({"a": 3, "b": 9})
    w = s.values()
    bit = next(i for i in range(p.n_wires) if p.wire_name(i).startswith("min/lt/b[32]"))
    w[bit] = 1 - w[bit]
    assert "min/lt" in (p.check(w) or "")
    solve_fails(p, {"a": 2**32, "b": 0}, "ra")


def test_signed_less_than() -> None:
    p = lt_program(True)
    for a, b in [(-5, 3), (3, -5), (-1, -1), (-(2**31), 2**31 - 1), (2**31 - 1, -(2**31))]:
        s = solve_ok(p, {"a": a, "b": b})
        assert s.signal("lt") == arith.signed_less_than(a % R, b % R, 32)
    solve_fails(p, {"a": 2**31, "b": 0}, "ra")


def test_is_zero_is_equal_nonzero() -> None:
    def body(cs: Circuit) -> None:
        x, y = cs.private_input("x"), cs.private_input("y")
        cs.public_output("z", gc.is_zero(cs, x))
        cs.public_output("e", gc.is_equal(cs, x, y))

    p = build(body)
    for x, y in [(0, 0), (0, 5), (5, 5), (R - 1, 1), (7, 0)]:
        s = solve_ok(p, {"x": x, "y": y})
        assert s.signal("z") == arith.is_zero(x) and s.signal("e") == int(x == y)
    nz = build(lambda cs: gc.assert_nonzero(cs, cs.private_input("x"), "nz"))
    solve_ok(nz, {"x": 3})
    solve_fails(nz, {"x": 0}, "nz")


def test_is_zero_cannot_lie() -> None:
    p = build(lambda cs: cs.public_output("z", gc.is_zero(cs, cs.private_input("x"))))
    for x in (0, 9):
        w = p.solve({"x": x}).values()
        w[1] = 1 - w[1]  # flip the output
        assert p.check(w) is not None


def test_select_mux_switch() -> None:
    def body(cs: Circuit) -> None:
        sel = cs.private_inputs("s", 3)
        for i, b in enumerate(sel):
            cs.assert_bool(b, f"bool{i}")
        vals = cs.private_inputs("v", 8)
        cs.public_output("sel", gc.select(cs, sel[0], vals[0], vals[1]))
        cs.public_output("mux", gc.mux(cs, sel, vals))
        left, right = gc.switch(cs, sel[1], vals[2], vals[3])
        cs.public_output("l", left)
        cs.public_output("r", right)

    p = build(body)
    vals = [11, 22, 33, 44, 55, 66, 77, 88]
    for idx in range(8):
        s_bits = [(idx >> i) & 1 for i in range(3)]
        s = solve_ok(p, {"s": s_bits, "v": vals})
        assert s.signal("mux") == arith.mux(s_bits, vals)
        assert s.signal("sel") == arith.select(s_bits[0], 11, 22)
        assert (s.signal("l"), s.signal("r")) == ((33, 44) if s_bits[1] == 0 else (44, 33))
    solve_fails(p, {"s": [2, 0, 0], "v": vals}, "bool0")


def test_div_rem() -> None:
    def body(cs: Circuit) -> None:
        q, r = gf.div_rem(cs, cs.private_input("a"), cs.private_input("b"), 40, 20, "dr")
        cs.public_output("q", q)
        cs.public_output("r", r)

    p = build(body)
    for a, b in [(17, 5), (-17, 5), (-15, 5), (0, 1), (2**38, 2**20 - 1), (-(2**39), 3)]:
        s = solve_ok(p, {"a": a, "b": b})
        assert (s.signal("q"), s.signal("r")) == arith.div_rem(a % R, b, 40, 20)
    solve_fails(p, {"a": 5, "b": 0}, "dr")
    solve_fails(p, {"a": 2**45, "b": 1}, "dr/q_range")
    # A remainder that is too big (q one smaller) must not satisfy the gadget.
    w = p.solve({"a": 17, "b": 5}).values()
    w[1], w[2] = 2, 7
    assert p.check(w) is not None


def test_mul_round() -> None:
    scale = 10**6

    def body(cs: Circuit) -> None:
        cs.public_output("c", gf.mul_round(cs, cs.private_input("a"), cs.private_input("b"), scale, 64, "mr"))

    p = build(body)
    rng = random.Random(3)
    cases = [(1_500_000, 2_500_001), (-1_500_000, 2_500_001), (0, 5), (-1, 1), (499_999, 1), (500_000, 1)]
    cases += [(rng.randrange(-(2**40), 2**40), rng.randrange(-(2**40), 2**40)) for _ in range(4)]
    for a, b in cases:
        s = solve_ok(p, {"a": a, "b": b})
        assert s.signal("c") == arith.mul_round(a % R, b % R, scale, 64)
    solve_fails(p, {"a": 2**62, "b": 2**30}, "mr/q_range")
