"""Poseidon for 1..16 inputs, the same function as circomlib's Poseidon(n); twin: circuits.primitives.poseidon.

Cost: 3 constraints per S-box (x^2, x^4, x^5): (8 * t + partial rounds) * 3, minus 3 for the first
round's lane 0, which is a constant (initial state 0 plus a round constant).  Poseidon(2) = 240,
Poseidon(5) = 294 * 3 - 3 = ... see tests/circuits/constraint_counts.json for every width.

Layout.  Every S-box input u is a signal (the first round's are input + constant, kept linear):
u*u = x2, x2*x2 = x4, x4*u = x5.  The next round's S-box input is an affine function of this
round's x5 values; declaring it with `linear(..., eliminate=x5)` makes folding express x5 through
the next input instead of expanding a long linear combination into three constraints.  That is
what keeps the partial rounds' growing state out of all but one place per round (the C side of
x4*u = x5), like circom's -O2 output, and costs no constraint.  The state lanes between rounds are
`linear` signals as well, so the witness tape stays O(t) per round.
"""

from __future__ import annotations

from functools import cache

from circuits.dsl import LC, Circuit, LCLike, Template, as_lc, lc_sum
from circuits.primitives.poseidon import MAX_INPUTS, params


def _sbox(cs: Circuit, u: LC, r: int, i: int) -> LC:
    x2 = cs.mul(u, u, f"r{r}/x2[{i}]")
    x4 = cs.mul(x2, x2, f"r{r}/x4[{i}]")
    return cs.mul(x4, u, f"r{r}/x5[{i}]")


def poseidon_body(cs: Circuit, inputs: list[LC]) -> LC:
    t = len(inputs) + 1
    c, m, rf, rp = params(t)
    n_rounds = rf + rp
    # S-box inputs of round 0: initial state (0, inputs) plus round constants.
    u: list[LC] = [as_lc(c[i]) if i == 0 else inputs[i - 1] + c[i] for i in range(t)]
    lanes: list[LC] = []
    for r in range(n_rounds):
        full = r < rf // 2 or r >= rf // 2 + rp
        sboxed = [_sbox(cs, u[i], r, i) if (full or i == 0) else u[i] for i in range(t)]
        mixed = [lc_sum(sboxed[j] * m[i][j] for j in range(t)) for i in range(t)]
        if r == n_rounds - 1:
            return mixed[0]
        nxt = r + 1
        nxt_full = nxt < rf // 2 or nxt >= rf // 2 + rp
        cn = c[nxt * t : (nxt + 1) * t]
        lanes = []
        for i in range(t):
            value = mixed[i] + cn[i]
            sbox_next = nxt_full or i == 0
            x5 = sboxed[i] if (full or i == 0) else None
            if sbox_next and x5 is not None and not x5.is_constant():
                # The next S-box input absorbs this lane's x5 (M[i][i] != 0 for a Cauchy MDS).
                lanes.append(cs.linear(value, f"r{nxt}/u[{i}]", eliminate=x5))
            else:
                lanes.append(cs.linear(value, f"r{nxt}/u[{i}]"))
        u = lanes
    raise AssertionError("unreachable")


@cache
def poseidon_template(n_inputs: int) -> Template:
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1..{MAX_INPUTS} inputs, got {n_inputs}")
    names = [f"inputs[{i}]" for i in range(n_inputs)]
    return Template(f"Poseidon({n_inputs})", names, lambda cs, ins: [poseidon_body(cs, ins)])


def poseidon(cs: Circuit, inputs: list[LCLike], name: str = "poseidon") -> LC:
    """Poseidon(inputs) as a linear combination of the hash's last-round signals."""
    return poseidon_template(len(inputs))(cs, inputs, name)[0]
