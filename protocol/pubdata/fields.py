"""Byte-level building blocks of the batch public data (protocol.md section 7): the data mode,
fixed-width big-endian integers, signed values in two's complement of their bound's width, and a
reader that rejects malformed data with a message naming the field and its offset."""

from __future__ import annotations

import hashlib
from enum import IntEnum

from protocol.constants import FIELD_MODULUS


class Mode(IntEnum):
    """Where the state diff goes: on L1 in calldata (ROLLUP) or to the data-availability committee
    only, L1 seeing its hash and the committee's signatures (VALIDIUM)."""

    ROLLUP = 0
    VALIDIUM = 1


class PubdataError(ValueError):
    """Malformed public data, or a value outside its bound when encoding."""


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def sha256_blocks(nbytes: int) -> int:
    """64-byte compression blocks SHA-256 runs on a message of nbytes (0x80, the 8-byte length)."""
    return (nbytes + 9 + 63) // 64


def signed_width(bits: int) -> int:
    """Bytes of the two's complement encoding of a signed value with |v| < 2^bits (bits + 1 bits)."""
    return (bits + 1 + 7) // 8


def put_uint(v: int, nbytes: int, bits: int, name: str) -> bytes:
    """v in [0, 2^bits) as nbytes big-endian."""
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < (1 << bits):
        raise PubdataError(f"{name} = {v!r} is not an integer in [0, 2^{bits})")
    return v.to_bytes(nbytes, "big")


def put_int(v: int, bits: int, name: str) -> bytes:
    """Signed v with |v| < 2^bits, two's complement in signed_width(bits) bytes, big-endian."""
    if not isinstance(v, int) or isinstance(v, bool) or not -(1 << bits) < v < (1 << bits):
        raise PubdataError(f"{name} = {v!r} is not an integer with |v| < 2^{bits}")
    n = signed_width(bits)
    return (v % (1 << (8 * n))).to_bytes(n, "big")


def put_field(v: int, name: str) -> bytes:
    """A canonical field element (< r), 32 bytes big-endian."""
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < FIELD_MODULUS:
        raise PubdataError(f"{name} = {v!r} is not a canonical field element (< r)")
    return v.to_bytes(32, "big")


class Reader:
    """Reads fixed-width fields off a byte string; every failure names the field and the offset."""

    def __init__(self, data: bytes, what: str) -> None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise PubdataError(f"{what}: expected bytes, got {type(data).__name__}")
        self.data = bytes(data)
        self.pos = 0
        self.what = what

    def fail(self, msg: str) -> PubdataError:
        return PubdataError(f"{self.what}: {msg}")

    def take(self, n: int, name: str) -> bytes:
        if self.pos + n > len(self.data):
            raise self.fail(
                f"truncated: {name} needs {n} bytes at offset {self.pos}, {len(self.data) - self.pos} left"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint(self, nbytes: int, bits: int, name: str) -> int:
        at = self.pos
        v = int.from_bytes(self.take(nbytes, name), "big")
        if v >= 1 << bits:
            raise self.fail(f"{name} = {v} at offset {at} is not below 2^{bits}")
        return v

    def sint(self, bits: int, name: str) -> int:
        at = self.pos
        n = signed_width(bits)
        raw = int.from_bytes(self.take(n, name), "big")
        v = raw - (1 << (8 * n)) if raw >> (8 * n - 1) else raw
        if not -(1 << bits) < v < (1 << bits):
            raise self.fail(f"{name} = {v} at offset {at} is outside |v| < 2^{bits}")
        return v

    def field(self, name: str) -> int:
        at = self.pos
        v = int.from_bytes(self.take(32, name), "big")
        if v >= FIELD_MODULUS:
            raise self.fail(f"{name} at offset {at} is not a canonical field element (>= r)")
        return v

    def zeros(self, n: int, name: str) -> None:
        at = self.pos
        if any(self.take(n, name)):
            raise self.fail(f"{name} at offset {at} must be {n} zero bytes")

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def end(self) -> None:
        if self.pos != len(self.data):
            raise self.fail(f"{len(self.data) - self.pos} trailing bytes at offset {self.pos}")
