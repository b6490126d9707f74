"""Compiling a built circuit: folding, stamping templates, wire layout, R1CS and witness solving.

`compile_circuit` turns a `Circuit` builder into a `Compiled` (constraints as compressed sparse
rows over the builder's slots, the witness tape, names).  A `Compiled` with placeholders is a
template, stamped into callers; the top-level one is wrapped in a `Program`, which lays the slots
out as circom wires (constant 1, public outputs, public inputs, private inputs, then the internal
signals that survive folding), builds the prover's `R1CS`, solves witnesses and checks them.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from circuits.dsl import vm
from circuits.dsl.fold import Folder, Row, linear_form
from circuits.dsl.lc import LC, ONE_SLOT
from circuits.dsl.segments import (
    INTERNAL,
    PRIVATE_INPUT,
    PUBLIC_INPUT,
    PUBLIC_OUTPUT,
    CircuitError,
    OwnSegment,
    PyHint,
)
from circuits.dsl.tape import ConstPool, relocate
from circuits.primitives.field import R
from native import witness as nw
from prover.formats.r1cs import R1CS, write_r1cs
from prover.formats.wtns import Witness, write_wtns

N8 = 32


# -- constraint blocks (CSR) ----------------------------------------------------------------------
@dataclass
class Block:
    """Constraints as CSR: LC k (3 per constraint: A, B, C) holds terms offsets[k] .. offsets[k+1]."""

    offsets: np.ndarray  # int64[3m + 1]
    slots: np.ndarray  # int64[n_terms]
    coefs: np.ndarray  # uint8[n_terms, 32], little-endian standard form

    @property
    def n_rows(self) -> int:
        return (len(self.offsets) - 1) // 3

    def term_rows(self) -> np.ndarray:
        return np.repeat(np.arange(3 * self.n_rows, dtype=np.int64) // 3, np.diff(self.offsets))

    def row(
        self, i: int, slots: np.ndarray | None = None
    ) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
        sl = self.slots if slots is None else slots
        out = []
        for k in range(3 * i, 3 * i + 3):
            lo, hi = int(self.offsets[k]), int(self.offsets[k + 1])
            out.append({int(sl[t]): int.from_bytes(self.coefs[t].tobytes(), "little") for t in range(lo, hi)})
        return out[0], out[1], out[2]


def encode_rows(rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lc lengths, slots, coefs) of rows in dict form."""
    lens = []
    slots: list[int] = []
    coef = bytearray()
    for row in rows:
        for d in (row.a, row.b, row.c):
            lens.append(len(d))
            for s, c in d.items():
                slots.append(s)
                coef += c.to_bytes(N8, "little")
    return (
        np.asarray(lens, dtype=np.int64),
        np.asarray(slots, dtype=np.int64),
        np.frombuffer(bytes(coef), dtype=np.uint8).reshape(-1, N8),
    )


def join_pieces(pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Block:
    lens = np.concatenate([p[0] for p in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    slots = np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    coefs = np.concatenate([p[2] for p in pieces]) if pieces else np.zeros((0, N8), dtype=np.uint8)
    return Block(offsets, slots, coefs)


# -- names ----------------------------------------------------------------------------------------
@dataclass
class RowNames:
    """Constraint index -> path, without storing a string per stamped constraint."""

    starts: list[int] = field(default_factory=list)
    pieces: list[Any] = field(default_factory=list)  # list[str] or (prefix, Compiled, local rows | None)
    total: int = 0

    def add_own(self, names: list[str]) -> None:
        if names:
            self.starts.append(self.total)
            self.pieces.append(names)
            self.total += len(names)

    def add_block(self, prefix: str, template: Compiled, local_rows: np.ndarray | None, n: int) -> None:
        if n:
            self.starts.append(self.total)
            self.pieces.append((prefix, template, local_rows))
            self.total += n

    def __getitem__(self, i: int) -> str:
        if not 0 <= i < self.total:
            raise IndexError(f"constraint {i} out of range")
        k = bisect.bisect_right(self.starts, i) - 1
        piece, off = self.pieces[k], i - self.starts[k]
        if isinstance(piece, list):
            return piece[off]
        prefix, template, local_rows = piece
        local = off if local_rows is None else int(local_rows[off])
        return f"{prefix}/{template.row_names[local]}"


class SlotNames:
    """Slot -> path for a compiled circuit (own slots by dict, stamped ones through the template)."""

    def __init__(self, own: dict[int, str], instances: list[Instance]) -> None:
        self.own = own
        self.bases = [inst.base for inst in instances]
        self.instances = instances

    def __getitem__(self, s: int) -> str:
        if s in self.own:
            return self.own[s]
        k = bisect.bisect_right(self.bases, s) - 1
        if k >= 0:
            inst = self.instances[k]
            if s < inst.base + inst.n_internal:
                t = inst.template
                return f"{inst.prefix}/{t.slot_names[1 + t.n_placeholders + s - inst.base]}"
        return f"slot{s}"


# -- the builder as the compiler sees it ---------------------------------------------------------------
@dataclass
class Instance:
    """A template stamped into a circuit: its internal slots are base .. base + n_internal - 1."""

    template: Compiled
    base: int
    inputs: list[int]
    prefix: str
    const_base: int
    hint_base: int

    @property
    def n_internal(self) -> int:
        return self.template.n_internal


class CircuitBody(Protocol):
    """What compile_circuit reads of a circuits.dsl.circuit.Circuit (the builder imports this
    module, so the compiler names the builder's shape instead of its class)."""

    name: str
    n_slots: int
    n_placeholders: int
    kinds: dict[int, int]
    slot_names: dict[int, str]
    pool: ConstPool
    py_hints: list[PyHint]
    segments: list[OwnSegment | Instance]
    instances: list[Instance]
    hinted: dict[int, str]
    inputs: dict[str, int]
    outputs: dict[str, int]


# -- the compiled form -------------------------------------------------------------------------------
@dataclass
class Compiled:
    name: str
    n_placeholders: int
    placeholder_names: list[str]
    n_slots: int
    block: Block
    row_names: RowNames
    slot_names: SlotNames
    tape_words: np.ndarray  # uint32
    tape_kinds: np.ndarray  # uint8
    pool: list[int]
    py_hints: list[PyHint]
    outputs: list[LC]
    kinds: dict[int, int]  # non-internal slots
    inputs: dict[str, int]
    public_outputs: dict[str, int]
    folded: int = 0
    _term_rows: np.ndarray | None = None

    @property
    def n_internal(self) -> int:
        return self.n_slots - 1 - self.n_placeholders

    @property
    def n_constraints(self) -> int:
        return self.block.n_rows

    def placeholder_name(self, i: int) -> str:
        return self.placeholder_names[i] if i < len(self.placeholder_names) else f"in{i}"

    def term_rows(self) -> np.ndarray:
        if self._term_rows is None:
            self._term_rows = self.block.term_rows()
        return self._term_rows

    def slot_map(self, inst: Instance) -> np.ndarray:
        return np.concatenate(
            [
                np.zeros(1, dtype=np.int64),
                np.asarray(inst.inputs, dtype=np.int64),
                np.arange(inst.base, inst.base + self.n_internal, dtype=np.int64),
            ]
        )


def _eligible_fn(circuit: CircuitBody, unknown: np.ndarray) -> Any:
    kinds = circuit.kinds

    def eligible(s: int) -> bool:
        return s != ONE_SLOT and kinds.get(s, INTERNAL) == INTERNAL and not unknown[s]

    return eligible


def compile_circuit(circuit: CircuitBody, outputs: list[LC]) -> Compiled:
    n_slots = circuit.n_slots
    own_rows: list[Row] = []
    for seg in circuit.segments:
        if isinstance(seg, OwnSegment):
            own_rows.extend(seg.rows)

    # Every hinted signal must be used by some constraint (or by a template it is passed to).
    used = np.zeros(n_slots, dtype=bool)
    for row in own_rows:
        for s in row.slots():
            used[s] = True
    for inst in circuit.instances:
        used[inst.inputs] = True
    for o in outputs:
        for s in o.slots():
            used[s] = True
    dangling = [name for s, name in circuit.hinted.items() if not used[s]]
    if dangling:
        raise CircuitError(
            f"{circuit.name}: hinted signals used by no constraint: {', '.join(dangling[:10])}"
        )

    # Stamp the template blocks into this circuit's slots.
    inst_slots: list[np.ndarray] = []
    in_block = np.zeros(n_slots, dtype=bool)  # slots some stamped constraint mentions
    for inst in circuit.instances:
        s = inst.template.slot_map(inst)[inst.template.block.slots]
        inst_slots.append(s)
        in_block[s] = True

    # Linear rows of this circuit may eliminate slots that stamped rows use: take those rows out of
    # their blocks into dict form first, so the substitution reaches them.
    cand = np.zeros(n_slots, dtype=bool)
    for row in own_rows:
        if linear_form(row) is None:
            continue
        if row.pivot is not None:
            cand[row.pivot] = True
        for d in (row.a, row.b, row.c):
            for s in d:
                if s != ONE_SLOT and circuit.kinds.get(s, INTERNAL) == INTERNAL:
                    cand[s] = True
    cand &= in_block
    extracted: list[Row] = []
    extracted_rows: list[np.ndarray] = []
    for k, inst in enumerate(circuit.instances):
        t = inst.template
        hit = cand[inst_slots[k]]
        if not hit.any():
            extracted_rows.append(np.zeros(0, dtype=np.int64))
            continue
        rows_hit = np.unique(t.term_rows()[hit])
        extracted_rows.append(rows_hit)
        for lr in rows_hit:
            a, b, c = t.block.row(int(lr), inst_slots[k])
            extracted.append(Row(a, b, c, f"{inst.prefix}/{t.row_names[int(lr)]}", origin=(k, int(lr))))
    unknown = in_block & ~cand

    pseudo = [Row(dict(o.t), {}, {}, f"output{i}", pseudo=True) for i, o in enumerate(outputs)]
    all_rows = own_rows + extracted + pseudo
    folder = Folder(all_rows, _eligible_fn(circuit, unknown))
    folder.run()

    # Assemble constraints in program order; rows taken out of a block follow what is left of it.
    by_inst: dict[int, list[Row]] = {}
    for row in extracted:
        by_inst.setdefault(row.origin[0], []).append(row)  # type: ignore[index]  # extracted rows always carry an origin
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    names = RowNames()
    inst_k = 0
    for seg in circuit.segments:
        if isinstance(seg, OwnSegment):
            alive = [r for r in seg.rows if not r.dead]
            if alive:
                pieces.append(encode_rows(alive))
                names.add_own([r.name for r in alive])
            continue
        k = inst_k
        inst_k += 1
        t = seg.template
        lens3 = np.diff(t.block.offsets)
        removed = extracted_rows[k]
        if len(removed) == 0:
            pieces.append((lens3, inst_slots[k], t.block.coefs))
            names.add_block(seg.prefix, t, None, t.n_constraints)
        else:
            keep_row = np.ones(t.n_constraints, dtype=bool)
            keep_row[removed] = False
            keep_term = keep_row[t.term_rows()]
            pieces.append(
                (lens3.reshape(-1, 3)[keep_row].ravel(), inst_slots[k][keep_term], t.block.coefs[keep_term])
            )
            names.add_block(seg.prefix, t, np.nonzero(keep_row)[0], int(keep_row.sum()))
        alive = [r for r in by_inst.get(k, []) if not r.dead]
        if alive:
            pieces.append(encode_rows(alive))
            names.add_own([r.name for r in alive])
    block = join_pieces(pieces)

    # The tape, in program order.
    words: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    for seg in circuit.segments:
        if isinstance(seg, OwnSegment):
            w, kd = seg.tape.arrays()
        else:
            t = seg.template
            w = relocate(t.tape_words, t.tape_kinds, t.slot_map(seg), seg.const_base, seg.hint_base)
            kd = t.tape_kinds
        words.append(w)
        kinds.append(kd)

    return Compiled(
        name=circuit.name,
        n_placeholders=circuit.n_placeholders,
        placeholder_names=[circuit.slot_names[1 + i] for i in range(circuit.n_placeholders)],
        n_slots=n_slots,
        block=block,
        row_names=names,
        slot_names=SlotNames(circuit.slot_names, circuit.instances),
        tape_words=np.concatenate(words) if words else np.zeros(0, dtype=np.uint32),
        tape_kinds=np.concatenate(kinds) if kinds else np.zeros(0, dtype=np.uint8),
        pool=list(circuit.pool.values),
        py_hints=list(circuit.py_hints),
        outputs=[LC({s: c for s, c in p.a.items()}) for p in pseudo],
        kinds=dict(circuit.kinds),
        inputs=dict(circuit.inputs),
        public_outputs=dict(circuit.outputs),
        folded=folder.eliminated,
    )


# -- the top-level program ------------------------------------------------------------------------
class UnsatisfiedConstraint(ValueError):
    """A witness violates a constraint; `.index` and `.name` say which (the first one)."""

    def __init__(self, index: int, name: str) -> None:
        super().__init__(f"constraint {index} ({name}) is not satisfied")
        self.index = index
        self.name = name


@dataclass
class Solved:
    """A solved witness: wire values (std, little-endian) and every slot's value for debugging."""

    program: Program
    wires: bytes
    slot_values: Any  # native buffer or list[int], see native.witness

    def __len__(self) -> int:
        return len(self.wires) // N8

    def __getitem__(self, wire: int) -> int:
        return int.from_bytes(self.wires[wire * N8 : (wire + 1) * N8], "little")

    def values(self) -> list[int]:
        b = self.wires
        return [int.from_bytes(b[i : i + N8], "little") for i in range(0, len(b), N8)]

    def signal(self, name: str) -> int:
        """Value of a named input or output."""
        p = self.program
        s = p.compiled.inputs.get(name, p.compiled.public_outputs.get(name))
        if s is None:
            raise KeyError(f"no input or output named {name}")
        return self.slot(s)

    def slot(self, s: int) -> int:
        return nw.slot_value(self.slot_values, s)

    def to_wtns(self) -> Any:
        return Witness(R, self.wires, N8)

    def write_wtns(self, path: str | os.PathLike[str]) -> None:
        write_wtns(path, self.to_wtns())


class Program:
    """A compiled top-level circuit: circom wire layout, R1CS, witness solving and checking."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        c = compiled
        by_kind: dict[int, list[int]] = {PUBLIC_OUTPUT: [], PUBLIC_INPUT: [], PRIVATE_INPUT: []}
        for s, k in sorted(c.kinds.items()):
            if k in by_kind:
                by_kind[k].append(s)
        self.n_pub_out = len(by_kind[PUBLIC_OUTPUT])
        self.n_pub_in = len(by_kind[PUBLIC_INPUT])
        self.n_prv_in = len(by_kind[PRIVATE_INPUT])
        special = [ONE_SLOT, *by_kind[PUBLIC_OUTPUT], *by_kind[PUBLIC_INPUT], *by_kind[PRIVATE_INPUT]]
        used = np.zeros(c.n_slots, dtype=bool)
        used[c.block.slots] = True
        used[special] = False
        internal = np.nonzero(used)[0]
        self.wire_slots = np.concatenate([np.asarray(special, dtype=np.int64), internal.astype(np.int64)])
        self.n_wires = len(self.wire_slots)
        self.wire_of_slot = np.full(c.n_slots, -1, dtype=np.int64)
        self.wire_of_slot[self.wire_slots] = np.arange(self.n_wires, dtype=np.int64)
        self._r1cs: Any = None
        self._wires_u32: np.ndarray | None = None

    @property
    def n_constraints(self) -> int:
        return self.compiled.n_constraints

    @property
    def n_public(self) -> int:
        return self.n_pub_out + self.n_pub_in

    def constraint_name(self, i: int) -> str:
        return self.compiled.row_names[i]

    def wire_name(self, w: int) -> str:
        return self.compiled.slot_names[int(self.wire_slots[w])]

    def term_wires(self) -> np.ndarray:
        if self._wires_u32 is None:
            self._wires_u32 = self.wire_of_slot[self.compiled.block.slots].astype(np.uint32)
        return self._wires_u32

    def r1cs(self) -> Any:
        """The prover's R1CS object (snarkjs/circom-compatible)."""
        if self._r1cs is None:
            b = self.compiled.block
            self._r1cs = R1CS(
                prime=R,
                n_wires=self.n_wires,
                n_pub_out=self.n_pub_out,
                n_pub_in=self.n_pub_in,
                n_prv_in=self.n_prv_in,
                n_labels=self.compiled.n_slots,
                lc_offsets=b.offsets,
                wires=self.term_wires(),
                coefs=b.coefs,
                wire_to_label=self.wire_slots.astype(np.uint64),
            )
        return self._r1cs

    def write_r1cs(self, path: str | os.PathLike[str]) -> None:
        write_r1cs(path, self.r1cs())

    # -- witness -----------------------------------------------------------------------------
    def input_assignment(self, inputs: Mapping[str, Any]) -> dict[int, int]:
        """Flatten {name: int | nested lists} into {slot: value}; every input exactly once."""
        flat: dict[str, int] = {}

        def walk(name: str, v: Any) -> None:
            if isinstance(v, list | tuple):
                for i, x in enumerate(v):
                    walk(f"{name}[{i}]", x)
            elif isinstance(v, int) and not isinstance(v, bool):
                if not -R < v < R:
                    raise ValueError(f"input {name} = {v} is out of the field's range (|v| < r)")
                flat[name] = v % R
            elif isinstance(v, str):
                try:
                    walk(name, int(v, 0))
                except ValueError:
                    raise ValueError(f"input {name} is not an integer: {v!r}") from None
            else:
                raise ValueError(f"input {name} must be an int or a list, got {type(v).__name__}")

        for k, v in inputs.items():
            walk(k, v)
        declared = self.compiled.inputs
        unknown = sorted(set(flat) - set(declared))
        if unknown:
            raise ValueError(f"unknown input signals: {', '.join(unknown[:10])}")
        missing = sorted(set(declared) - set(flat))
        if missing:
            raise ValueError(f"missing input signals: {', '.join(missing[:10])}")
        return {declared[n]: v for n, v in flat.items()}

    def solve(self, inputs: Mapping[str, Any], check: bool = True, engine: str = "native") -> Solved:
        """Run the tape on the inputs; with check, raise UnsatisfiedConstraint naming the first
        constraint the witness breaks (wrong inputs, or a gadget bug)."""
        assignment = self.input_assignment(inputs)
        c = self.compiled
        slot_values: np.ndarray | list[int]
        if engine == "native":
            slot_values = nw.run(c.tape_words, c.pool, c.n_slots, assignment, c.py_hints)
            wires = nw.gather(slot_values, self.wire_slots)
        elif engine == "python":
            vals = vm.run(c.tape_words, c.pool, c.n_slots, assignment, c.py_hints)
            slot_values = vals
            wires = b"".join(vals[int(s)].to_bytes(N8, "little") for s in self.wire_slots)
        else:
            raise ValueError(f"unknown engine {engine!r}")
        solved = Solved(self, wires, slot_values)
        if check:
            bad = self.first_unsatisfied(wires)
            if bad is not None:
                raise UnsatisfiedConstraint(bad, self.constraint_name(bad))
        return solved

    def first_unsatisfied(self, wires: bytes | Solved | Sequence[int]) -> int | None:
        """Index of the first constraint the wire values violate, or None."""
        if isinstance(wires, Solved):
            wires = wires.wires
        elif not isinstance(wires, bytes | bytearray | memoryview):
            wires = b"".join((int(v) % R).to_bytes(N8, "little") for v in wires)
        if len(wires) != N8 * self.n_wires:
            raise ValueError(f"witness has {len(wires) // N8} values, the circuit {self.n_wires} wires")
        b = self.compiled.block
        return nw.check(b.offsets, self.term_wires(), b.coefs, wires, self.n_wires)

    def check(self, wires: bytes | Solved | Sequence[int]) -> str | None:
        """Name of the first unsatisfied constraint, or None when the witness satisfies all."""
        bad = self.first_unsatisfied(wires)
        return None if bad is None else self.constraint_name(bad)
