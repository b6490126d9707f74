"""Helpers shared by both ceremony phases: transcript hashing of points, the same-ratio pairing
test, secret scalars kept in wipeable buffers, and snarkjs's hash formatting."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from native.engine import Engine
from prover.formats.points import to_uncompressed

__all__ = [
    "format_hash",
    "hash_u32",
    "same_ratio",
    "secret_scalar",
    "single_point_mul",
]


def hash_u32(hasher: Any, n: int) -> None:
    """snarkjs hashes section lengths as big-endian uint32."""
    hasher.update(struct.pack(">I", n))


def blake2b_512(*parts: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=64)
    for p in parts:
        h.update(p)
    return h.digest()


def uncompressed(pt: Any, group: str) -> bytes:
    return to_uncompressed(pt, group)


def same_ratio(engine: Engine, g1s: Any, g1sx: Any, g2s: Any, g2sx: Any) -> bool:
    """e(g1s, g2sx) == e(g1sx, g2s), i.e. both pairs hide the same exponent.  A zero point never
    passes (as in snarkjs): a contribution cannot be the trivial one."""
    if g1s is None or g1sx is None or g2s is None or g2sx is None:
        return False
    G1 = engine.G1
    return bool(engine.pairing.pairing_check([(g1s, g2sx), (G1.neg(g1sx), g2s)]))


@contextmanager
def secret_scalar(engine: Engine) -> Iterator[bytearray]:
    """A fresh non-zero random Fr element in a buffer that is zeroed when the block ends (toxic
    waste never becomes a Python int in the native engine and never reaches disk)."""
    buf = engine.groth16.random_scalar()
    try:
        yield buf
    finally:
        engine.groth16.wipe(buf)


def single_point_mul(engine: Engine, group: str, pt: Any, scalar: Any) -> Any:
    """pt * scalar where scalar may be a secret buffer (goes through the batch kernel, so the
    scalar stays in C memory)."""
    g = engine.group(group)
    out = engine.groth16.points_scale_powers(group, g.to_lem(pt), scalar, 1)
    return g.from_lem(bytes(out), check=False)


def format_hash(digest: bytes, title: str | None = None) -> str:
    """snarkjs's 4 x 4 grid of big-endian uint32 words."""
    words = [digest[i : i + 4].hex() for i in range(0, 64, 4)]
    lines = ["\t\t" + " ".join(words[4 * r : 4 * r + 4]) for r in range(4)]
    text = "\n".join(lines)
    return f"{title}\n{text}" if title else text
