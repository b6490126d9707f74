"""Fixed-depth sparse 4-ary Poseidon Merkle tree (protocol.md §3) with two ways to apply leaf updates.

A node at height h and index i has children 4i .. 4i+3 at height h - 1 and is
Poseidon([c0, c1, c2, c3]); leaf `index`'s ancestor at height h is index >> 2h.

- `update(index, leaf)`: one leaf, in order, returning its siblings (the Merkle path the circuit
  checks: 3 per level, flat, bottom-up, in child order skipping the path's own child); the whole
  path is hashed in one native call (`native.merkle`).
- `batch_update(trees_and_leaves)`: many leaves of many trees of one depth at once, level by level,
  hashing every distinct dirty node once (shared upper nodes are hashed once, not once per leaf).
  This is what computes a batch's root cheaply.  It is `HashPlan` + `plan_update`: the rows of
  every level (a node's dirty children referring to their own rows) go into one plan, hashed by one
  native call (`native.poseidon.poseidon_dag`, the GIL released for all of it) with whatever else
  the caller adds; the values are stored once the plan has run.  A leaf may itself be a row of the
  plan (a reference), so a closed batch's every hash is one call (sequencer.state_tree).

Nodes are kept in one dict per level (index -> value); a node equal to the empty subtree hash of its
height is not stored, so an empty tree costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from native.merkle import merkle_path
from native.poseidon import poseidon, poseidon_dag


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


class HashPlan:
    """Rows for one `poseidon_dag` call: `row` returns a reference (-k-1) to a row's hash that later
    rows (and `value`) take in place of a field element; tree nodes to store once it has run."""

    __slots__ = ("rows", "stores", "values")

    def __init__(self) -> None:
        self.rows: list[list[int]] = []
        self.stores: list[tuple[SparseMerkleTree, int, int, int]] = []  # tree, height, index, value/ref
        self.values: list[int] = []

    def row(self, row: list[int]) -> int:
        self.rows.append(row)
        return -len(self.rows)

    def run(self) -> None:
        """Hash every row, then store every planned node."""
        self.values = poseidon_dag(self.rows)
        value = self.value
        for t, h, i, v in self.stores:
            t._store(h, i, value(v))

    def value(self, v: int) -> int:
        """A field element, or the hash a reference stands for (after `run`)."""
        return self.values[-v - 1] if v < 0 else v


def plan_update(plan: HashPlan, jobs: list[tuple[SparseMerkleTree, dict[int, int]]]) -> list[int]:
    """Plan setting {index: leaf} (a leaf may be a reference) in each tree (all of one depth),
    each dirty node hashed once; returns each tree's new root (a reference; the current root for a
    tree without leaves)."""
    roots = [t.root for t, _ in jobs]
    if not jobs:
        return roots
    depth = jobs[0][0].depth
    if any(t.depth != depth for t, _ in jobs):
        raise ValueError("batch_update takes trees of one depth")
    trees = [t for t, _ in jobs]
    # the dirty nodes of all trees in one sorted list of keys (tree number, index) packed as
    # n << 2(depth - h) | index at height h, so a key's parent is key >> 2 and each level is one
    # loop however many trees take part (a batch touches ~1,000s of order trees, most with a single
    # dirty path); `made` maps a dirty key of the level below to its value or row reference
    made: dict[int, int] = {}
    stores = plan.stores
    for n, (t, leaves) in enumerate(jobs):
        base = n << (2 * depth)
        for i, v in leaves.items():
            stores.append((t, 0, i, v))
            made[base | i] = v
    empty = trees[0].empty
    for h in range(depth):
        parents = sorted({k >> 2 for k in made})
        shift = 2 * (depth - h - 1)
        mask = (1 << shift) - 1
        e = empty[h]
        above: dict[int, int] = {}
        for p in parents:
            t = trees[p >> shift]
            level = t.levels[h]
            c = (p & mask) << 2
            k = p << 2
            ref = plan.row(
                [
                    made[k] if k in made else level.get(c, e),
                    made[k | 1] if k | 1 in made else level.get(c | 1, e),
                    made[k | 2] if k | 2 in made else level.get(c | 2, e),
                    made[k | 3] if k | 3 in made else level.get(c | 3, e),
                ]
            )
            stores.append((t, h + 1, p & mask, ref))
            above[p] = ref
        made = above
    for p, ref in made.items():  # the roots: one key per tree with leaves
        roots[p] = ref
    return roots


def batch_update(work: Iterable[tuple[SparseMerkleTree, dict[int, int]]]) -> None:
    """Apply {index: leaf} to each tree (all of one depth), hashing each dirty node once."""
    jobs = [(t, leaves) for t, leaves in work if leaves]
    if not jobs:
        return
    plan = HashPlan()
    plan_update(plan, jobs)
    plan.run()
