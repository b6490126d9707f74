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
        for p in {i >> 1 for i in level}:
            parents[p] = poseidon([level.get(2 * p, empty[h]), level.get(2 * p + 1, empty[h])])
        level = parents
    return level.get(0, empty[depth])


def test_empty_root_is_the_empty_subtree_hash() -> None:
    t = SparseMerkleTree(24)
    assert t.root == empty_hashes(24)[24]
    assert t.node_count() == 0


def test_sequential_updates_give_valid_paths_and_the_naive_root() -> None:
    rng = random.Random(5)
    t = SparseMerkleTree(8)
    leaves: dict[int, int] = {}
    for _ in range(40):
        i, v = rng.randrange(256), rng.randrange(R)
        sib = t.update(i, v)
        leaves[i] = v
        assert merkle_root(v, sib, i) == t.root
    assert t.root == naive_root(8, leaves)


def test_batch_update_matches_sequential_across_trees() -> None:
    rng = random.Random(9)
    seq = [SparseMerkleTree(6) for _ in range(3)]
    bat = [SparseMerkleTree(6) for _ in range(3)]
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
    t = SparseMerkleTree(10)
    t.update(3, 7)
    t.update(900, 8)
    t.update(3, 0)
    batch_update([(t, {900: 0})])
    assert t.root == empty_hashes(10)[10]
    assert t.node_count() == 0
