"""Fixed-depth sparse Poseidon Merkle tree (protocol.md §3) with two ways to apply leaf updates.

- `update(index, leaf)`: one leaf, in order, returning its siblings (the Merkle path the circuit
  checks); the whole path is hashed in one native call (`native.merkle`).
- `batch_update(trees_and_leaves)`: many leaves of many trees of one depth at once, level by level,
  hashing every distinct dirty node once with one `poseidon_many` call per level (shared upper nodes
  are hashed once, not once per leaf).  This is what computes a batch's root cheaply.

Nodes are kept in one dict per level (index -> value); a node equal to the empty subtree hash of its
height is not stored, so an empty tree costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from native.merkle import merkle_path
from native.poseidon import poseidon, poseidon_many


@cache
def empty_hashes(depth: int) -> tuple[int, ...]:
    """E_0 = 0, E_{h+1} = Poseidon([E_h, E_h]) for h < depth."""
    out = [0]
    for _ in range(depth):
        out.append(poseidon([out[-1], out[-1]]))
    return tuple(out)


class SparseMerkleTree:
    __slots__ = ("depth", "empty", "levels")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.empty = empty_hashes(depth)
        self.levels: list[dict[int, int]] = [{} for _ in range(depth + 1)]

    @property
    def root(self) -> int:
        return self.levels[self.depth].get(0, self.empty[self.depth])

    def leaf(self, index: int) -> int:
        return self.levels[0].get(index, 0)

    def siblings(self, index: int) -> list[int]:
        levels, empty = self.levels, self.empty
        return [levels[h].get((index >> h) ^ 1, empty[h]) for h in range(self.depth)]

    def _store(self, h: int, index: int, value: int) -> None:
        if value == self.empty[h]:
            self.levels[h].pop(index, None)
        else:
            self.levels[h][index] = value

    def update(self, index: int, leaf: int) -> list[int]:
        """Set one leaf, rehash its path; returns the siblings (the same before and after)."""
        sib = self.siblings(index)
        nodes = merkle_path(leaf, sib, index)
        self._store(0, index, leaf)
        for h, v in enumerate(nodes, start=1):
            self._store(h, index >> h, v)
        return sib

    def copy(self) -> SparseMerkleTree:
        t = SparseMerkleTree(self.depth)
        t.levels = [dict(level) for level in self.levels]
        return t

    def node_count(self) -> int:
        return sum(len(level) for level in self.levels)

    def to_levels(self) -> list[dict[int, int]]:
        return self.levels

    @classmethod
    def from_levels(cls, depth: int, levels: list[dict[int, int]]) -> SparseMerkleTree:
        t = cls(depth)
        if len(levels) != depth + 1:
            raise ValueError(f"a depth-{depth} tree has {depth + 1} levels, got {len(levels)}")
        t.levels = [dict(level) for level in levels]
        return t


def batch_update(work: Iterable[tuple[SparseMerkleTree, dict[int, int]]]) -> None:
    """Apply {index: leaf} to each tree (all of one depth), hashing each dirty node once."""
    jobs = [(t, leaves) for t, leaves in work if leaves]
    if not jobs:
        return
    depth = jobs[0][0].depth
    if any(t.depth != depth for t, _ in jobs):
        raise ValueError("batch_update takes trees of one depth")
    dirty: list[list[int]] = []
    for t, leaves in jobs:
        for i, v in leaves.items():
            t._store(0, i, v)
        dirty.append(sorted(leaves))
    empty = jobs[0][0].empty
    for h in range(depth):
        rows: list[list[int]] = []
        parents_all: list[list[int]] = []
        e = empty[h]
        for (t, _), idx in zip(jobs, dirty, strict=True):
            level = t.levels[h]
            parents = sorted({i >> 1 for i in idx})
            parents_all.append(parents)
            for p in parents:
                rows.append([level.get(2 * p, e), level.get(2 * p + 1, e)])
        hashes = poseidon_many(rows)
        k = 0
        for (t, _), parents in zip(jobs, parents_all, strict=True):
            for p in parents:
                t._store(h + 1, p, hashes[k])
                k += 1
        dirty = parents_all
