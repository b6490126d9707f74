"""Size tests (run with --runslow): the million-constraint Poseidon chain compiles, solves and checks."""

from __future__ import annotations

import pytest

from circuits.dsl import Circuit
from circuits.gadgets.poseidon import poseidon
from native.poseidon import poseidon as native_poseidon


@pytest.mark.slow
def test_million_constraint_chain() -> None:
    n = 4000
    cs = Circuit("chain")
    a = cs.private_inputs("in", 2)
    h = a[0]
    for i in range(n):
        h = poseidon(cs, [h, a[1]], f"h{i}")
    cs.public_output("out", h)
    p = cs.compile()
    assert p.n_constraints == 240 * n
    s = p.solve({"in": [7, 9]})  # checks every constraint
    want = 7
    for _ in range(n):
        want = native_poseidon([want, 9])
    assert s.signal("out") == want
    assert p.r1cs().n_wires == p.n_wires
