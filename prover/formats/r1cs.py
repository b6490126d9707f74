"""`.r1cs` files (iden3 format, version 1) as circom writes them and snarkjs reads them.

Sections: 1 header (field size n8, prime, wire counts, label count, constraint count), 2 constraints
(for each constraint the three linear combinations A, B, C, each a uint32 term count followed by
uint32 wire id + n8-byte little-endian coefficient in standard form), 3 wire -> label map (uint64
per wire), and optionally 4/5 (custom gates, PLONK only) which are kept as raw bytes.  circom
writes the constraints before the header (order 2, 1, 3); the order read is kept so a file
written back is byte-identical.

Constraints are held as compressed sparse rows in numpy arrays (term wire ids, coefficient bytes,
offsets per linear combination), so a million-constraint circuit loads in a second or two and
costs tens of bytes per term instead of a Python object per term.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from prover.formats.binfile import FormatError, encode_binfile, open_writer, read_binfile

__all__ = ["R1CS", "read_r1cs", "write_r1cs"]

MAGIC = "r1cs"
VERSION = 1
HEADER_TAIL = struct.Struct("<IIIIQI")

Term = tuple[int, int]  # (wire, coefficient)
LinearCombination = list[Term]
Constraint = tuple[LinearCombination, LinearCombination, LinearCombination]


@dataclass
class R1CS:
    """A rank-1 constraint system: for each constraint, (A.w) * (B.w) = (C.w) over the prime field.

    Wire 0 is the constant 1; then n_pub_out public outputs, n_pub_in public inputs, n_prv_in
    private inputs, then internal wires (the circom/snarkjs ordering).
    """

    prime: int
    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    n_labels: int
    lc_offsets: np.ndarray  # int64[3 * n_constraints + 1]: terms of LC k are [off[k], off[k+1])
    wires: np.ndarray  # uint32[n_terms]
    coefs: np.ndarray  # uint8[n_terms, n8], little-endian standard form
    wire_to_label: np.ndarray | None = None  # uint64[n_wires]
    extra_sections: dict[int, bytes] = field(default_factory=dict)  # custom gates, kept verbatim
    section_order: list[int] = field(default_factory=lambda: [1, 2, 3])
    n8: int = 32

    @property
    def n_constraints(self) -> int:
        return (len(self.lc_offsets) - 1) // 3

    @property
    def n_public(self) -> int:
        """Public signals not counting the constant wire: outputs then public inputs."""
        return self.n_pub_out + self.n_pub_in

    @property
    def n_terms(self) -> int:
        return len(self.wires)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_constraints(
        cls,
        prime: int,
        n_wires: int,
        n_pub_out: int,
        n_pub_in: int,
        n_prv_in: int,
        constraints: Iterable[Constraint],
        wire_to_label: Sequence[int] | None = None,
        n_labels: int | None = None,
    ) -> R1CS:
        """Build from Python lists (small circuits, tests).  Coefficients are reduced mod prime."""
        n8 = _n8_for(prime)
        offsets = [0]
        wires: list[int] = []
        coef_bytes = bytearray()
        for ci, constraint in enumerate(constraints):
            if len(constraint) != 3:
                raise ValueError(f"constraint {ci} must have three linear combinations")
            for lc in constraint:
                for wire, coef in lc:
                    if not 0 <= wire < n_wires:
                        raise ValueError(f"constraint {ci}: wire {wire} out of range (n_wires={n_wires})")
                    wires.append(wire)
                    coef_bytes += (coef % prime).to_bytes(n8, "little")
                offsets.append(len(wires))
        labels = None if wire_to_label is None else np.asarray(wire_to_label, dtype=np.uint64)
        if labels is None:
            labels = np.arange(n_wires, dtype=np.uint64)
        return cls(
            prime=prime,
            n_wires=n_wires,
            n_pub_out=n_pub_out,
            n_pub_in=n_pub_in,
            n_prv_in=n_prv_in,
            n_labels=n_wires if n_labels is None else n_labels,
            lc_offsets=np.asarray(offsets, dtype=np.int64),
            wires=np.asarray(wires, dtype=np.uint32),
            coefs=np.frombuffer(bytes(coef_bytes), dtype=np.uint8).reshape(-1, n8),
            wire_to_label=labels,
            n8=n8,
        )

    # -- access -------------------------------------------------------------------------------
    def lc(self, index: int) -> LinearCombination:
        lo, hi = int(self.lc_offsets[index]), int(self.lc_offsets[index + 1])
        return [
            (int(self.wires[t]), int.from_bytes(self.coefs[t].tobytes(), "little")) for t in range(lo, hi)
        ]

    def constraint(self, index: int) -> Constraint:
        if not 0 <= index < self.n_constraints:
            raise IndexError(f"constraint {index} out of range")
        return self.lc(3 * index), self.lc(3 * index + 1), self.lc(3 * index + 2)

    def constraints(self) -> Iterable[Constraint]:
        for i in range(self.n_constraints):
            yield self.constraint(i)

    def first_unsatisfied(self, witness: Sequence[int]) -> int | None:
        """Index of the first constraint the witness violates, or None (plain ints: for tests)."""
        if len(witness) != self.n_wires:
            raise ValueError(f"witness has {len(witness)} values, the circuit {self.n_wires} wires")
        p = self.prime
        for i, (a, b, c) in enumerate(self.constraints()):
            va = sum(witness[w] * k for w, k in a) % p
            vb = sum(witness[w] * k for w, k in b) % p
            vc = sum(witness[w] * k for w, k in c) % p
            if va * vb % p != vc:
                return i
        return None

    # -- serialisation ------------------------------------------------------------------------
    def header_bytes(self) -> bytes:
        return (
            struct.pack("<I", self.n8)
            + self.prime.to_bytes(self.n8, "little")
            + HEADER_TAIL.pack(
                self.n_wires, self.n_pub_out, self.n_pub_in, self.n_prv_in, self.n_labels, self.n_constraints
            )
        )

    def constraints_bytes(self) -> bytes:
        n_lc = len(self.lc_offsets) - 1
        counts = np.diff(self.lc_offsets)
        rec = 4 + self.n8
        # Byte position of each linear combination's count: its own 4 bytes plus the records before it.
        lc_start = np.zeros(n_lc + 1, dtype=np.int64)
        np.cumsum(4 + rec * counts, out=lc_start[1:])
        out = np.zeros(int(lc_start[-1]), dtype=np.uint8)
        out_u32_counts = counts.astype("<u4").view(np.uint8).reshape(-1, 4)
        out[lc_start[:-1, None] + np.arange(4)] = out_u32_counts
        n_terms = len(self.wires)
        if n_terms:
            lc_of_term = np.repeat(np.arange(n_lc), counts)
            rank = np.arange(n_terms) - self.lc_offsets[:-1][lc_of_term]
            dest = lc_start[:-1][lc_of_term] + 4 + rec * rank
            records = np.empty((n_terms, rec), dtype=np.uint8)
            records[:, :4] = self.wires.astype("<u4").view(np.uint8).reshape(-1, 4)
            records[:, 4:] = self.coefs
            out[dest[:, None] + np.arange(rec)] = records
        return out.tobytes()

    def map_bytes(self) -> bytes:
        labels = self.wire_to_label
        if labels is None:
            labels = np.arange(self.n_wires, dtype=np.uint64)
        if len(labels) != self.n_wires:
            raise ValueError("wire_to_label must have one entry per wire")
        return np.asarray(labels, dtype="<u8").tobytes()

    def sections(self) -> list[tuple[int, bytes]]:
        payload = {1: self.header_bytes, 2: self.constraints_bytes, 3: self.map_bytes}
        out: list[tuple[int, bytes]] = []
        for stype in self.section_order:
            if stype in payload:
                if stype == 3 and self.wire_to_label is None:
                    continue
                out.append((stype, payload[stype]()))
            elif stype in self.extra_sections:
                out.append((stype, self.extra_sections[stype]))
        return out

    def to_bytes(self) -> bytes:
        return encode_binfile(MAGIC, VERSION, self.sections())


def _n8_for(prime: int) -> int:
    return ((prime.bit_length() - 1) // 64 + 1) * 8


def _parse_constraints(
    buf: memoryview, n_constraints: int, n8: int, n_wires: int, name: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw = np.frombuffer(buf, dtype=np.uint8)
    n_lc = 3 * n_constraints
    counts = np.empty(n_lc, dtype=np.int64)
    starts = np.empty(n_lc, dtype=np.int64)  # byte offset of each LC's first record
    rec = 4 + n8
    pos = 0
    size = len(raw)
    unpack = struct.Struct("<I").unpack_from
    for k in range(n_lc):
        if pos + 4 > size:
            raise FormatError(f"{name}: constraints section ends inside constraint {k // 3}")
        (n,) = unpack(buf, pos)
        counts[k] = n
        starts[k] = pos + 4
        pos += 4 + rec * n
    if pos != size:
        raise FormatError(
            f"{name}: constraints section has {size - pos:+d} bytes beyond its {n_constraints} constraints"
        )
    offsets = np.zeros(n_lc + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    n_terms = int(offsets[-1])
    if n_terms == 0:
        return offsets, np.zeros(0, dtype=np.uint32), np.zeros((0, n8), dtype=np.uint8)
    lc_of_term = np.repeat(np.arange(n_lc), counts)
    term_pos = starts[lc_of_term] + rec * (np.arange(n_terms) - offsets[:-1][lc_of_term])
    records = raw[term_pos[:, None] + np.arange(rec)]
    wires = records[:, :4].copy().view("<u4").reshape(-1).astype(np.uint32)
    coefs = np.ascontiguousarray(records[:, 4:])
    if n_terms and int(wires.max()) >= n_wires:
        bad = int(np.argmax(wires >= n_wires))
        raise FormatError(
            f"{name}: term {bad} refers to wire {int(wires[bad])} but there are {n_wires} wires"
        )
    return offsets, wires, coefs


def read_r1cs(source: str | os.PathLike[str] | bytes) -> R1CS:
    """Read an `.r1cs` file (path or bytes)."""
    with read_binfile(source, MAGIC, VERSION) as bf:
        head = bf.section(1)
        if len(head) < 4:
            raise FormatError(f"{bf.name}: header section too short")
        (n8,) = struct.unpack_from("<I", head, 0)
        if len(head) != 4 + n8 + HEADER_TAIL.size:
            raise FormatError(
                f"{bf.name}: header section has {len(head)} bytes, expected {4 + n8 + HEADER_TAIL.size}"
            )
        prime = int.from_bytes(head[4 : 4 + n8], "little")
        n_wires, n_pub_out, n_pub_in, n_prv_in, n_labels, n_constraints = HEADER_TAIL.unpack_from(
            head, 4 + n8
        )
        if n_wires < 1 + n_pub_out + n_pub_in + n_prv_in:
            raise FormatError(f"{bf.name}: {n_wires} wires cannot hold the declared inputs and outputs")
        offsets, wires, coefs = _parse_constraints(bf.section(2), n_constraints, n8, n_wires, bf.name)
        labels = None
        if bf.has(3):
            mp = bf.section(3)
            if len(mp) != 8 * n_wires:
                raise FormatError(f"{bf.name}: wire map has {len(mp)} bytes, expected {8 * n_wires}")
            labels = np.frombuffer(bytes(mp), dtype="<u8").astype(np.uint64)
        extra = {s.type: bytes(bf.section(s.type)) for s in bf.sections if s.type not in (1, 2, 3)}
        return R1CS(
            prime=prime,
            n_wires=n_wires,
            n_pub_out=n_pub_out,
            n_pub_in=n_pub_in,
            n_prv_in=n_prv_in,
            n_labels=n_labels,
            lc_offsets=offsets,
            wires=wires,
            coefs=coefs,
            wire_to_label=labels,
            extra_sections=extra,
            section_order=bf.order,
            n8=n8,
        )


def write_r1cs(path: str | os.PathLike[str], r1cs: R1CS) -> None:
    sections = r1cs.sections()
    with open_writer(path, MAGIC, VERSION, len(sections)) as w:
        for stype, payload in sections:
            with w.section(stype):
                w.write(payload)
