"""Out-of-circuit twins of the bit, comparison, selection and fixed-point gadgets.

Signed values are field elements read as integers in (-(r-1)/2, (r-1)/2]: `to_signed` and
`from_signed` convert.  Every function raises ValueError on inputs outside the range the matching
gadget accepts, which is exactly when the gadget's witness fails its constraints.
"""

from __future__ import annotations

from circuits.primitives.field import R

HALF = (R - 1) // 2


def to_signed(x: int) -> int:
    """A canonical field element as a signed integer."""
    return x - R if x > HALF else x


def from_signed(v: int) -> int:
    return v % R


def num2bits(x: int, n: int) -> list[int]:
    """The n bits of x, least significant first; x must be < 2^n."""
    if not 0 <= x < (1 << n):
        raise ValueError(f"{x} does not fit in {n} bits")
    return [(x >> i) & 1 for i in range(n)]


def bits2num(bits: list[int]) -> int:
    return sum(b << i for i, b in enumerate(bits))


def num2bits_strict(x: int) -> list[int]:
    """The unique 254-bit decomposition of a field element (value < r)."""
    if not 0 <= x < R:
        raise ValueError("not a canonical field element")
    return num2bits(x, 254)


def check_signed_range(v: int, n: int) -> int:
    """v as a signed integer must satisfy -2^(n-1) <= v < 2^(n-1)."""
    if not -(1 << (n - 1)) <= v < (1 << (n - 1)):
        raise ValueError(f"{v} is outside the signed {n}-bit range")
    return v


def less_than(a: int, b: int, n: int) -> int:
    """1 when a < b, for a, b < 2^n."""
    num2bits(a, n)
    num2bits(b, n)
    return int(a < b)


def minimum(a: int, b: int, n: int) -> int:
    """min(a, b) for a, b < 2^n."""
    return a if less_than(a, b, n) else b


def maximum(a: int, b: int, n: int) -> int:
    """max(a, b) for a, b < 2^n."""
    return b if less_than(a, b, n) else a


def signed_less_than(a: int, b: int, n: int) -> int:
    """1 when a < b, a and b signed n-bit field elements."""
    sa, sb = check_signed_range(to_signed(a), n), check_signed_range(to_signed(b), n)
    return int(sa < sb)


def is_zero(x: int) -> int:
    return int(x % R == 0)


def select(sel: int, a: int, b: int) -> int:
    """b when sel = 1, a when sel = 0."""
    if sel not in (0, 1):
        raise ValueError("selector must be 0 or 1")
    return b if sel else a


def mux(sel_bits: list[int], values: list[int]) -> int:
    """values[index] with index given by sel_bits, least significant first."""
    if len(values) != 1 << len(sel_bits):
        raise ValueError("mux needs 2^k values for k selector bits")
    return values[bits2num([select(b, 0, 1) for b in sel_bits])]


def div_rem(a: int, b: int, q_bits: int, b_bits: int) -> tuple[int, int]:
    """Signed floor division: a = q*b + rem, 0 <= rem < b; b positive (< 2^b_bits), q signed q_bits."""
    sa = to_signed(a)
    if not 0 < b < (1 << b_bits):
        raise ValueError(f"divisor must be in (0, 2^{b_bits})")
    q, rem = divmod(sa, b)
    check_signed_range(q, q_bits)
    return from_signed(q), rem


def mul_round(a: int, b: int, scale: int, out_bits: int) -> int:
    """round(a*b / scale) for signed a, b (half rounds up, towards +infinity), a signed out_bits result."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    p = to_signed(a) * to_signed(b)
    q = (p + scale // 2) // scale
    check_signed_range(q, out_bits)
    return from_signed(q)
