"""Constants and input checks shared by native.groth16 and its twin native.ref.groth16, kept free
of py_ecc so the native prover's import path stays light."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

COEF_RECORD = 12 + 32
BLAKE2B_STATE_SIZE = 216
_IV = (
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
)  # fmt: skip


@dataclass(frozen=True)
class Group:
    name: str
    lem_size: int


GROUPS = {"G1": Group("G1", 64), "G2": Group("G2", 128)}


def group_of(group: str) -> Group:
    try:
        return GROUPS[group]
    except KeyError:
        raise ValueError(f"group must be 'G1' or 'G2', got {group!r}") from None


def raw_view(buf: Any, what: str) -> memoryview:
    try:
        return memoryview(buf).cast("B")
    except TypeError as exc:
        raise TypeError(f"{what} must be a contiguous bytes-like buffer") from exc


def coef_count(coefs: Any) -> int:
    """Number of records in a zkey coefficients section, after checking its length."""
    mv = raw_view(coefs, "coefficients section")
    if len(mv) < 4:
        raise ValueError("coefficients section is shorter than its count")
    (n,) = struct.unpack_from("<I", mv, 0)
    if len(mv) != 4 + COEF_RECORD * n:
        raise ValueError(f"coefficients section: {n} records need {4 + COEF_RECORD * n} bytes, got {len(mv)}")
    return n


def blake2b_init() -> bytearray:
    """A fresh 64-byte-digest BLAKE2b state (no key) in the 216-byte partial-hash layout."""
    state = bytearray(BLAKE2B_STATE_SIZE)
    h = list(_IV)
    h[0] ^= 0x01010040
    state[128:192] = struct.pack("<8Q", *h)
    return state
