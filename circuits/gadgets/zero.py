"""The zero test (3 constraints), below both circuits.gadgets.bits (which ANDs long runs of flags
with it) and circuits.gadgets.comparators (which builds is_equal and the rest on it); twin:
circuits.primitives.arith."""

from __future__ import annotations

from circuits.dsl import LC, Circuit, LCLike, as_lc


def is_zero(cs: Circuit, x: LCLike, name: str = "is_zero") -> LC:
    """1 when x = 0, else 0: x * inv = 1 - out, x * out = 0, and inv * out = 0 which pins inv to 0
    when x = 0 (inv is a hint: 1/x, or 0)."""
    x = as_lc(x)
    if x.is_constant():
        return as_lc(int(x.constant_value() == 0))
    with cs.scope(name):
        inv = cs.hint_div(1, x, "inv")
        m = cs.mul(x, inv, "x_inv")  # out = 1 - m
        cs.constrain(x, 1 - m, 0, "x_out")
        cs.constrain(inv, 1 - m, 0, "inv_out")
    return 1 - m
