"""The sparse Merkle tree: sequential and batched updates agree with a naive full recomputation."""

from __future__ import annotations

import random

from circuits.primitives.field import R
from circuits.primitives.merkle import merkle_root
from circuits.primitives.poseidon import poseidon
from sequencer.tree import HashPlan, SparseMerkleTree, batch_update, empty_hashes, plan_update


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


def test_a_plan_with_leaves_that_are_rows_matches_sequential_updates() -> None:
    """plan_update with leaves that are hashes of the same plan (order-slot leaves, account leaves)
    and the per-tree roots it returns, as sequencer.state_tree uses it: one poseidon_dag call."""
    rng = random.Random(4)
    seq = [SparseMerkleTree(3) for _ in range(4)]
    planned = [SparseMerkleTree(3) for _ in range(4)]
    for _round in range(3):
        plan = HashPlan()
        jobs = []
        for s, p in zip(seq, planned, strict=True):
            leaves: dict[int, int] = {}
            for _ in range(rng.randrange(0, 10)):
                i, pre = rng.randrange(64), [rng.randrange(R), rng.randrange(R)]
                s.update(i, poseidon(pre))
                leaves[i] = plan.row(pre)  # a reference: the leaf is this row's hash
            if leaves and rng.random() < 0.3:
                s.update(5, 0)
                leaves[5] = 0  # a cleared leaf among them
            jobs.append((p, leaves))
        roots = plan_update(plan, jobs)
        before = [p.root for p in planned]
        plan.run()
        for s, p, r, b, (_, leaves) in zip(seq, planned, roots, before, jobs, strict=True):
            assert plan.value(r) == s.root == p.root
            assert r < 0 if leaves else r == b
            assert s.levels == p.levels
