"""Shared helpers for the circuit tests: build a one-gadget program, solve, expect failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from circuits.dsl import Circuit, Program, Solved, UnsatisfiedConstraint
from circuits.dsl.audit import free_wires


def build(body: Callable[[Circuit], Any], name: str = "test") -> Program:
    cs = Circuit(name)
    body(cs)
    return cs.compile()


def solve_ok(program: Program, inputs: dict[str, Any], mutation: bool = True) -> Solved:
    """Solve (which checks every constraint) and, with mutation, check every non-input wire is
    pinned: changing any one of them must break a constraint."""
    solved = program.solve(inputs)
    if mutation:
        assert free_wires(program, solved) == []
    return solved


def solve_fails(program: Program, inputs: dict[str, Any], where: str) -> UnsatisfiedConstraint:
    """The witness for these inputs breaks a constraint whose path contains `where`."""
    with pytest.raises(UnsatisfiedConstraint) as info:
        program.solve(inputs)
    assert where in info.value.name, f"failed at {info.value.name}, expected {where}"
    return info.value
