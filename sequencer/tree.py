"""Fixed-depth sparse 4-ary Poseidon Merkle tree (protocol.md §3) with two ways to apply leaf updates.

A node at height h and index i has children 4i .. 4i+3 at height h - 1 and is
Poseidon([c0, c1, c2, c3]); leaf `index`'s ancestor at height h is index >> 2h.

- `update(index, leaf)`: one leaf, in order, returning its siblings (the Merkle path the circuit
  checks: 3 per level, flat, bottom-up, in child order skipping the path's own child); the whole
  path is hashed in one native call (`native.merkle`).
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
    """E_0 = 0, E_{h+1} = Poseidon([E_h, E_h, E_h, E_h]) for h < depth."""
    out = [0]
    for _ in range(depth):
        out.append(poseidon([out[-1]] * 4))
    return tuple(out)


def sibling_keys(index: int, depth: int) -> list[tuple[int, int]]:
    """(height, index) of the 3 * depth siblings on leaf `index`'s path, in path order: bottom-up,
    per level the path node's 3 brothers in child order."""
    out: list[tuple[int, int]] = []
    for h in range(depth):
        i = index >> (2 * h)
        first = i & ~3
        out.extend((h, first | c) for c in range(4) if first | c != i)
    return out


class SparseMerkleTree:
    __slots__ = ("depth", "empty", "levels", "log")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.empty = empty_hashes(depth)
        self.levels: list[dict[int, int]] = [{} for _ in range(depth + 1)]
        # when not None: (height, index) -> the node's value before its first change since the
        # log was reset (StateTrees keeps one log per closed batch to answer proofs at old roots)
        self.log: dict[tuple[int, int], int] | None = None

    @property
    def root(self) -> int:
        return self.levels[self.depth].get(0, self.empty[self.depth])

    def leaf(self, index: int) -> int:
        return self.levels[0].get(index, 0)

    def siblings(self, index: int) -> list[int]:
        """3 * depth values: per level, bottom-up, the 3 other children in child order."""
        levels, empty = self.levels, self.empty
        return [levels[h].get(i, empty[h]) for h, i in sibling_keys(index, self.depth)]

    def _store(self, h: int, index: int, value: int) -> None:
        log = self.log
        if log is not None and (h, index) not in log:
            log[(h, index)] = self.levels[h].get(index, self.empty[h])
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
            self._store(h, index >> (2 * h), v)
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
    trees = [t for t, _ in jobs]
    # the dirty nodes of all trees in one sorted list of keys (tree number, index) packed as
    # n << 2(depth - h) | index at height h, so a key's parent is key >> 2 and each level is one
    # loop and one poseidon_many call however many trees take part (a batch touches ~1,000s of
    # order trees, most with a single dirty path)
    dirty: list[int] = []
    for n, (t, leaves) in enumerate(jobs):
        for i, v in leaves.items():
            t._store(0, i, v)
        base = n << (2 * depth)
        dirty.extend(base | i for i in leaves)
    empty = trees[0].empty
    for h in range(depth):
        parents = sorted({k >> 2 for k in dirty})
        shift = 2 * (depth - h - 1)
        mask = (1 << shift) - 1
        e = empty[h]
        rows: list[list[int]] = []
        for p in parents:
            level = trees[p >> shift].levels[h]
            c = (p & mask) << 2
            rows.append([level.get(c, e), level.get(c | 1, e), level.get(c | 2, e), level.get(c | 3, e)])
        for p, v in zip(parents, poseidon_many(rows), strict=True):
            trees[p >> shift]._store(h + 1, p & mask, v)
        dirty = parents
