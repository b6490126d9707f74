"""The native witness VM and R1CS checker against their pure-Python twins."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.dsl import Circuit
from circuits.dsl.vm import run as py_run
from circuits.dsl.vm import sdivmod
from circuits.primitives.field import R
from native import witness as nw
from native.tape import TapeError
from native.witness_ops import OP_LIN


def all_ops_program():
    cs = Circuit("ops")
    a, b, c = cs.private_inputs("v", 3)
    prod = cs.mul(a + 3, b - c, "prod")
    q = cs.hint_div(a, b, "div")
    z = cs.hint_is_zero(c, "isz")
    bits = cs.hint_bits(a, 70, "bits")
    uq, ur = cs.hint_divmod(a, b + 1, "udm")
    sq, sr = cs.hint_divmod(a, b + 1, "sdm", signed=True)
    lin = cs.hint_value(a * 5 + b * 7 + 11, "lin")
    (py,) = cs.hint_py(lambda v: [(v[0] * 3 + v[1]) % R], [a, c + 1], 1, "py")
    outs = [prod, q, z, *bits, uq, ur, sq, sr, lin, py]
    for i, o in enumerate(outs):
        cs.constrain(o, 1, o, f"use{i}")  # keep every hint used (trivially)
        cs.public_output(f"o{i}", o)
    return cs.compile()


PROGRAM = all_ops_program()


def both(vals: list[int]) -> tuple[list[int], list[int]]:
    c = PROGRAM.compiled
    assignment = {c.inputs[f"v[{i}]"]: v for i, v in enumerate(vals)}
    native = nw.run(c.tape_words, c.pool, c.n_slots, assignment, c.py_hints)
    ref = py_run(c.tape_words, c.pool, c.n_slots, assignment, c.py_hints)
    return [nw.slot_value(native, s) for s in range(c.n_slots)], ref


EDGE = [
    0,
    1,
    2,
    R - 1,
    R - 2,
    (R - 1) // 2,
    (R + 1) // 2,
    2**64 - 1,
    2**64,
    2**128 - 1,
    2**128,
    2**128 + 5,
    2**127 + 3,
    7,
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.integers(0, R - 1), st.sampled_from(EDGE)), min_size=3, max_size=3))
def test_native_vm_matches_python(vals: list[int]) -> None:
    native, ref = both(vals)
    assert native == ref


@pytest.mark.parametrize("a", EDGE)
@pytest.mark.parametrize("b", [0, 1, 2, 3, 10**6, 2**64 - 1, 2**64, 2**127, 2**128 - 1, R - 1])
def test_vm_edge_values(a: int, b: int) -> None:
    native, ref = both([a, b, a])
    assert native == ref


def test_sdivmod_twin() -> None:
    assert sdivmod(R - 17, 5) == (R - 4, 3)
    assert sdivmod(17, 5) == (3, 2)
    assert sdivmod(R - 15, 5) == (R - 3, 0)
    assert sdivmod(5, 0) == (0, 0)


@pytest.mark.parametrize(
    "tape",
    [
        [99],  # bad opcode
        [OP_LIN, 10**6, 0],  # output slot out of range
        [OP_LIN, 1, 1, 10**6, 0],  # operand slot out of range
        [OP_LIN, 1, 1, 0, 10**6],  # constant out of range
        [OP_LIN, 1, 5, 0, 0],  # LC longer than the tape
        [OP_LIN, 1],  # truncated
    ],
)
def test_malformed_tapes_are_errors_not_crashes(tape: list[int]) -> None:
    words = np.asarray(tape, dtype=np.uint32)
    with pytest.raises(TapeError):
        nw.run(words, [1], 4, {}, [])
    with pytest.raises(TapeError):
        py_run(words, [1], 4, {}, [])


def test_checker_against_python() -> None:
    s = PROGRAM.solve({"v": [5, 9, 0]})
    r1cs = PROGRAM.r1cs()
    w = s.values()
    assert PROGRAM.first_unsatisfied(w) is None and r1cs.first_unsatisfied(w) is None
    for k in (5, len(w) // 2, len(w) - 1):
        bad = list(w)
        bad[k] = (bad[k] + 1) % R
        assert PROGRAM.first_unsatisfied(bad) == r1cs.first_unsatisfied(bad)
    with pytest.raises(ValueError, match="canonical"):
        PROGRAM.first_unsatisfied(b"\xff" * (32 * PROGRAM.n_wires))
    with pytest.raises(ValueError):
        PROGRAM.first_unsatisfied(w[:-1])


def test_checker_rejects_inconsistent_csr() -> None:
    r1cs = PROGRAM.r1cs()
    w = PROGRAM.solve({"v": [1, 2, 3]}).wires
    bad_offsets = r1cs.lc_offsets.copy()
    bad_offsets[1], bad_offsets[2] = bad_offsets[2] + 5, bad_offsets[1]
    with pytest.raises(ValueError, match="inconsistent"):
        nw.check(bad_offsets, r1cs.wires, r1cs.coefs, w, PROGRAM.n_wires)
    with pytest.raises(ValueError, match="inconsistent"):
        nw.check(r1cs.lc_offsets[:-1], r1cs.wires, r1cs.coefs, w, PROGRAM.n_wires)
