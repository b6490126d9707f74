"""The fixed-depth 4-ary Poseidon Merkle tree of docs/protocol.md section 3 (twin of the Merkle gadgets).

Leaves are indexed 0 .. 4^depth - 1; at height h the path node is child (index >> 2h) & 3 of its
parent.  Inner node = Poseidon([c0, c1, c2, c3]), empty leaf 0, empty subtree
E(h+1) = Poseidon([E(h)] * 4).  A path is flat and bottom-up: per level the path node's 3 siblings
in child order (its own position skipped), 3 * depth values.  Only non-empty nodes are stored, so a
tree of 4^12 slots costs memory in proportion to the accounts it holds.

Because every leaf has a fixed slot, non-membership of an index is membership of the empty leaf 0
there, and an update's old and new paths share the same siblings: one proof carries both roots.
`hash4` (one list of 4 children -> node) is injectable (a caller may pass the native Poseidon); the
default is the pure-Python twin.  The node does not use this module: its trees are sequencer/tree.py
and sequencer/state_tree.py, on native.merkle and native.poseidon.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from circuits.primitives.field import check_field
from circuits.primitives.poseidon import poseidon
from native.base import MERKLE_ARITY as TREE_ARITY
from native.base import MERKLE_SIBLINGS as TREE_SIBLINGS

ACCOUNT_TREE_DEPTH = 12  # protocol.constants' (this layer sits below protocol; a test ties them)

HashN = Callable[[list[int]], int]

__all__ = [
    "ACCOUNT_TREE_DEPTH",
    "HashN",
    "MerkleProof",
    "SparseMerkleTree",
    "UpdateProof",
    "empty_root",
    "empty_roots",
    "path_digits",
    "root_from_path",
    "verify_membership",
    "verify_non_membership",
    "verify_update",
]


def empty_roots(depth: int, hash4: HashN = poseidon) -> list[int]:
    """E(0) .. E(depth): the roots of empty subtrees of each height."""
    out = [0]
    for _ in range(depth):
        out.append(hash4([out[-1]] * TREE_ARITY))
    return out


@cache
def empty_root(depth: int) -> int:
    """The Poseidon root of an empty tree of this depth (computed once: the batch witness pads
    every slot with the empty order tree's root)."""
    return empty_roots(depth)[depth]


def path_digits(index: int, depth: int) -> list[int]:
    """The child positions (0..3) of a path, leaf level first."""
    return [(index >> (2 * h)) & 3 for h in range(depth)]


def _children(node: int, siblings: list[int] | tuple[int, ...], h: int, pos: int) -> list[int]:
    sib = siblings[TREE_SIBLINGS * h : TREE_SIBLINGS * (h + 1)]
    return [*sib[:pos], node, *sib[pos:]]


def root_from_path(index: int, leaf: int, siblings: list[int], hash4: HashN = poseidon) -> int:
    """Fold a leaf up its path: the root a membership proof claims."""
    node = leaf
    for h, pos in enumerate(path_digits(index, len(siblings) // TREE_SIBLINGS)):
        node = hash4(_children(node, siblings, h, pos))
    return node


@dataclass(frozen=True)
class MerkleProof:
    """index's leaf value and the 3 * depth siblings on its path, leaf level first."""

    index: int
    leaf: int
    siblings: tuple[int, ...]

    def root(self, hash4: HashN = poseidon) -> int:
        return root_from_path(self.index, self.leaf, list(self.siblings), hash4)


@dataclass(frozen=True)
class UpdateProof:
    """A leaf change: the old and new leaf over the one shared path, and both roots."""

    index: int
    old_leaf: int
    new_leaf: int
    siblings: tuple[int, ...]
    old_root: int
    new_root: int


def _check_proof_shape(index: int, siblings: tuple[int, ...] | list[int], depth: int) -> bool:
    return (
        isinstance(index, int)
        and 0 <= index < TREE_ARITY**depth
        and len(siblings) == TREE_SIBLINGS * depth
        and all(isinstance(s, int) and s >= 0 for s in siblings)
    )


def verify_membership(
    root: int, proof: MerkleProof, depth: int = ACCOUNT_TREE_DEPTH, hash4: HashN = poseidon
) -> bool:
    """True when proof.leaf sits at proof.index under root."""
    if not _check_proof_shape(proof.index, proof.siblings, depth):
        return False
    try:
        return proof.root(hash4) == root
    except (TypeError, ValueError):
        return False


def verify_non_membership(
    root: int, proof: MerkleProof, depth: int = ACCOUNT_TREE_DEPTH, hash4: HashN = poseidon
) -> bool:
    """True when the slot proof.index is empty under root."""
    return proof.leaf == 0 and verify_membership(root, proof, depth, hash4)


def verify_update(proof: UpdateProof, depth: int = ACCOUNT_TREE_DEPTH, hash4: HashN = poseidon) -> bool:
    """True when old_leaf under old_root and new_leaf under new_root share proof's path."""
    if not _check_proof_shape(proof.index, proof.siblings, depth):
        return False
    try:
        sibs = list(proof.siblings)
        return (
            root_from_path(proof.index, proof.old_leaf, sibs, hash4) == proof.old_root
            and root_from_path(proof.index, proof.new_leaf, sibs, hash4) == proof.new_root
        )
    except (TypeError, ValueError):
        return False


class SparseMerkleTree:
    """A mutable fixed-depth 4-ary tree storing only non-empty nodes."""

    def __init__(self, depth: int = ACCOUNT_TREE_DEPTH, hash4: HashN = poseidon) -> None:
        if not 1 <= depth <= 32:
            raise ValueError(f"tree depth must be 1..32, got {depth}")
        self.depth = depth
        self.hash4 = hash4
        self.empty = empty_roots(depth, hash4)
        # nodes[h] maps the index of a node at height h (leaves: h = 0) to its value when non-empty.
        self._nodes: list[dict[int, int]] = [{} for _ in range(depth + 1)]

    def _check_index(self, index: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < TREE_ARITY**self.depth:
            raise ValueError(f"leaf index must be 0..4^{self.depth}-1, got {index!r}")

    def node(self, height: int, index: int) -> int:
        return self._nodes[height].get(index, self.empty[height])

    def _kids(self, height: int, parent: int) -> list[int]:
        """The 4 children (at `height`) of node `parent` one level up."""
        return [self.node(height, 4 * parent + c) for c in range(TREE_ARITY)]

    @property
    def root(self) -> int:
        return self.node(self.depth, 0)

    def __len__(self) -> int:
        """Number of non-empty leaves."""
        return len(self._nodes[0])

    def get(self, index: int) -> int:
        self._check_index(index)
        return self.node(0, index)

    def siblings(self, index: int) -> tuple[int, ...]:
        self._check_index(index)
        out: list[int] = []
        for h in range(self.depth):
            i = index >> (2 * h)
            out.extend(v for c, v in enumerate(self._kids(h, i >> 2)) if c != i & 3)
        return tuple(out)

    def prove(self, index: int) -> MerkleProof:
        """Membership proof of the slot's current value (non-membership when it is 0)."""
        return MerkleProof(index, self.get(index), self.siblings(index))

    def _store(self, height: int, index: int, value: int) -> None:
        if value == self.empty[height]:
            self._nodes[height].pop(index, None)
        else:
            self._nodes[height][index] = value

    def set(self, index: int, leaf: int) -> UpdateProof:
        """Write leaf (0 empties the slot) and return the proof of the change."""
        self._check_index(index)
        check_field(leaf, "leaf")
        sibs = self.siblings(index)
        old_leaf, old_root = self.get(index), self.root
        node = leaf
        self._store(0, index, node)
        for h, pos in enumerate(path_digits(index, self.depth)):
            node = self.hash4(_children(node, sibs, h, pos))
            self._store(h + 1, index >> (2 * (h + 1)), node)
        return UpdateProof(index, old_leaf, leaf, sibs, old_root, node)

    def set_many(self, leaves: dict[int, int]) -> int:
        """Write many leaves, hashing each touched inner node once; returns the new root."""
        for index, leaf in leaves.items():
            self._check_index(index)
            check_field(leaf, "leaf")
        touched = set()
        for index, leaf in leaves.items():
            self._store(0, index, leaf)
            touched.add(index >> 2)
        for h in range(1, self.depth + 1):
            for idx in touched:
                self._store(h, idx, self.hash4(self._kids(h - 1, idx)))
            touched = {idx >> 2 for idx in touched}
        return self.root
