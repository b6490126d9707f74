"""Point encodings shared by the `.zkey` and `.ptau` readers and writers.

Files hold points in snarkjs's LEM layout (Montgomery little-endian affine, infinity all zero);
transcripts hash them in ffjavascript's uncompressed layout (big-endian std coordinates, G2 as
x.c1, x.c0, y.c1, y.c0, infinity all zero).  Conversions and checks go through native.groth16
(the curve module is not needed to read a key, which keeps `zkclear groth16 prove` light).
"""

from __future__ import annotations

from typing import Any

from native.engine import Engine, get_engine
from prover.formats.binfile import FormatError

__all__ = ["G1_SIZE", "G2_SIZE", "read_point", "to_uncompressed", "write_point"]

G1_SIZE = 64
G2_SIZE = 128


def read_point(
    buf: Any, offset: int, group: str, what: str, engine: Engine | None = None, *, check: bool = True
) -> Any:
    """Decode one LEM point at `offset`; check=True requires it on the curve and (G2) in the subgroup."""
    engine = engine or get_engine()
    size = G1_SIZE if group == "G1" else G2_SIZE
    raw = bytes(buf[offset : offset + size])
    if len(raw) != size:
        raise FormatError(f"{what}: truncated point")
    try:
        return engine.groth16.lem_to_points(group, raw, check=check)[0]
    except ValueError as exc:
        raise FormatError(f"{what}: {exc}") from None


def write_point(pt: Any, group: str, engine: Engine | None = None) -> bytes:
    engine = engine or get_engine()
    return engine.groth16.points_to_lem(group, [pt])


def to_uncompressed(pt: Any, group: str) -> bytes:
    """ffjavascript's toRprUncompressed of one affine point (std ints)."""
    if pt is None:
        return bytes(G1_SIZE if group == "G1" else G2_SIZE)
    x, y = pt
    coords = [x, y] if group == "G1" else [x[1], x[0], y[1], y[0]]
    return b"".join(c.to_bytes(32, "big") for c in coords)
