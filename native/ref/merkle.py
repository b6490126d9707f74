"""Reference Merkle path hashing on plain ints (twin of native.merkle)."""

from __future__ import annotations

from circuits.primitives.poseidon import poseidon
from native.ref.fields import FR_MODULUS

MAX_DEPTH = 64


def check_path_inputs(leaf: int, siblings: list[int], index: int) -> None:
    depth = len(siblings)
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"a Merkle path has 1..{MAX_DEPTH} siblings, got {depth}")
    if not isinstance(index, int) or not 0 <= index < (1 << depth):
        raise ValueError(f"leaf index must be in [0, 2^{depth}), got {index!r}")
    for what, x in (("leaf", leaf), *((f"sibling {h}", s) for h, s in enumerate(siblings))):
        if not isinstance(x, int) or isinstance(x, bool) or not 0 <= x < FR_MODULUS:
            raise ValueError(f"{what} is not a canonical field element (0 <= x < r)")


def merkle_path(leaf: int, siblings: list[int], index: int) -> list[int]:
    """Nodes at heights 1..depth above `leaf` at `index` (the last one is the root)."""
    check_path_inputs(leaf, siblings, index)
    nodes: list[int] = []
    cur = leaf
    for h, sib in enumerate(siblings):
        cur = poseidon([sib, cur] if (index >> h) & 1 else [cur, sib])
        nodes.append(cur)
    return nodes


def merkle_root(leaf: int, siblings: list[int], index: int) -> int:
    return merkle_path(leaf, siblings, index)[-1]
