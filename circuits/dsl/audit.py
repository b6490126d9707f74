"""Checks for under-constrained circuits (the job circom's --inspect does, but on a real witness).

`free_wires(program, solved)` changes each non-input wire of a satisfying witness, one at a time,
and reports those whose change leaves every constraint satisfied: a signal no constraint pins down
is a soundness bug (a prover could put anything there).  Only the constraints that mention the
wire are re-evaluated, so a circuit of a few thousand wires takes well under a second.
"""

from __future__ import annotations

import random

import numpy as np

from circuits.dsl.compiled import Program, Solved
from circuits.primitives.field import R


def _row_value(lc: list[tuple[int, int]], w: list[int]) -> int:
    return sum(c * w[i] for i, c in lc) % R


def free_wires(program: Program, solved: Solved, seed: int = 0, max_wires: int | None = None) -> list[str]:
    """Names of the non-input wires that can change without breaking a constraint."""
    r1cs = program.r1cs()
    w = solved.values()
    first_internal = 1 + program.n_pub_out + program.n_pub_in + program.n_prv_in
    n = program.n_wires
    offsets = r1cs.lc_offsets
    term_lc = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    order = np.argsort(r1cs.wires, kind="stable")
    sorted_wires = r1cs.wires[order]
    starts = np.searchsorted(sorted_wires, np.arange(n + 1))
    cache: dict[int, tuple[list[tuple[int, int]], ...]] = {}

    def row(i: int) -> tuple[list[tuple[int, int]], ...]:
        if i not in cache:
            cache[i] = r1cs.constraint(i)
        return cache[i]

    rng = random.Random(seed)
    # Public outputs are computed signals too: they must be pinned like internal ones.
    wires = list(range(1, 1 + program.n_pub_out)) + list(range(first_internal, n))
    if max_wires is not None and len(wires) > max_wires:
        wires = rng.sample(wires, max_wires)
    free = []
    for wire in wires:
        rows = sorted({int(term_lc[t]) // 3 for t in order[starts[wire] : starts[wire + 1]]})
        old = w[wire]
        w[wire] = (old + rng.randrange(1, R)) % R
        broken = False
        for i in rows:
            a, b, c = row(i)
            if _row_value(a, w) * _row_value(b, w) % R != _row_value(c, w):
                broken = True
                break
        w[wire] = old
        if not broken:
            free.append(program.wire_name(wire))
    return free
