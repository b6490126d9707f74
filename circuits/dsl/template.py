"""Templates: sub-circuits compiled once and stamped into every caller (circom's components).

    @functools.cache
    def square_template() -> Template:
        return Template("Square", ["x"], lambda cs, ins: [cs.mul(ins[0], ins[0], "x2")])

    y = square_template()(cs, [x], "sq1")[0]

The body runs once, on a private builder whose inputs are placeholders; folding happens inside it
with the placeholders pinned; every later call copies the folded constraints and tape with numpy,
relocating slots.  Outputs are linear combinations over the template's signals, so returning an
affine function of internal signals costs no constraint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

from circuits.dsl.circuit import Circuit
from circuits.dsl.compiled import Compiled
from circuits.dsl.lc import LC, LCLike

Body = Callable[[Circuit, list[LC]], Sequence[LCLike]]


class Template:
    """A named sub-circuit with a fixed number of inputs."""

    def __init__(self, name: str, input_names: Sequence[str], body: Body) -> None:
        self.name = name
        self.input_names = list(input_names)
        self.body = body

    @cached_property
    def compiled(self) -> Compiled:
        cs = Circuit(self.name, len(self.input_names), self.input_names)
        ins = [LC.slot(1 + i) for i in range(len(self.input_names))]
        outs = self.body(cs, ins)
        return cs.compile_template(list(outs))

    @property
    def n_constraints(self) -> int:
        return self.compiled.n_constraints

    def __call__(self, cs: Circuit, inputs: Sequence[LCLike], name: str) -> list[LC]:
        return cs.call(self.compiled, inputs, name)
