"""The circuit builder: signals, constraints, hints, namespaces and template calls.

    cs = Circuit("demo")
    x = cs.private_input("x")
    y = cs.public_input("y")
    with cs.scope("square"):
        x2 = cs.mul(x, x, "x2")          # constraint x * x = x2, and the tape computes x2
    cs.assert_equal(x2, y, "is_y")       # linear: folded away when a signal can absorb it
    program = cs.compile()               # R1CS (.r1cs) + witness tape

Constraints and hints are kept visibly apart, as circom's `<==` and `<--`: `mul`, `linear`,
`constrain`, `assert_*` add constraints (and define signals through the tape where they compute
one), while every `hint_*` method only computes values into new signals and adds no constraint.
The gadget that calls a hint must constrain its outputs; `compile` refuses a circuit where a hinted
signal appears in no constraint at all.

Names are paths: `scope()` pushes a component, template calls push the call's name, so a failing
constraint reads like `batch/slot3/taker_sig/s_range/bit7`.

Templates (circuits/dsl/template.py) are sub-circuits compiled once and stamped into the caller
with numpy at every call: that is what makes a million-constraint circuit compile in seconds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from circuits.dsl.compiled import Compiled, Instance, Program, compile_circuit
from circuits.dsl.fold import Row
from circuits.dsl.lc import LC, ONE_SLOT, LCLike, as_lc
from circuits.dsl.segments import (
    INTERNAL,
    ONE,
    PLACEHOLDER,
    PRIVATE_INPUT,
    PUBLIC_INPUT,
    PUBLIC_OUTPUT,
    CircuitError,
    OwnSegment,
    PyHint,
)
from circuits.dsl.tape import ConstPool, TapeWriter
from native.witness_ops import MAX_BITS, OP_DIV, OP_DIVMOD, OP_ISZERO, OP_MUL, OP_SDIVMOD


class Circuit:
    """Builds one circuit (or one template body); `compile()` turns it into R1CS + tape."""

    def __init__(
        self, name: str = "main", n_placeholders: int = 0, placeholder_names: Sequence[str] = ()
    ) -> None:
        self.name = name
        self.n_slots = 1 + n_placeholders
        self.kinds: dict[int, int] = {ONE_SLOT: ONE}
        self.slot_names: dict[int, str] = {ONE_SLOT: "one"}
        for i in range(n_placeholders):
            self.kinds[1 + i] = PLACEHOLDER
            self.slot_names[1 + i] = placeholder_names[i] if i < len(placeholder_names) else f"in[{i}]"
        self.n_placeholders = n_placeholders
        self.pool = ConstPool()
        self.py_hints: list[PyHint] = []
        self.segments: list[OwnSegment | Instance] = []
        self.instances: list[Instance] = []
        self.hinted: dict[int, str] = {}  # slot -> hint name, to check they end up constrained
        self.inputs: dict[str, int] = {}  # public/private input names -> slot
        self.outputs: dict[str, int] = {}  # public output names -> slot
        self._registered: dict[int, tuple[int, int]] = {}
        self._scope: list[str] = []
        self._new_segment()

    # -- naming -------------------------------------------------------------------------------
    def _new_segment(self) -> OwnSegment:
        seg = OwnSegment([], TapeWriter(self.pool))
        self.segments.append(seg)
        return seg

    @property
    def _seg(self) -> OwnSegment:
        seg = self.segments[-1]
        return seg if isinstance(seg, OwnSegment) else self._new_segment()

    def path(self, name: str) -> str:
        return "/".join([*self._scope, name]) if self._scope else name

    @contextlib.contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """Prefix the names of everything created inside with `name/`."""
        if not name or "/" in name:
            raise CircuitError(f"scope name must be non-empty and contain no '/': {name!r}")
        self._scope.append(name)
        try:
            yield
        finally:
            self._scope.pop()

    def _new_slot(self, name: str, kind: int = INTERNAL) -> int:
        s = self.n_slots
        self.n_slots += 1
        self.slot_names[s] = self.path(name)
        if kind != INTERNAL:
            self.kinds[s] = kind
        return s

    # -- inputs and outputs -------------------------------------------------------------------
    def _input(self, name: str, kind: int) -> LC:
        if self.n_placeholders:
            raise CircuitError("a template receives its inputs from the caller; it declares none")
        full = self.path(name)
        if full in self.inputs or full in self.outputs:
            raise CircuitError(f"signal {full} is declared twice")
        s = self._new_slot(name, kind)
        self.inputs[full] = s
        return LC.slot(s)

    def public_input(self, name: str) -> LC:
        return self._input(name, PUBLIC_INPUT)

    def private_input(self, name: str) -> LC:
        return self._input(name, PRIVATE_INPUT)

    def public_inputs(self, name: str, n: int) -> list[LC]:
        return [self._input(f"{name}[{i}]", PUBLIC_INPUT) for i in range(n)]

    def private_inputs(self, name: str, n: int) -> list[LC]:
        return [self._input(f"{name}[{i}]", PRIVATE_INPUT) for i in range(n)]

    def public_output(self, name: str, value: LCLike) -> LC:
        """A public output signal equal to value (a linear constraint that folding absorbs into
        one of value's internal signals when it can, as circom does for outputs)."""
        if self.n_placeholders:
            raise CircuitError("a template returns its outputs from its body; it declares none")
        full = self.path(name)
        if full in self.inputs or full in self.outputs:
            raise CircuitError(f"signal {full} is declared twice")
        value = as_lc(value)
        s = self._new_slot(name, PUBLIC_OUTPUT)
        self.outputs[full] = s
        self._seg.tape.lin(s, value)
        self._seg.rows.append(Row({ONE_SLOT: 1}, dict(value.t), {s: 1}, self.path(name)))
        return LC.slot(s)

    # -- constraints (each may define a signal through the tape) --------------------------------
    def mul(self, a: LCLike, b: LCLike, name: str) -> LC:
        """A new signal equal to a * b, constrained by a * b = out.  A constant factor costs nothing."""
        a, b = as_lc(a), as_lc(b)
        if a.is_constant() or b.is_constant():
            return a * b
        s = self._new_slot(name)
        seg = self._seg
        seg.tape.binary(OP_MUL, s, a, b)
        seg.rows.append(Row(dict(a.t), dict(b.t), {s: 1}, self.path(name)))
        return LC.slot(s)

    def linear(self, value: LCLike, name: str, eliminate: LC | None = None) -> LC:
        """A new signal equal to value.  Its linear constraint is folded away: by default this new
        signal is the one substituted out; `eliminate=x` substitutes x instead (x must occur in
        value), which keeps long linear combinations out of the constraints that use the new one."""
        value = as_lc(value)
        if value.is_constant() or value.single_slot() is not None:
            return value
        pivot = None
        if eliminate is not None:
            pivot = eliminate.single_slot()
            if pivot is None or pivot not in value.t:
                raise CircuitError(f"{self.path(name)}: eliminate= must be a signal occurring in the value")
        s = self._new_slot(name)
        seg = self._seg
        seg.tape.lin(s, value)
        seg.rows.append(
            Row({ONE_SLOT: 1}, dict(value.t), {s: 1}, self.path(name), pivot=s if pivot is None else pivot)
        )
        return LC.slot(s)

    def constrain(self, a: LCLike, b: LCLike, c: LCLike, name: str) -> None:
        """The constraint a * b = c on existing signals."""
        a, b, c = as_lc(a), as_lc(b), as_lc(c)
        self._seg.rows.append(Row(dict(a.t), dict(b.t), dict(c.t), self.path(name)))

    def assert_zero(self, a: LCLike, name: str) -> None:
        self.constrain(1, a, 0, name)

    def assert_equal(self, a: LCLike, b: LCLike, name: str) -> None:
        self.constrain(1, as_lc(a) - as_lc(b), 0, name)

    def assert_bool(self, x: LCLike, name: str) -> None:
        """x * (x - 1) = 0."""
        x = as_lc(x)
        self.constrain(x, x - 1, 0, name)

    # -- hints: witness values only, no constraint --------------------------------------------
    def _hinted(self, name: str) -> int:
        s = self._new_slot(name)
        self.hinted[s] = self.path(name)
        return s

    def hint_value(self, value: LCLike, name: str) -> LC:
        """A new unconstrained signal holding value (the caller constrains it)."""
        s = self._hinted(name)
        self._seg.tape.lin(s, as_lc(value))
        return LC.slot(s)

    def hint_div(self, a: LCLike, b: LCLike, name: str) -> LC:
        """a / b in the field (0 when b = 0)."""
        s = self._hinted(name)
        self._seg.tape.binary(OP_DIV, s, as_lc(a), as_lc(b))
        return LC.slot(s)

    def hint_is_zero(self, a: LCLike, name: str) -> LC:
        """1 when a = 0, else 0."""
        s = self._hinted(name)
        self._seg.tape.unary(OP_ISZERO, s, as_lc(a))
        return LC.slot(s)

    def hint_bits(self, a: LCLike, n: int, name: str) -> list[LC]:
        """The n low bits of a's canonical value, least significant first, named name[i]."""
        if not 1 <= n <= MAX_BITS:
            raise CircuitError(f"{self.path(name)}: bit count must be 1..{MAX_BITS}, got {n}")
        outs = [self._hinted(f"{name}[{i}]") for i in range(n)]
        self._seg.tape.bits(outs, as_lc(a))
        return [LC.slot(s) for s in outs]

    def hint_divmod(self, a: LCLike, b: LCLike, name: str, signed: bool = False) -> tuple[LC, LC]:
        """Integer quotient and remainder of a by b (a read as signed when signed=True: floor
        division, 0 <= remainder < b), named name/q and name/r."""
        q, r = self._hinted(f"{name}/q"), self._hinted(f"{name}/r")
        self._seg.tape.divmod(OP_SDIVMOD if signed else OP_DIVMOD, q, r, as_lc(a), as_lc(b))
        return LC.slot(q), LC.slot(r)

    def hint_py(self, fn: PyHint, inputs: Sequence[LCLike], n_out: int, name: str) -> list[LC]:
        """Outputs computed by a Python function of the inputs' values (slow path: the native
        solver returns to Python for it; keep it out of loops that run a million times)."""
        in_slots = []
        for i, x in enumerate(inputs):
            lc = as_lc(x)
            s = lc.single_slot()
            if s is None:
                s = self._new_slot(f"{name}/arg{i}")
                self._seg.tape.lin(s, lc)
            in_slots.append(s)
        outs = [self._hinted(f"{name}[{i}]") for i in range(n_out)]
        self.py_hints.append(fn)
        self._seg.tape.py(len(self.py_hints) - 1, in_slots, outs)
        return [LC.slot(s) for s in outs]

    # -- templates ----------------------------------------------------------------------------
    def call(self, template: Compiled, inputs: Sequence[LCLike], name: str) -> list[LC]:
        """Stamp a compiled template; returns its outputs as LCs over this circuit's slots."""
        if len(inputs) != template.n_placeholders:
            raise CircuitError(f"{template.name} takes {template.n_placeholders} inputs, got {len(inputs)}")
        in_slots = []
        for i, x in enumerate(inputs):
            lc = as_lc(x)
            s = lc.single_slot()
            if s is None or s in in_slots:
                # A placeholder is one distinct slot: bind a linear combination (or a repeated
                # signal) through a new signal that folding substitutes back.
                s = self._new_slot(f"{name}/{template.placeholder_name(i)}")
                self._seg.tape.lin(s, lc)
                self._seg.rows.append(
                    Row({ONE_SLOT: 1}, dict(lc.t), {s: 1}, self.path(f"{name}/in{i}"), pivot=s)
                )
            in_slots.append(s)
        key = id(template)
        if key not in self._registered:
            self._registered[key] = (self.pool.extend(template.pool), len(self.py_hints))
            self.py_hints.extend(template.py_hints)
        const_base, hint_base = self._registered[key]
        inst = Instance(template, self.n_slots, in_slots, self.path(name), const_base, hint_base)
        self.n_slots += template.n_internal
        self.segments.append(inst)
        self.instances.append(inst)
        return [inst_output(inst, out) for out in template.outputs]

    # -- compile -----------------------------------------------------------------------------------
    def compile_template(self, outputs: Sequence[LCLike]) -> Compiled:
        return compile_circuit(self, [as_lc(o) for o in outputs])

    def compile(self) -> Program:
        """Fold, lay out wires as circom does, and return the program (R1CS + witness solver)."""
        if self.n_placeholders:
            raise CircuitError("a template body is compiled with compile_template(outputs)")
        return Program(compile_circuit(self, []))


def inst_output(inst: Instance, out: LC) -> LC:
    """A template output (over template-local slots) in the caller's slots."""
    t = inst.template
    first_internal = 1 + t.n_placeholders
    terms: dict[int, int] = {}
    for s, c in out.t.items():
        if s == ONE_SLOT:
            g = ONE_SLOT
        elif s < first_internal:
            g = inst.inputs[s - 1]
        else:
            g = inst.base + s - first_internal
        terms[g] = c
    return LC(terms)
