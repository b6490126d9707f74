"""The fixed-depth Poseidon Merkle tree of docs/protocol.md section 3 (twin of the Merkle gadgets).

Leaves are indexed 0 .. 2^depth - 1; bit i of the index (least significant first) says whether the
node on the path at height i is a right child.  Inner node = Poseidon([left, right]), empty leaf 0,
empty subtree E(h+1) = Poseidon([E(h), E(h)]).  Only non-empty nodes are stored, so a tree of 2^24
slots costs memory in proportion to the accounts it holds.

Because every leaf has a fixed slot, non-membership of an index is membership of the empty leaf 0
there, and an update's old and new paths share the same siblings: one proof carries both roots.
`hash2` is injectable (a caller may pass the native Poseidon); the default is the pure-Python twin.
The node does not use this module: its trees are sequencer/tree.py and sequencer/state_tree.py,
on native.merkle and native.poseidon.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from circuits.primitives.field import check_field
from circuits.primitives.poseidon import poseidon

ACCOUNT_TREE_DEPTH = 24

Hash2 = Callable[[int, int], int]


def poseidon2(left: int, right: int) -> int:
    return poseidon([left, right])


def empty_roots(depth: int, hash2: Hash2 = poseidon2) -> list[int]:
    """E(0) .. E(depth): the roots of empty subtrees of each height."""
    out = [0]
    for _ in range(depth):
        out.append(hash2(out[-1], out[-1]))
    return out


def path_bits(index: int, depth: int) -> list[int]:
    """The side bits of a path, leaf level first (1 = the path node is a right child)."""
    return [(index >> i) & 1 for i in range(depth)]


def root_from_path(index: int, leaf: int, siblings: list[int], hash2: Hash2 = poseidon2) -> int:
    """Fold a leaf up its path: the root a membership proof claims."""
    node = leaf
    for i, sib in enumerate(siblings):
        node = hash2(sib, node) if (index >> i) & 1 else hash2(node, sib)
    return node


@dataclass(frozen=True)
class MerkleProof:
    """index's leaf value and the siblings on its path, leaf level first."""

    index: int
    leaf: int
    siblings: tuple[int, ...]

    def root(self, hash2: Hash2 = poseidon2) -> int:
        return root_from_path(self.index, self.leaf, list(self.siblings), hash2)


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
        and 0 <= index < (1 << depth)
        and len(siblings) == depth
        and all(isinstance(s, int) and s >= 0 for s in siblings)
    )


def verify_membership(
    root: int, proof: MerkleProof, depth: int = ACCOUNT_TREE_DEPTH, hash2: Hash2 = poseidon2
) -> bool:
    """True when proof.leaf sits at proof.index under root."""
    if not _check_proof_shape(proof.index, proof.siblings, depth):
        return False
    try:
        return proof.root(hash2) == root
    except (TypeError, ValueError):
        return False


def verify_non_membership(
    root: int, proof: MerkleProof, depth: int = ACCOUNT_TREE_DEPTH, hash2: Hash2 = poseidon2
) -> bool:
    """True when the slot proof.index is empty under root."""
    return proof.leaf == 0 and verify_membership(root, proof, depth, hash2)


def verify_update(proof: UpdateProof, depth: int = ACCOUNT_TREE_DEPTH, hash2: Hash2 = poseidon2) -> bool:
    """True when old_leaf under old_root and new_leaf under new_root share proof's path."""
    if not _check_proof_shape(proof.index, proof.siblings, depth):
        return False
    try:
        sibs = list(proof.siblings)
        return (
            root_from_path(proof.index, proof.old_leaf, sibs, hash2) == proof.old_root
            and root_from_path(proof.index, proof.new_leaf, sibs, hash2) == proof.new_root
        )
    except (TypeError, ValueError):
        return False


class SparseMerkleTree:
    """A mutable fixed-depth tree storing only non-empty nodes."""

    def __init__(self, depth: int = ACCOUNT_TREE_DEPTH, hash2: Hash2 = poseidon2) -> None:
        if not 1 <= depth <= 64:
            raise ValueError(f"tree depth must be 1..64, got {depth}")
        self.depth = depth
        self.hash2 = hash2
        self.empty = empty_roots(depth, hash2)
        # nodes[h] maps the index of a node at height h (leaves: h = 0) to its value when non-empty.
        self._nodes: list[dict[int, int]] = [{} for _ in range(depth + 1)]

    def _check_index(self, index: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < (1 << self.depth):
            raise ValueError(f"leaf index must be 0..2^{self.depth}-1, got {index!r}")

    def node(self, height: int, index: int) -> int:
        return self._nodes[height].get(index, self.empty[height])

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
        return tuple(self.node(h, (index >> h) ^ 1) for h in range(self.depth))

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
        for h in range(self.depth):
            idx = index >> h
            node = self.hash2(sibs[h], node) if idx & 1 else self.hash2(node, sibs[h])
            self._store(h + 1, idx >> 1, node)
        return UpdateProof(index, old_leaf, leaf, sibs, old_root, node)

    def set_many(self, leaves: dict[int, int]) -> int:
        """Write many leaves, hashing each touched inner node once; returns the new root."""
        for index, leaf in leaves.items():
            self._check_index(index)
            check_field(leaf, "leaf")
        touched = set()
        for index, leaf in leaves.items():
            self._store(0, index, leaf)
            touched.add(index >> 1)
        for h in range(1, self.depth + 1):
            for idx in touched:
                self._store(h, idx, self.hash2(self.node(h - 1, 2 * idx), self.node(h - 1, 2 * idx + 1)))
            touched = {idx >> 1 for idx in touched}
        return self.root
