"""`.wtns` witness files (iden3 format, version 2) as circom's witness calculator and snarkjs write them.

Sections: 1 header (uint32 n8, the prime as n8 little-endian bytes, uint32 number of values),
2 the values, each n8 bytes little-endian in standard (not Montgomery) form.  The values section
is exactly the scalar buffer the native MSM takes, so the prover uses it without copying.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from prover.formats.binfile import FormatError, encode_binfile, open_writer, read_binfile

__all__ = ["Witness", "read_wtns", "write_wtns"]

MAGIC = "wtns"
VERSION = 2


@dataclass
class Witness:
    """The full assignment: value i of wire i, as a contiguous little-endian buffer."""

    prime: int
    buffer: bytes | memoryview  # len(self) * n8 bytes
    n8: int = 32

    def __len__(self) -> int:
        return len(self.buffer) // self.n8

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < len(self):
            raise IndexError(f"witness index {i} out of range")
        return int.from_bytes(self.buffer[i * self.n8 : (i + 1) * self.n8], "little")

    def values(self) -> list[int]:
        b = bytes(self.buffer)
        n8 = self.n8
        return [int.from_bytes(b[i : i + n8], "little") for i in range(0, len(b), n8)]

    @classmethod
    def from_values(cls, prime: int, values: Sequence[int]) -> Witness:
        n8 = ((prime.bit_length() - 1) // 64 + 1) * 8
        for i, v in enumerate(values):
            if not 0 <= v < prime:
                raise ValueError(f"witness value {i} is not a canonical field element")
        return cls(prime, b"".join(v.to_bytes(n8, "little") for v in values), n8)

    def first_non_canonical(self) -> int | None:
        for i, v in enumerate(self.values()):
            if v >= self.prime:
                return i
        return None

    def sections(self) -> list[tuple[int, bytes | memoryview]]:
        header = (
            struct.pack("<I", self.n8) + self.prime.to_bytes(self.n8, "little") + struct.pack("<I", len(self))
        )
        return [(1, header), (2, self.buffer)]

    def to_bytes(self) -> bytes:
        return encode_binfile(MAGIC, VERSION, self.sections())


def read_wtns(source: str | os.PathLike[str] | bytes, *, copy: bool = True) -> Witness:
    """Read a `.wtns` file.  With copy=False the values stay a view of the mapped file (the caller
    must not outlive it: used by the prover, which reads the witness once)."""
    bf = read_binfile(source, MAGIC, VERSION)
    try:
        head = bf.section(1)
        if len(head) < 4:
            raise FormatError(f"{bf.name}: header section too short")
        (n8,) = struct.unpack_from("<I", head, 0)
        if len(head) != 8 + n8:
            raise FormatError(f"{bf.name}: header section has {len(head)} bytes, expected {8 + n8}")
        prime = int.from_bytes(head[4 : 4 + n8], "little")
        (n_values,) = struct.unpack_from("<I", head, 4 + n8)
        values = bf.section(2)
        if len(values) != n_values * n8:
            raise FormatError(
                f"{bf.name}: {n_values} values need {n_values * n8} bytes, section has {len(values)}"
            )
        return Witness(prime, bytes(values) if copy else values, n8)
    finally:
        if copy:
            bf.close()


def write_wtns(path: str | os.PathLike[str], witness: Witness) -> None:
    sections = witness.sections()
    with open_writer(path, MAGIC, VERSION, len(sections)) as w:
        for stype, payload in sections:
            with w.section(stype):
                w.write(payload)
