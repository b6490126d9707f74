"""The iden3 binary container shared by `.r1cs`, `.wtns`, `.zkey` and `.ptau` files.

Layout (all integers little-endian): 4-byte magic ("r1cs", "wtns", "zkey", "ptau"), uint32 version,
uint32 number of sections, then each section as uint32 type, uint64 byte length, payload.  A type
may in principle repeat; the readers here ask for unique sections, as snarkjs does.

Reading maps the file (no copy): section payloads are memoryviews into the mapping, so a 1 GiB
`.ptau` costs no resident memory until its pages are touched and point sections go straight to the
native core.  Writing streams section by section and patches each length afterwards, so large
sections never need to sit in memory as one object.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "BinFile",
    "BinWriter",
    "FormatError",
    "SectionRef",
    "encode_binfile",
    "open_writer",
    "read_binfile",
    "write_binfile",
]

HEADER = struct.Struct("<4sII")
SECTION_HEADER = struct.Struct("<IQ")


class FormatError(ValueError):
    """A file is not of the expected kind or is malformed; the message says which file and what."""


@dataclass(frozen=True)
class SectionRef:
    type: int
    offset: int  # of the payload, from the start of the file
    size: int


@dataclass
class BinFile:
    """A parsed container: magic, version and the sections in file order (payloads not copied)."""

    magic: str
    version: int
    sections: list[SectionRef]
    data: memoryview
    name: str = "<bytes>"
    _mmap: mmap.mmap | None = field(default=None, repr=False)

    @property
    def order(self) -> list[int]:
        return [s.type for s in self.sections]

    def has(self, section_type: int) -> bool:
        return any(s.type == section_type for s in self.sections)

    def ref(self, section_type: int) -> SectionRef:
        found = [s for s in self.sections if s.type == section_type]
        if not found:
            raise FormatError(f"{self.name}: missing section {section_type}")
        if len(found) > 1:
            raise FormatError(f"{self.name}: section {section_type} is duplicated")
        return found[0]

    def section(self, section_type: int) -> memoryview:
        s = self.ref(section_type)
        return self.data[s.offset : s.offset + s.size]

    def section_or_none(self, section_type: int) -> memoryview | None:
        return self.section(section_type) if self.has(section_type) else None

    def close(self) -> None:
        """Unmap now if no view of the payloads is still alive; otherwise the mapping goes when the
        last view does (numpy arrays made from sections keep it alive, which is what they need)."""
        try:
            self.data.release()
            if self._mmap is not None:
                self._mmap.close()
        except BufferError:
            pass
        self._mmap = None

    def __enter__(self) -> BinFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _parse(data: memoryview, magic: str, max_version: int, name: str) -> tuple[int, list[SectionRef]]:
    if len(data) < HEADER.size:
        raise FormatError(f"{name}: too short to be a {magic} file")
    got_magic, version, n_sections = HEADER.unpack_from(data, 0)
    if got_magic != magic.encode():
        raise FormatError(f"{name}: not a {magic} file (magic {bytes(got_magic)!r})")
    if version > max_version:
        raise FormatError(f"{name}: {magic} version {version} is not supported (max {max_version})")
    pos = HEADER.size
    sections: list[SectionRef] = []
    for i in range(n_sections):
        if pos + SECTION_HEADER.size > len(data):
            raise FormatError(f"{name}: truncated in the header of section #{i}")
        stype, size = SECTION_HEADER.unpack_from(data, pos)
        pos += SECTION_HEADER.size
        if pos + size > len(data):
            raise FormatError(f"{name}: section {stype} claims {size} bytes but the file ends first")
        sections.append(SectionRef(stype, pos, size))
        pos += size
    if pos != len(data):
        raise FormatError(f"{name}: {len(data) - pos} trailing bytes after the last section")
    return version, sections


def read_binfile(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview, magic: str, max_version: int
) -> BinFile:
    """Open a container from a path (memory-mapped, read-only) or from bytes already in memory."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = memoryview(source).cast("B")
        version, sections = _parse(data, magic, max_version, "<bytes>")
        return BinFile(magic, version, sections, data)
    path = Path(source)
    name = str(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise FormatError(f"{name}: empty file")
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError:
        raise FormatError(f"{name}: no such file") from None
    data = memoryview(mm)
    try:
        version, sections = _parse(data, magic, max_version, name)
    except FormatError:
        data.release()
        mm.close()
        raise
    return BinFile(magic, version, sections, data, name, mm)


class BinWriter:
    """Streams a container to a file: `with w.section(t): w.write(...)` patches the length after."""

    def __init__(self, fh: BinaryIO, magic: str, version: int, n_sections: int) -> None:
        if len(magic) != 4:
            raise ValueError("magic must be 4 characters")
        self.fh = fh
        self._open: int | None = None
        fh.write(HEADER.pack(magic.encode(), version, n_sections))

    @contextmanager
    def section(self, section_type: int) -> Iterator[BinWriter]:
        if self._open is not None:
            raise RuntimeError("a section is already being written")
        self.fh.write(SECTION_HEADER.pack(section_type, 0))
        self._open = self.fh.tell()
        try:
            yield self
        finally:
            start, self._open = self._open, None
        end = self.fh.tell()
        self.fh.seek(start - 8)
        self.fh.write(struct.pack("<Q", end - start))
        self.fh.seek(end)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.fh.write(data)

    def u32(self, value: int) -> None:
        self.fh.write(struct.pack("<I", value))

    def u64(self, value: int) -> None:
        self.fh.write(struct.pack("<Q", value))

    def bigint(self, value: int, n8: int) -> None:
        self.fh.write(value.to_bytes(n8, "little"))


@contextmanager
def open_writer(
    path: str | os.PathLike[str], magic: str, version: int, n_sections: int
) -> Iterator[BinWriter]:
    """Write a container to `path` atomically: a temporary file renamed into place on success, so a
    failed or interrupted write never leaves a half-written file under the final name."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            yield BinWriter(fh, magic, version, n_sections)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_binfile(
    path: str | os.PathLike[str],
    magic: str,
    version: int,
    sections: list[tuple[int, bytes | bytearray | memoryview]],
) -> None:
    """Write a container whose section payloads are already in memory, in the given order."""
    with open_writer(path, magic, version, len(sections)) as w:
        for stype, payload in sections:
            with w.section(stype):
                w.write(payload)


def encode_binfile(
    magic: str, version: int, sections: Sequence[tuple[int, bytes | bytearray | memoryview]]
) -> bytes:
    parts = [HEADER.pack(magic.encode(), version, len(sections))]
    for stype, payload in sections:
        parts.append(SECTION_HEADER.pack(stype, len(payload)))
        parts.append(bytes(payload))
    return b"".join(parts)
