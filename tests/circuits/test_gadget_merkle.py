"""4-ary Merkle membership, non-membership and update gadgets against the twin tree (circuits.primitives.smt)."""

from __future__ import annotations

import random

import pytest

from circuits.dsl import Circuit
from circuits.gadgets import merkle
from circuits.primitives import smt
from circuits.primitives.field import R
from circuits.primitives.poseidon import poseidon
from tests.circuits.helpers import solve_fails, solve_ok

DEPTH = 3  # 64 leaves, 9 siblings
LEAVES = 4**DEPTH


def tree_with_leaves(seed: int) -> smt.SparseMerkleTree:
    rng = random.Random(seed)
    t = smt.SparseMerkleTree(DEPTH)
    for i in rng.sample(range(LEAVES), 20):
        t.set(i, rng.randrange(R))
    return t


def membership_program(non: bool = False):
    cs = Circuit("m")
    root = cs.public_input("root")
    idx = cs.private_input("index")
    sib = cs.private_inputs("siblings", 3 * DEPTH)
    if non:
        merkle.verify_non_membership(cs, root, idx, sib, "proof")
    else:
        merkle.verify_membership(cs, root, cs.private_input("leaf"), idx, sib, "proof")
    return cs.compile()


MEMBER = membership_program()
NON_MEMBER = membership_program(non=True)


def test_membership() -> None:
    t = tree_with_leaves(1)
    present = [i for i in range(LEAVES) if t.get(i)]
    # every child position at every level among the leaves tried
    digits = {(h, (i >> (2 * h)) & 3) for i in present for h in range(DEPTH)}
    assert len(digits) == 4 * DEPTH
    for k, i in enumerate(present):
        pr = t.prove(i)
        inputs = {"root": t.root, "leaf": pr.leaf, "index": i, "siblings": list(pr.siblings)}
        solve_ok(MEMBER, inputs, mutation=(k == 0))
        solve_fails(MEMBER, {**inputs, "leaf": pr.leaf + 1}, "proof")
        for flip in (1, 2, 3, 4, 8, 16, 32):  # another child position at some level
            solve_fails(MEMBER, {**inputs, "index": i ^ flip}, "proof")
        solve_fails(MEMBER, {**inputs, "index": i + LEAVES}, "proof/index_bits")
        for j in (0, 4, 8):
            bad = list(pr.siblings)
            bad[j] = (bad[j] + 1) % R
            solve_fails(MEMBER, {**inputs, "siblings": bad}, "proof")
        if len(set(pr.siblings[:3])) == 3:  # siblings out of child order
            bad = [pr.siblings[1], pr.siblings[0], *pr.siblings[2:]]
            solve_fails(MEMBER, {**inputs, "siblings": bad}, "proof")


def test_wrong_path_bits_rejected() -> None:
    # Forge the side bit of level 0 in the witness: the index recomposition or the root breaks.
    t = tree_with_leaves(2)
    i = next(i for i in range(LEAVES) if t.get(i))
    pr = t.prove(i)
    s = MEMBER.solve({"root": t.root, "leaf": pr.leaf, "index": i, "siblings": list(pr.siblings)})
    w = s.values()
    bit_wires = [k for k in range(MEMBER.n_wires) if MEMBER.wire_name(k).startswith("proof/index_bits/b[")]
    for k in bit_wires:
        bad = list(w)
        bad[k] = 1 - bad[k]
        assert MEMBER.check(bad) is not None
        bad[k] = 2  # not boolean
        assert MEMBER.check(bad) is not None


def test_non_membership() -> None:
    t = tree_with_leaves(3)
    empty = next(i for i in range(LEAVES) if not t.get(i))
    full = next(i for i in range(LEAVES) if t.get(i))
    pr = t.prove(empty)
    solve_ok(NON_MEMBER, {"root": t.root, "index": empty, "siblings": list(pr.siblings)})
    pf = t.prove(full)
    solve_fails(NON_MEMBER, {"root": t.root, "index": full, "siblings": list(pf.siblings)}, "proof")


def test_update() -> None:
    cs = Circuit("u")
    old_root, new_root = cs.public_input("old_root"), cs.public_input("new_root")
    old_leaf, new_leaf = cs.private_input("old_leaf"), cs.private_input("new_leaf")
    idx = cs.private_input("index")
    sib = cs.private_inputs("siblings", 3 * DEPTH)
    merkle.verify_update(cs, old_root, new_root, old_leaf, new_leaf, idx, sib, "upd")
    p = cs.compile()
    t = tree_with_leaves(4)
    for i, leaf in [(3, 999), (next(j for j in range(LEAVES) if t.get(j)), 0), (LEAVES - 1, 5)]:
        up = t.set(i, leaf)
        inputs = {
            "old_root": up.old_root,
            "new_root": up.new_root,
            "old_leaf": up.old_leaf,
            "new_leaf": up.new_leaf,
            "index": i,
            "siblings": list(up.siblings),
        }
        solve_ok(p, inputs)
        assert p.n_constraints == 2 * DEPTH + 604 * DEPTH
        solve_fails(p, {**inputs, "new_leaf": leaf + 1}, "upd/new_path")
        solve_fails(p, {**inputs, "old_leaf": up.old_leaf + 1}, "upd/old_path")


def test_leaf_hash_domain() -> None:
    cs = Circuit()
    a, b = cs.private_input("a"), cs.private_input("b")
    cs.public_output("leaf", merkle.leaf_hash(cs, 1, [a, b]))
    p = cs.compile()
    assert p.solve({"a": 5, "b": 6}).signal("leaf") == poseidon([1, 5, 6])
    with pytest.raises(ValueError):
        merkle.leaf_hash(cs, 1, [a])
    with pytest.raises(ValueError):  # 4 inputs: an inner node's width
        merkle.leaf_hash(cs, 1, [a, b, a])


def test_place_every_position() -> None:
    """The placing step alone: node at child b0 + 2 b1, the siblings around it in order."""
    cs = Circuit("place")
    node, s0, s1, s2 = cs.private_inputs("x", 4)
    b0, b1 = cs.private_input("b0"), cs.private_input("b1")
    for c, v in enumerate(merkle.place(cs, node, [s0, s1, s2], b0, b1)):
        cs.public_output(f"c{c}", v)
    p = cs.compile()
    for pos in range(4):
        sol = p.solve({"x": [10, 20, 30, 40], "b0": pos & 1, "b1": pos >> 1})
        assert [sol.signal(f"c{c}") for c in range(4)] == [*[20, 30, 40][:pos], 10, *[20, 30, 40][pos:]]


def test_level_cost() -> None:
    assert merkle.level_template().n_constraints == 302
