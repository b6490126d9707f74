"""Loads the compiled extension and holds the helpers every wrapper shares for crossing the C boundary."""

from __future__ import annotations

from typing import Any

try:
    from native._zkclear_native import ffi, lib
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "zkclear's native core is not built; run `make install` (or `python setup.py build_ext --inplace`)"
    ) from exc

__all__ = ["as_u64", "buffer_to_ints", "ffi", "int_to_limbs", "ints_to_buffer", "lib", "new_u64"]

ELEMENT_BYTES = 32


def new_u64(n_elements: int) -> Any:
    """A zeroed C buffer of n field elements (4 limbs each)."""
    return ffi.new("uint64_t[]", 4 * max(n_elements, 1))


def as_u64(buf: Any, n_elements: int, what: str = "buffer") -> Any:
    """View a contiguous bytes-like object as uint64_t[], checking it holds exactly n elements."""
    mv = memoryview(buf)
    if not mv.contiguous:
        raise ValueError(f"{what} must be a contiguous buffer")
    if mv.nbytes != ELEMENT_BYTES * n_elements:
        raise ValueError(f"{what} must be {ELEMENT_BYTES * n_elements} bytes, got {mv.nbytes}")
    return ffi.from_buffer("uint64_t[]", buf)


def int_to_limbs(x: int) -> Any:
    return ffi.new("uint64_t[4]", [(x >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(4)])


def ints_to_buffer(values: list[int]) -> bytes:
    """Little-endian 32-byte encoding of each value, concatenated (the std layout)."""
    return b"".join(v.to_bytes(ELEMENT_BYTES, "little") for v in values)


def buffer_to_ints(buf: Any) -> list[int]:
    raw = bytes(ffi.buffer(buf)) if isinstance(buf, ffi.CData) else bytes(buf)
    return [int.from_bytes(raw[i : i + ELEMENT_BYTES], "little") for i in range(0, len(raw), ELEMENT_BYTES)]
