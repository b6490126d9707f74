"""Signed fixed-point helpers: multiply-and-round, and division with the remainder checked.

Twins: circuits.primitives.arith.mul_round / div_rem.  Values are field elements read as signed
integers; every result is range-checked, and the bit widths make q * b + rem < r/2 so the field
equation is an integer equation (no wrap-around can fake a quotient).

Costs: div_rem(q_bits, b_bits) = 1 + q_bits + 3 * b_bits (the product q * b, q's signed range,
b's range, 0 <= rem < b by two range checks); mul_round(out_bits, scale) = 1 + out_bits + k, plus k
when scale is not a power of two, with k = bits(scale - 1) (the recomposition is linear: free).
"""

from __future__ import annotations

from circuits.dsl import LC, Circuit, LCLike, as_lc
from circuits.gadgets.bits import MAX_RANGE_BITS, num2bits, signed_range_check


def div_rem(
    cs: Circuit, a: LCLike, b: LCLike, q_bits: int, b_bits: int, name: str = "divrem"
) -> tuple[LC, LC]:
    """(q, rem) with a = q * b + rem, 0 <= rem < b, q signed q_bits; b must be positive and < 2^b_bits
    (checked here: b - 1 and b - 1 - rem are b_bits-bit values)."""
    if q_bits + b_bits > MAX_RANGE_BITS - 2:
        raise ValueError("q_bits + b_bits too large: q * b could wrap around the field")
    a, b = as_lc(a), as_lc(b)
    with cs.scope(name):
        q, rem = cs.hint_divmod(a, b, "div", signed=True)
        cs.constrain(q, b, a - rem, "q_times_b")
        signed_range_check(cs, q, q_bits, "q_range")
        num2bits(cs, b - 1, b_bits, "b_range")  # 1 <= b <= 2^b_bits
        num2bits(cs, b - 1 - rem, b_bits, "rem_lt_b")  # rem <= b - 1, and rem >= 0 follows below
        num2bits(cs, rem, b_bits, "rem_range")
    return q, rem


def mul_round(cs: Circuit, a: LCLike, b: LCLike, scale: int, out_bits: int, name: str = "mulround") -> LC:
    """round(a * b / scale), half rounding up; a * b must fit the field with room (the caller's
    range checks on a and b), the result is checked to be signed out_bits."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    k = (scale - 1).bit_length() or 1
    if out_bits + k > MAX_RANGE_BITS - 2:
        raise ValueError("out_bits + bits(scale) too large")
    with cs.scope(name):
        p = cs.mul(a, b, "product")
        q, rem = cs.hint_divmod(p + scale // 2, scale, "div", signed=True)
        cs.assert_equal(q * scale + rem, p + scale // 2, "recompose")
        signed_range_check(cs, q, out_bits, "q_range")
        num2bits(cs, rem, k, "rem_range")
        if scale != 1 << k:
            num2bits(cs, scale - 1 - rem, k, "rem_lt_scale")
    return q
