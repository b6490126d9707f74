"""Fixed-depth 4-ary Poseidon Merkle tree twin (docs/protocol.md section 3), against circomlibjs's Poseidon."""

from __future__ import annotations

import json
import random

import pytest

from circuits.primitives import smt
from circuits.primitives.field import R
from circuits.primitives.poseidon import poseidon
from native.poseidon import poseidon as native_poseidon
from protocol import constants as C
from tests.conftest import run_node_json

DEPTH = 3  # 64 leaves


def fresh(depth: int = DEPTH) -> smt.SparseMerkleTree:
    return smt.SparseMerkleTree(depth)


def test_layout_constants_match_the_protocol() -> None:
    assert (smt.ACCOUNT_TREE_DEPTH, smt.TREE_ARITY, smt.TREE_SIBLINGS) == (
        C.ACCOUNT_TREE_DEPTH,
        C.TREE_ARITY,
        C.TREE_SIBLINGS,
    )
    assert C.TREE_ARITY**C.ACCOUNT_TREE_DEPTH == C.MAX_ACCOUNTS == 1 << C.ACCOUNT_ID_BITS == 1 << 24
    assert C.TREE_ARITY**C.ORDER_TREE_DEPTH == C.ORDER_SLOTS == 1024


def test_empty_roots() -> None:
    e = smt.empty_roots(3)
    assert e[0] == 0 and e[1] == poseidon([0, 0, 0, 0]) and e[3] == poseidon([e[2]] * 4)
    assert fresh().root == smt.empty_roots(DEPTH)[DEPTH]


@pytest.mark.node
def test_root_matches_circomlibjs_full_tree() -> None:
    rng = random.Random(4)
    leaves = {i: rng.randrange(R) for i in rng.sample(range(4**DEPTH), 9)}
    tree = fresh()
    for i, v in leaves.items():
        tree.set(i, v)
    script = """
      import { buildPoseidon } from 'circomlibjs';
      const p = await buildPoseidon();
      const [depth, leaves] = JSON.parse(process.argv[1]);
      let level = Array.from({ length: 4 ** depth }, (_, i) => p.F.e(BigInt(leaves[i] ?? '0')));
      while (level.length > 1) {
        const next = [];
        for (let i = 0; i < level.length; i += 4) next.push(p(level.slice(i, i + 4)));
        level = next;
      }
      console.log(JSON.stringify(p.F.toString(level[0])));
    """
    want = run_node_json(script, json.dumps([DEPTH, {str(i): str(v) for i, v in leaves.items()}]))
    assert tree.root == int(str(want))


def test_membership_non_membership_update() -> None:
    tree = fresh()
    up = tree.set(5, 111)
    assert up.old_leaf == 0 and up.new_leaf == 111 and up.new_root == tree.root
    assert smt.verify_update(up, DEPTH)
    proof = tree.prove(5)
    assert smt.verify_membership(tree.root, proof, DEPTH)
    assert not smt.verify_non_membership(tree.root, proof, DEPTH)
    empty = tree.prove(6)
    assert smt.verify_non_membership(tree.root, empty, DEPTH)
    # A membership claim with another value, index or sibling fails.
    assert not smt.verify_membership(tree.root, smt.MerkleProof(5, 112, proof.siblings), DEPTH)
    assert not smt.verify_membership(tree.root, smt.MerkleProof(4, 111, proof.siblings), DEPTH)
    bad_sibs = (proof.siblings[0] + 1, *proof.siblings[1:])
    assert not smt.verify_membership(tree.root, smt.MerkleProof(5, 111, bad_sibs), DEPTH)
    # Wrong shape never raises.
    assert len(proof.siblings) == 3 * DEPTH
    assert not smt.verify_membership(tree.root, smt.MerkleProof(5, 111, proof.siblings[:-1]), DEPTH)
    assert not smt.verify_membership(tree.root, smt.MerkleProof(4**DEPTH, 0, proof.siblings), DEPTH)
    # The siblings of a level are in child order: swapping two of them breaks the proof.
    tree.set(4, 44)
    tree.set(6, 66)
    p2 = tree.prove(5)
    sw = list(p2.siblings)
    sw[1], sw[2] = sw[2], sw[1]  # the brothers 4, 6, 7 at height 0: put 7 before 6
    assert smt.verify_membership(tree.root, p2, DEPTH)
    assert not smt.verify_membership(tree.root, smt.MerkleProof(5, 111, tuple(sw)), DEPTH)
    tree.set(4, 0)
    tree.set(6, 0)
    # Update chain: the new root of one update is the old root of the next.
    up2 = tree.set(5, 222)
    assert up2.old_root == up.new_root and up2.old_leaf == 111 and smt.verify_update(up2, DEPTH)
    forged = smt.UpdateProof(5, 111, 333, up2.siblings, up2.old_root, up2.new_root)
    assert not smt.verify_update(forged, DEPTH)
    # Emptying the slot restores the empty tree and frees its nodes.
    tree.set(5, 0)
    assert tree.root == fresh().root and len(tree) == 0


def test_set_many_matches_sequential_sets_and_native_hash() -> None:
    rng = random.Random(9)
    leaves = {rng.randrange(1 << 24): rng.randrange(R) for _ in range(5)}
    seq = smt.SparseMerkleTree()
    for i, v in leaves.items():
        seq.set(i, v)
    bulk = smt.SparseMerkleTree(hash4=native_poseidon)
    assert bulk.set_many(leaves) == seq.root
    for i in leaves:
        assert smt.verify_membership(seq.root, bulk.prove(i))


@pytest.mark.parametrize("index", [-1, 4**DEPTH, 1.0, True, "3"])
def test_bad_index_rejected(index: object) -> None:
    tree = fresh()
    with pytest.raises(ValueError, match="leaf index"):
        tree.set(index, 1)  # type: ignore[arg-type]
    assert tree.root == fresh().root


def test_bad_leaf_rejected() -> None:
    tree = fresh()
    with pytest.raises(ValueError):
        tree.set(0, R)
    assert tree.root == fresh().root
