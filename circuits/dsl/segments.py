"""What the circuit builder (circuits/dsl/circuit.py) and the compiler (circuits/dsl/compiled.py)
both use: slot kinds, the Python hint type, the builder's error and its own constraint segments.
The builder calls the compiler, so these live below both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.dsl.fold import Row
from circuits.dsl.tape import TapeWriter

# Slot kinds.
ONE = 0
INTERNAL = 1
PUBLIC_INPUT = 2
PRIVATE_INPUT = 3
PUBLIC_OUTPUT = 4
PLACEHOLDER = 5  # a template's input, bound by the caller

PyHint = Callable[[list[int]], list[int]]


class CircuitError(ValueError):
    """A circuit that cannot be built or compiled as written; the message names the signal."""


@dataclass
class OwnSegment:
    """A run of constraints and tape written directly by this circuit's code."""

    rows: list[Row]
    tape: TapeWriter
