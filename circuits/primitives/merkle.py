"""Merkle path hashing on plain ints: the pure-Python twin of native.merkle (the sequencer's
Poseidon trees; node = Poseidon([left, right]))."""

from __future__ import annotations

from circuits.primitives.poseidon import poseidon
from native.base import MAX_MERKLE_DEPTH as MAX_DEPTH
from native.base import check_path_inputs

__all__ = ["MAX_DEPTH", "check_path_inputs", "merkle_path", "merkle_root"]


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
