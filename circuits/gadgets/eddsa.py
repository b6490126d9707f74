"""EdDSA-Poseidon signature verification on BabyJubJub; twin: circuits.primitives.eddsa.verify.

Accepts exactly what circomlib's EdDSAPoseidonVerifier accepts, plus the checks docs/protocol.md
section 10 (signature validity) adds: A and
R8 on the curve, R8 not of small order (circomlib already rejects a small-order A through 8A != 0,
and S >= l).  The verification equation S * Base8 = R8 + h * (8 A), h = Poseidon(R8, A, M), is
checked when `enabled` is non-zero; the well-formedness checks (S < l, points on the curve and not
of small order) always apply, so a disabled slot must still carry well-formed dummy values such as
A = R8 = Base8, S = 0.  With enabled the constant 1 (the default) the final equality folds away.

Cost: 3861 constraints with `enabled` a signal, 3859 with enabled = 1 (circomlib's
EdDSAPoseidonVerifier: 4217, without the extra checks): S < l 359, A and R8 on the curve 3 + 3, R8
not of small order 2, Poseidon(5) 321, strict bits of h 343, 8A 15 (+1 for 8A != 0), h * 8A 2302,
R8 + h 8A 6, S * Base8 504, the equation 2.
"""

from __future__ import annotations

from functools import cache

from circuits.dsl import LC, Circuit, LCLike, Template, as_lc
from circuits.gadgets import babyjub as g
from circuits.gadgets.bits import num2bits_le_const, num2bits_strict
from circuits.gadgets.comparators import assert_nonzero
from circuits.gadgets.poseidon import poseidon
from circuits.primitives import babyjub as bj


def verify_body(cs: Circuit, ins: list[LC]) -> list[LC]:
    enabled, ax, ay, s, r8x, r8y, msg = ins
    s_bits = num2bits_le_const(cs, s, bj.SUBORDER - 1, "s_range")
    g.on_curve(cs, (ax, ay), "a_on_curve")
    _, r_y2, r_x2y2 = g.on_curve(cs, (r8x, r8y), "r8_on_curve")
    g.assert_not_small_order(cs, r_y2, r_x2y2, "r8_not_small_order")
    h = poseidon(cs, [r8x, r8y, ax, ay, msg], "hash")
    h_bits = num2bits_strict(cs, h, "h_bits")
    a8 = g.double(cs, g.double(cs, g.double(cs, (ax, ay), "dbl1"), "dbl2"), "dbl3")
    assert_nonzero(cs, a8[0], "a_not_small_order")
    right = g.add(cs, (r8x, r8y), g.scalar_mul_any(cs, h_bits, a8, "h_a8"), "right")
    left = g.scalar_mul_fixed(cs, s_bits, bj.BASE8, "s_b8")
    cs.constrain(left[0] - right[0], enabled, 0, "eq_x")
    cs.constrain(left[1] - right[1], enabled, 0, "eq_y")
    return []


@cache
def verifier_template(always_enabled: bool) -> Template:
    names = ["enabled", "Ax", "Ay", "S", "R8x", "R8y", "M"]
    if always_enabled:
        return Template(
            "EdDSAPoseidonVerifier(enabled=1)", names[1:], lambda cs, ins: verify_body(cs, [as_lc(1), *ins])
        )
    return Template("EdDSAPoseidonVerifier", names, verify_body)


def verify(
    cs: Circuit,
    pub: tuple[LCLike, LCLike],
    msg: LCLike,
    r8: tuple[LCLike, LCLike],
    s: LCLike,
    enabled: LCLike = 1,
    name: str = "sig",
) -> None:
    """Constrain (R8, S) to be a valid signature of msg by pub (when enabled)."""
    en = as_lc(enabled)
    args = [pub[0], pub[1], s, r8[0], r8[1], msg]
    if en.is_constant() and en.constant_value() == 1:
        verifier_template(True)(cs, args, name)
    else:
        verifier_template(False)(cs, [en, *args], name)
