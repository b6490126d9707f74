"""Zero tests, equality, comparisons and selection; twin: circuits.primitives.arith.

Costs: is_zero / is_equal 3 (one more than circomlib's IsZero, so that the witness is unique: circomlib
leaves `inv` free when x = 0), assert_nonzero 1, less_than(n) n + 1 (inputs must already be known
to be < 2^n), signed_less_than(n) n + 1 (inputs signed n-bit), minimum / maximum(n) n + 2, select 1 (0 when the two values
differ by a constant), mux over 2^k values 2^k - 1, switch 1.
"""

from __future__ import annotations

from circuits.dsl import LC, Circuit, LCLike, as_lc
from circuits.gadgets.bits import MAX_RANGE_BITS, num2bits
from circuits.gadgets.zero import is_zero

__all__ = [
    "assert_nonzero",
    "is_equal",
    "is_zero",
    "less_eq",
    "less_than",
    "maximum",
    "minimum",
    "mux",
    "select",
    "select_signal",
    "signed_less_than",
    "switch",
]


def is_equal(cs: Circuit, a: LCLike, b: LCLike, name: str = "is_equal") -> LC:
    return is_zero(cs, as_lc(a) - as_lc(b), name)


def assert_nonzero(cs: Circuit, x: LCLike, name: str = "nonzero") -> None:
    """x != 0: x has an inverse (1 constraint)."""
    x = as_lc(x)
    with cs.scope(name):
        inv = cs.hint_div(1, x, "inv")
        cs.constrain(x, inv, 1, "x_inv")


def less_than(cs: Circuit, a: LCLike, b: LCLike, n: int, name: str = "lt") -> LC:
    """1 when a < b; a and b must be < 2^n (the caller range-checks them)."""
    if not 1 <= n < MAX_RANGE_BITS:
        raise ValueError(f"less_than needs 1 <= n < {MAX_RANGE_BITS}")
    bits = num2bits(cs, as_lc(a) + (1 << n) - as_lc(b), n + 1, name)
    return 1 - bits[n]


def less_eq(cs: Circuit, a: LCLike, b: LCLike, n: int, name: str = "le") -> LC:
    return less_than(cs, a, as_lc(b) + 1, n + 1, name)


def signed_less_than(cs: Circuit, a: LCLike, b: LCLike, n: int, name: str = "slt") -> LC:
    """1 when a < b as signed n-bit values (the caller range-checks them as signed n-bit)."""
    off = 1 << (n - 1)
    return less_than(cs, as_lc(a) + off, as_lc(b) + off, n, name)


def minimum(cs: Circuit, a: LCLike, b: LCLike, n: int, name: str = "min") -> LC:
    """min(a, b) for a, b < 2^n (the caller range-checks them): less_than and one selection,
    n + 2 constraints, named name/lt and name/pick."""
    with cs.scope(name):
        return select(cs, less_than(cs, a, b, n, "lt"), b, a, "pick")


def maximum(cs: Circuit, a: LCLike, b: LCLike, n: int, name: str = "max") -> LC:
    """max(a, b) for a, b < 2^n: n + 2 constraints, named name/lt and name/pick."""
    with cs.scope(name):
        return select(cs, less_than(cs, a, b, n, "lt"), a, b, "pick")


def select(cs: Circuit, sel: LCLike, a: LCLike, b: LCLike, name: str = "select") -> LC:
    """b when sel = 1, a when sel = 0 (sel must be boolean): a + sel * (b - a)."""
    a, b = as_lc(a), as_lc(b)
    return a + cs.mul(sel, b - a, name)


def select_signal(cs: Circuit, sel: LCLike, a: LCLike, b: LCLike, name: str = "select") -> LC:
    """select as a new signal at the same single constraint: the product is folded into it, so a
    chain of selections keeps short linear combinations."""
    a, b = as_lc(a), as_lc(b)
    m = cs.mul(sel, b - a, name)
    if m.single_slot() is None:  # b - a constant: no product, a plain linear value
        return a + m
    return cs.linear(a + m, f"{name}_out", eliminate=m)


def switch(cs: Circuit, sel: LCLike, a: LCLike, b: LCLike, name: str = "switch") -> tuple[LC, LC]:
    """(a, b) when sel = 0, (b, a) when sel = 1 (sel boolean): one product."""
    a, b = as_lc(a), as_lc(b)
    d = cs.mul(sel, b - a, name)
    return a + d, b - d


def mux(cs: Circuit, sel_bits: list[LC], values: list[LCLike], name: str = "mux") -> LC:
    """values[index], index given by boolean sel_bits least significant first."""
    if len(values) != 1 << len(sel_bits):
        raise ValueError("mux needs 2^k values for k selector bits")
    level = [as_lc(v) for v in values]
    with cs.scope(name):
        for k, s in enumerate(sel_bits):
            level = [
                select(cs, s, level[2 * i], level[2 * i + 1], f"l{k}[{i}]") for i in range(len(level) // 2)
            ]
    return level[0]
