"""The circuit DSL: build R1CS circuits in Python, compile to circom-compatible `.r1cs`, solve `.wtns`.

See circuits/dsl/circuit.py for the builder, template.py for reusable sub-circuits, compiled.py for
compiling, solving and checking, tape.py for the witness program the native VM runs.
"""

from circuits.dsl.circuit import Circuit, CircuitError
from circuits.dsl.compiled import Compiled, Program, Solved, UnsatisfiedConstraint
from circuits.dsl.fold import UnsatisfiableError
from circuits.dsl.lc import LC, LCLike, as_lc, lc_sum
from circuits.dsl.template import Template

__all__ = [
    "LC",
    "Circuit",
    "CircuitError",
    "Compiled",
    "LCLike",
    "Program",
    "Solved",
    "Template",
    "UnsatisfiableError",
    "UnsatisfiedConstraint",
    "as_lc",
    "lc_sum",
]
