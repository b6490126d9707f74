"""The sparse Merkle tree: sequential and batched updates agree with a naive full recomputation."""

from __future__ import annotations

import random

from circuits.primitives.field import R
from circuits.primitives.merkle import merkle_root
from circuits.primitives.poseidon import poseidon
from sequencer.tree import SparseMerkleTree, batch_update, empty_hashes


def naive_root(depth: int, leaves: dict[int, int]) -> int:
    level = dict(leaves)
    empty = empty_hashes(depth)
    for h in range(depth):
        parents: dict[int, int] = {}
        for p in {i >> 2 for i in level}:
            parents[p] = poseidon([level.get(4 * p + c, empty[h]) for c in range(4)])
        level = parents
    return level.get(0, empty[depth])


def test_empty_root_is_the_empty_subtree_hash() -> None:
    t = SparseMerkleTree(12)
    assert t.root == empty_hashes(12)[12]
    e = empty_hashes(2)
    assert e[0] == 0 and e[1] == poseidon([0, 0, 0, 0]) and e[2] == poseidon([e[1]] * 4)
    assert t.node_count() == 0


def test_sequential_updates_give_valid_paths_and_the_naive_root() -> None:
    rng = random.Random(5)
    t = SparseMerkleTree(4)
    leaves: dict[int, int] = {}
    for _ in range(40):
        i, v = rng.randrange(256), rng.randrange(R)
        sib = t.update(i, v)
        assert len(sib) == 12 and sib == t.siblings(i)
        leaves[i] = v
        assert merkle_root(v, sib, i) == t.root
    assert t.root == naive_root(4, leaves)


def test_sibling_layout() -> None:
    """Per level, bottom-up, the 3 brothers in child order skipping the path's own child."""
    t = SparseMerkleTree(2)
    for i in range(16):
        t.update(i, 100 + i)
    n = [poseidon([100 + 4 * p + c for c in range(4)]) for p in range(4)]
    assert t.root == poseidon(n)
    assert t.siblings(6) == [104, 105, 107, n[0], n[2], n[3]]
    assert t.siblings(0) == [101, 102, 103, n[1], n[2], n[3]]
    assert t.siblings(15) == [112, 113, 114, n[0], n[1], n[2]]


def test_batch_update_matches_sequential_across_trees() -> None:
    rng = random.Random(9)
    seq = [SparseMerkleTree(3) for _ in range(3)]
    bat = [SparseMerkleTree(3) for _ in range(3)]
    for _round in range(3):
        work = []
        for s, b in zip(seq, bat, strict=True):
            ups = {rng.randrange(64): rng.randrange(R) for _ in range(rng.randrange(0, 12))}
            for i, v in ups.items():
                s.update(i, v)
            work.append((b, ups))
        batch_update(work)
        for s, b in zip(seq, bat, strict=True):
            assert s.root == b.root
            assert s.levels == b.levels


def test_clearing_a_leaf_returns_to_the_empty_tree() -> None:
    t = SparseMerkleTree(5)
    t.update(3, 7)
    t.update(900, 8)
    t.update(3, 0)
    batch_update([(t, {900: 0})])
    assert t.root == empty_hashes(5)[5]
    assert t.node_count() == 0
