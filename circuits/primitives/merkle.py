"""Merkle path hashing on plain ints: the pure-Python twin of native.merkle (the sequencer's 4-ary
Poseidon trees; node = Poseidon([c0, c1, c2, c3]); per level 3 siblings, flat, in child order)."""

from __future__ import annotations

from circuits.primitives.poseidon import poseidon
from native.base import MAX_MERKLE_DEPTH as MAX_DEPTH
from native.base import MERKLE_SIBLINGS, check_path_inputs

__all__ = ["MAX_DEPTH", "check_path_inputs", "children", "merkle_path", "merkle_root"]


def children(node: int, siblings: list[int] | tuple[int, ...], pos: int) -> list[int]:
    """The 4 children of a level: the path node at child position pos, its 3 siblings around it."""
    return [*siblings[:pos], node, *siblings[pos:]]


def merkle_path(leaf: int, siblings: list[int], index: int) -> list[int]:
    """Nodes at heights 1..depth above `leaf` at `index` (the last one is the root)."""
    check_path_inputs(leaf, siblings, index)
    nodes: list[int] = []
    cur = leaf
    for h in range(len(siblings) // MERKLE_SIBLINGS):
        sib = siblings[MERKLE_SIBLINGS * h : MERKLE_SIBLINGS * (h + 1)]
        cur = poseidon(children(cur, sib, (index >> (2 * h)) & 3))
        nodes.append(cur)
    return nodes


def merkle_root(leaf: int, siblings: list[int], index: int) -> int:
    return merkle_path(leaf, siblings, index)[-1]
