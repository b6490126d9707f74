"""BabyJubJub point gadgets; twin: circuits.primitives.babyjub.

Points are (x, y) pairs of LCs (Edwards) or (u, v) (Montgomery).  Costs in constraints:
on_curve 3; not_small_order 2 (given on_curve's products); add 6 (3 when one point is constant);
double 5 (the point must be on the curve); Edwards <-> Montgomery 2; Montgomery add 3, double 4;
scalar_mul_any(254 bits) 2302 (circomlib's EscalarMulAny algorithm without its zero-point patch,
which callers here never need: the point is checked not to be of small order); scalar_mul_fixed
over 251 bits 504 (circomlib's EscalarMulFix(253): 526).

Montgomery addition is incomplete (it needs distinct u), so both scalar multiplications keep the
two operands' discrete logs apart by construction; the docstrings say how.
"""

from __future__ import annotations

from circuits.dsl import LC, Circuit, LCLike, as_lc, lc_sum
from circuits.gadgets.comparators import assert_nonzero, select
from circuits.primitives import babyjub as bj

Pt = tuple[LC, LC]

# The four points of order 8 are (+-x8, +-y8): y^2 = Y8_SQ for all of them.
_T8 = bj.mul(bj.GENERATOR, bj.SUBORDER)
Y8_SQ = _T8[1] * _T8[1] % bj.P


def _pt(p: tuple[LCLike, LCLike]) -> Pt:
    return as_lc(p[0]), as_lc(p[1])


def on_curve(cs: Circuit, p: tuple[LCLike, LCLike], name: str = "on_curve") -> tuple[LC, LC, LC]:
    """a x^2 + y^2 = 1 + d x^2 y^2; returns (x^2, y^2, x^2 y^2) for reuse."""
    x, y = _pt(p)
    with cs.scope(name):
        x2 = cs.mul(x, x, "x2")
        y2 = cs.mul(y, y, "y2")
        x2y2 = cs.mul(x2, y2, "x2y2")
        cs.assert_equal(x2 * bj.A + y2, 1 + x2y2 * bj.D, "equation")
    return x2, y2, x2y2


def assert_not_small_order(cs: Circuit, y2: LC, x2y2: LC, name: str = "not_small_order") -> None:
    """For a point on the curve (given its y^2 and x^2 y^2): not one of the 8 torsion points.
    Those have x = 0, y = 0 or y^2 = y8^2, so x^2 y^2 (y^2 - y8^2) must be invertible."""
    with cs.scope(name):
        assert_nonzero(cs, cs.mul(x2y2, y2 - Y8_SQ, "prod"), "nonzero")


def add(cs: Circuit, p1: tuple[LCLike, LCLike], p2: tuple[LCLike, LCLike], name: str = "add") -> Pt:
    """Complete twisted Edwards addition (circomlib BabyAdd)."""
    (x1, y1), (x2, y2) = _pt(p1), _pt(p2)
    with cs.scope(name):
        beta = cs.mul(x1, y2, "beta")
        gamma = cs.mul(y1, x2, "gamma")
        delta = cs.mul(y1 - x1 * bj.A, x2 + y2, "delta")
        tau = cs.mul(beta, gamma, "tau")
        num_x, den_x = beta + gamma, 1 + tau * bj.D
        num_y, den_y = delta + beta * bj.A - gamma, 1 - tau * bj.D
        x3 = cs.hint_div(num_x, den_x, "x3")
        y3 = cs.hint_div(num_y, den_y, "y3")
        cs.constrain(den_x, x3, num_x, "x3_def")
        cs.constrain(den_y, y3, num_y, "y3_def")
    return x3, y3


def double(cs: Circuit, p: tuple[LCLike, LCLike], name: str = "double") -> Pt:
    """2P for P on the curve: x3 = 2xy / (a x^2 + y^2), y3 = (y^2 - a x^2) / (2 - a x^2 - y^2)."""
    x, y = _pt(p)
    with cs.scope(name):
        x2 = cs.mul(x, x, "x2")
        y2 = cs.mul(y, y, "y2")
        xy = cs.mul(x, y, "xy")
        den_x, den_y = x2 * bj.A + y2, 2 - x2 * bj.A - y2
        x3 = cs.hint_div(xy * 2, den_x, "x3")
        y3 = cs.hint_div(y2 - x2 * bj.A, den_y, "y3")
        cs.constrain(den_x, x3, xy * 2, "x3_def")
        cs.constrain(den_y, y3, y2 - x2 * bj.A, "y3_def")
    return x3, y3


def to_montgomery(cs: Circuit, p: tuple[LCLike, LCLike], name: str = "e2m") -> Pt:
    x, y = _pt(p)
    with cs.scope(name):
        u = cs.hint_div(1 + y, 1 - y, "u")
        v = cs.hint_div(u, x, "v")
        cs.constrain(u, 1 - y, 1 + y, "u_def")
        cs.constrain(v, x, u, "v_def")
    return u, v


def from_montgomery(cs: Circuit, p: Pt, name: str = "m2e") -> Pt:
    u, v = p
    with cs.scope(name):
        x = cs.hint_div(u, v, "x")
        y = cs.hint_div(u - 1, u + 1, "y")
        cs.constrain(x, v, u, "x_def")
        cs.constrain(y, u + 1, u - 1, "y_def")
    return x, y


def mont_add(cs: Circuit, p1: Pt, p2: Pt, name: str = "madd") -> Pt:
    """Montgomery addition (u1 != u2 required)."""
    (u1, v1), (u2, v2) = p1, p2
    with cs.scope(name):
        lam = cs.hint_div(v2 - v1, u2 - u1, "lambda")
        cs.constrain(lam, u2 - u1, v2 - v1, "lambda_def")
        lam2 = cs.mul(lam, lam, "lambda2")
        u3 = lam2 * bj.MONT_B - bj.MONT_A - u1 - u2
        v3 = cs.mul(lam, u1 - u3, "lam_du") - v1
    return u3, v3


def mont_double(cs: Circuit, p: Pt, name: str = "mdbl") -> Pt:
    u, v = p
    with cs.scope(name):
        u2 = cs.mul(u, u, "u2")
        num = u2 * 3 + u * (2 * bj.MONT_A) + 1
        lam = cs.hint_div(num, v * (2 * bj.MONT_B), "lambda")
        cs.constrain(lam, v * (2 * bj.MONT_B), num, "lambda_def")
        lam2 = cs.mul(lam, lam, "lambda2")
        u3 = lam2 * bj.MONT_B - bj.MONT_A - u * 2
        v3 = cs.mul(lam, u - u3, "lam_du") - v
    return u3, v3


def select_point(cs: Circuit, sel: LC, a: Pt, b: Pt, name: str) -> Pt:
    return select(cs, sel, a[0], b[0], f"{name}_x"), select(cs, sel, a[1], b[1], f"{name}_y")


SEGMENT = 148  # bits per ladder segment: keeps the running sum below the doubled base


def _segment_any(cs: Circuit, bits: list[LC], base: Pt, base_m: Pt) -> tuple[Pt, Pt]:
    """sum bits[i] 2^i base over one segment; returns (Edwards result, Montgomery 2^(n-1) base).

    The accumulator starts at `base` (the answer for bit 0 set) and adds 2^i base for i >= 1, so
    before step i it holds k*base with 1 <= k < 2^i while the addend is 2^i base: their discrete
    logs differ and sum below l (n <= 148 bits), so the Montgomery addition never meets equal u.
    Bit 0 unset is corrected at the end by subtracting base in Edwards form (complete)."""
    dbl = acc = base_m
    for i in range(1, len(bits)):
        dbl = mont_double(cs, dbl, f"dbl{i}")
        added = mont_add(cs, dbl, acc, f"add{i}")
        acc = select_point(cs, bits[i], acc, added, f"sel{i}")
    acc_e = from_montgomery(cs, acc, "m2e")
    minus_base = add(cs, acc_e, (-base[0], base[1]), "sub_base")
    return select_point(cs, bits[0], minus_base, acc_e, "sel0"), dbl


def scalar_mul_any(cs: Circuit, bits: list[LC], p: tuple[LCLike, LCLike], name: str = "mul_any") -> Pt:
    """sum bits[i] 2^i P (bits boolean, least significant first) for P in the prime-order
    subgroup and not the identity (circomlib EscalarMulAny's algorithm)."""
    base = _pt(p)
    with cs.scope(name):
        base_m = to_montgomery(cs, base, "e2m")
        out: Pt | None = None
        for s, start in enumerate(range(0, len(bits), SEGMENT)):
            seg = bits[start : start + SEGMENT]
            with cs.scope(f"seg{s}"):
                res, last = _segment_any(cs, seg, base, base_m)
            out = res if out is None else add(cs, out, res, f"join{s}")
            if start + SEGMENT < len(bits):
                base_m = mont_double(cs, last, f"next_base{s}")
                base = from_montgomery(cs, base_m, f"next_base{s}_e")
    assert out is not None
    return out


# Fixed base: 3-bit windows accumulated in Montgomery form from an offset K*B that keeps every
# addition's two operands apart; the top bits beyond 249 use one complete Edwards addition.
MONT_WINDOWS_MAX = 83


def _mux8_const(cs: Circuit, s: list[LC], xs: list[int], ys: list[int], name: str) -> Pt:
    """(xs[w], ys[w]) for w = s0 + 2 s1 + 4 s2, constants: 3 constraints (s0 s1, then one per output)."""
    s01 = cs.mul(s[0], s[1], f"{name}/s01")

    def poly(c: list[int]) -> tuple[LC, LC]:
        # c[w] as a multilinear polynomial: low(s0, s1) + s2 * high(s0, s1).
        def ml(v: list[int]) -> LC:
            return lc_sum(
                [as_lc(v[0]), s[0] * (v[1] - v[0]), s[1] * (v[2] - v[0]), s01 * (v[3] - v[2] - v[1] + v[0])]
            )

        lo, hi = ml(c[0:4]), ml(c[4:8])
        return lo, hi - lo

    lo_x, dx = poly(xs)
    lo_y, dy = poly(ys)
    return lo_x + cs.mul(s[2], dx, f"{name}/x"), lo_y + cs.mul(s[2], dy, f"{name}/y")


def _mux4_const(cs: Circuit, s: list[LC], pts: list[bj.Point], name: str) -> Pt:
    s01 = cs.mul(s[0], s[1], f"{name}/s01")

    def ml(v: list[int]) -> LC:
        return lc_sum(
            [as_lc(v[0]), s[0] * (v[1] - v[0]), s[1] * (v[2] - v[0]), s01 * (v[3] - v[2] - v[1] + v[0])]
        )

    return ml([p[0] for p in pts]), ml([p[1] for p in pts])


def scalar_mul_fixed(cs: Circuit, bits: list[LC], base: bj.Point, name: str = "mul_fix") -> Pt:
    """sum bits[i] 2^i B for a constant B of prime order l and at most 251 boolean bits.

    Windows 0..M-1 (3 bits each, M <= 83) add T_i[w] = (w + 1) 8^i B to an accumulator started at
    K B, K = 8^M + 1: before window i it holds (K + s) B with s < 8^(i+1) / 7, always more than the
    addend (at most 8^(i+1) <= 8^M < K) and with K + s + addend < (15/7) 8^M < l, so the two
    operands are never equal or opposite.  The result minus (K + sum 8^i) B, and the top bits
    (249, 250) times 8^83 B, are added as one constant-table point with the complete law."""
    n = len(bits)
    if not 1 <= n <= 251:
        raise ValueError("scalar_mul_fixed takes 1..251 bits")
    if not bj.in_subgroup(base) or base == bj.IDENTITY:
        raise ValueError("the base must be a point of prime order l")
    zero = as_lc(0)
    m = min(MONT_WINDOWS_MAX, (n + 2) // 3)
    padded = bits + [zero] * (3 * m - min(n, 3 * m))
    k_off = 8**m + 1
    assert k_off + 8**m // 7 + 1 + 8**m < bj.SUBORDER  # the separation argument above
    with cs.scope(name):
        acc: Pt | None = None
        for i in range(m):
            s = padded[3 * i : 3 * i + 3]
            # Window 0 folds the offset into its table, saving one addition.
            pts = [bj.mul(base, (w + 1) * 8**i + (k_off if i == 0 else 0)) for w in range(8)]
            mpts = [bj.to_montgomery(pt) for pt in pts]
            t = _mux8_const(cs, s, [q[0] for q in mpts], [q[1] for q in mpts], f"win{i}")
            acc = t if acc is None else mont_add(cs, acc, t, f"add{i}")
        assert acc is not None
        acc_e = from_montgomery(cs, acc, "m2e")
        correction = k_off + sum(8**i for i in range(m))
        top = bits[3 * m :]
        if not top:
            return add(cs, acc_e, bj.mul(base, (-correction) % bj.SUBORDER), "correct")
        top = top + [zero] * (2 - len(top))
        pts = [bj.mul(base, (w * 8**m - correction) % bj.SUBORDER) for w in range(4)]
        return add(cs, acc_e, _mux4_const(cs, top, pts, "top"), "correct")
