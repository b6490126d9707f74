"""Poseidon over BN254's scalar field, exactly as circomlib/circomlibjs (reference twin).

This is the textbook permutation (add round constants, S-box x^5 on all or one lane, full MDS)
with circomlib's parameters: width t = inputs + 1 (2..17), 8 full rounds, circomlib's partial
round counts.  The native core (native.poseidon) computes the same function with the optimised
sparse-matrix schedule; the twin tests compare the two, and both against circomlibjs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from circuits.primitives import poseidon_constants as K
from circuits.primitives.field import R, check_field

MAX_INPUTS = 16


def _unpack(hexstr: str) -> list[int]:
    return [int(hexstr[i : i + 64], 16) for i in range(0, len(hexstr), 64)]


@cache
def params(t: int) -> tuple[list[int], list[list[int]], int, int]:
    """Round constants, MDS matrix, full and partial round counts for width t."""
    if not 2 <= t <= MAX_INPUTS + 1:
        raise ValueError(f"Poseidon width t must be 2..{MAX_INPUTS + 1}, got {t}")
    c = _unpack(K.C[t - 2])
    flat_m = _unpack(K.M[t - 2])
    m = [flat_m[i * t : (i + 1) * t] for i in range(t)]
    return c, m, K.N_ROUNDS_F, K.N_ROUNDS_P[t - 2]


def permute(state: list[int]) -> list[int]:
    """The Poseidon permutation on a width-t state of canonical field elements."""
    t = len(state)
    c, m, rf, rp = params(t)
    s = list(state)
    for r in range(rf + rp):
        s = [(x + c[r * t + i]) % R for i, x in enumerate(s)]
        if r < rf // 2 or r >= rf // 2 + rp:
            s = [pow(x, 5, R) for x in s]
        else:
            s[0] = pow(s[0], 5, R)
        s = [sum(m[i][j] * s[j] for j in range(t)) % R for i in range(t)]
    return s


def poseidon_ex(inputs: list[int], init_state: int = 0, n_out: int = 1) -> list[int]:
    """circomlibjs's poseidon(inputs, initState, nOut): the first n_out lanes of the permutation."""
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1..{MAX_INPUTS} inputs, got {len(inputs)}")
    for i, x in enumerate(inputs):
        check_field(x, f"poseidon input {i}")
    check_field(init_state, "poseidon initial state")
    if not 1 <= n_out <= len(inputs) + 1:
        raise ValueError("n_out must be between 1 and the width")
    return permute([init_state, *inputs])[:n_out]


def poseidon(inputs: list[int]) -> int:
    """Poseidon hash of 1..16 canonical field elements (SPEC entry point)."""
    return poseidon_ex(inputs)[0]


def poseidon_dag(rows: Sequence[Sequence[int]]) -> list[int]:
    """Twin of native.poseidon.poseidon_dag: each row's hash in order, an input -k-1 standing for
    row k's hash."""
    out: list[int] = []
    for i, row in enumerate(rows):
        if any(-v - 1 >= i for v in row if v < 0):
            raise ValueError(f"poseidon_dag: row {i} refers to a row that is not an earlier one")
        out.append(poseidon([out[-v - 1] if v < 0 else v for v in row]))
    return out
