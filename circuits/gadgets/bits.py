"""Bit decomposition and range checks; twin: circuits.primitives.arith (num2bits, num2bits_strict).

Costs: `num2bits(x, n)` n constraints (n booleans; the recomposition is linear and folds away),
which is the range check x < 2^n for n <= 252.  `num2bits_le_const(x, c)` decomposes x into
bit_length(c) bits with value <= c for about bit_length(c) + popcount-of-runs(c) constraints: the
bits where c has a 0 are forced to 0 while the higher bits still equal c's, by one constraint that
doubles as the boolean check; each run of ones in c updates the "still equal" flag with one
product (runs of 1) or an IsZero (longer runs).  `num2bits_strict` (x < r, no alias x + r) is
that with c = r - 1: 344 constraints (pinned in tests/circuits/constraint_counts.json) where circomlib's Num2Bits_strict takes 515.
"""

from __future__ import annotations

import re

from circuits.dsl import LC, Circuit, LCLike, as_lc, lc_sum
from circuits.gadgets.zero import is_zero
from circuits.primitives.field import R

MAX_RANGE_BITS = 252  # n-bit sums of booleans cannot wrap around r below this


def bits2num(bits: list[LC]) -> LC:
    """sum b_i 2^i (linear, free)."""
    return lc_sum(b * (1 << i) for i, b in enumerate(bits))


def num2bits(cs: Circuit, x: LCLike, n: int, name: str = "bits") -> list[LC]:
    """The n bits of x (least significant first), proving x < 2^n."""
    if not 1 <= n <= MAX_RANGE_BITS:
        raise ValueError(f"num2bits range checks need 1 <= n <= {MAX_RANGE_BITS}, got {n}")
    x = as_lc(x)
    with cs.scope(name):
        bits = cs.hint_bits(x, n, "b")
        for i, b in enumerate(bits):
            cs.assert_bool(b, f"bit{i}")
        cs.assert_equal(bits2num(bits), x, "sum")
    return bits


def range_check(cs: Circuit, x: LCLike, n: int, name: str = "range") -> None:
    """x < 2^n (n constraints)."""
    num2bits(cs, x, n, name)


def signed_range_check(cs: Circuit, x: LCLike, n: int, name: str = "srange") -> None:
    """-2^(n-1) <= x < 2^(n-1) for x read as signed (n constraints)."""
    num2bits(cs, as_lc(x) + (1 << (n - 1)), n, name)


def _and_all(cs: Circuit, flags: list[LC], name: str) -> LC:
    """AND of boolean signals: a chain of products up to three, IsZero(k - sum) beyond."""
    live = [f for f in flags if not (f.is_constant() and f.constant_value() == 1)]
    if not live:
        return as_lc(1)
    if len(live) <= 4:
        acc = live[0]
        for i, f in enumerate(live[1:]):
            acc = cs.mul(acc, f, f"{name}/and{i}")
        return acc
    return is_zero(cs, len(live) - lc_sum(live), name)


def num2bits_le_const(cs: Circuit, x: LCLike, c: int, name: str = "bits") -> list[LC]:
    """bit_length(c) bits of x with value <= c (so x <= c as an integer, and for c = r - 1 the
    decomposition is unique: no alias x + r)."""
    if not 0 < c < R:
        raise ValueError("the bound must be in (0, r)")
    n = c.bit_length()
    x = as_lc(x)
    with cs.scope(name):
        bits = cs.hint_bits(x, n, "b")
        tight = as_lc(1)  # 1 while every higher bit equals c's
        cbits = format(c, "b")  # most significant first
        pending: list[LC] = []
        pos = n - 1
        for run in re.finditer(r"1+|0+", cbits):
            seg = run.group()
            if seg[0] == "1":
                for _ in seg:
                    cs.assert_bool(bits[pos], f"bit{pos}")
                    pending.append(bits[pos])
                    pos -= 1
                continue
            if pending:
                tight = _and_all(cs, [tight, *pending], f"eq_upto{pos + 1}")
                pending = []
            for _ in seg:
                # (1 - tight - b) * b = 0: b boolean, and b = 0 while tight.
                cs.constrain(1 - tight - bits[pos], bits[pos], 0, f"bit{pos}")
                pos -= 1
        cs.assert_equal(bits2num(bits), x, "sum")
    return bits


def num2bits_strict(cs: Circuit, x: LCLike, name: str = "bits") -> list[LC]:
    """The unique 254-bit decomposition of a field element."""
    return num2bits_le_const(cs, x, R - 1, name)
