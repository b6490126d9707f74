"""Merkle proofs over the fixed-depth Poseidon tree of docs/protocol.md section 3; twin: circuits.primitives.smt.

A level orders (node, sibling) by the path bit with one product (`switch`) and hashes the pair with
Poseidon(2): 241 constraints per level.  Path bits come from the leaf index by `num2bits`, which
makes them boolean and ties them to the index (depth constraints).  Leaves are Poseidon hashes of
three or more inputs with a leading tag (`leaf_hash`), inner nodes Poseidon of two: different
widths and the tag keep the two domains apart.

Costs: membership / non-membership = depth + 241 * depth; update (old and new path in one gadget,
shared bits and siblings) = depth + 482 * depth.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from circuits.dsl import LC, Circuit, LCLike, Template, as_lc
from circuits.gadgets.bits import num2bits
from circuits.gadgets.comparators import switch
from circuits.gadgets.poseidon import poseidon, poseidon_body


def _level_body(cs: Circuit, ins: list[LC]) -> list[LC]:
    node, sibling, bit = ins
    left, right = switch(cs, bit, node, sibling, "order")
    return [poseidon_body(cs, [left, right])]


@cache
def level_template() -> Template:
    """One level: (node, sibling, bit) -> Poseidon(bit ? (sibling, node) : (node, sibling))."""
    return Template("MerkleLevel", ["node", "sibling", "bit"], _level_body)


def path_bits(cs: Circuit, index: LCLike, depth: int, name: str = "index_bits") -> list[LC]:
    """The depth side bits of a leaf index (proves index < 2^depth)."""
    return num2bits(cs, index, depth, name)


def root_from_path(
    cs: Circuit, leaf: LCLike, bits: list[LC], siblings: Sequence[LCLike], name: str = "path"
) -> LC:
    """The root a leaf and its siblings (leaf level first) commit to."""
    if len(bits) != len(siblings):
        raise ValueError("one path bit per sibling")
    node = as_lc(leaf)
    level = level_template()
    with cs.scope(name):
        for i, (b, s) in enumerate(zip(bits, siblings, strict=True)):
            node = level(cs, [node, s, b], f"level{i}")[0]
    return node


def verify_membership(
    cs: Circuit,
    root: LCLike,
    leaf: LCLike,
    index: LCLike,
    siblings: Sequence[LCLike],
    name: str = "membership",
) -> None:
    """leaf is at index under root."""
    with cs.scope(name):
        bits = path_bits(cs, index, len(siblings))
        cs.assert_equal(root_from_path(cs, leaf, bits, siblings), root, "root")


def verify_non_membership(
    cs: Circuit, root: LCLike, index: LCLike, siblings: Sequence[LCLike], name: str = "non_membership"
) -> None:
    """The slot index is empty (leaf 0) under root."""
    verify_membership(cs, root, 0, index, siblings, name)


def verify_update(
    cs: Circuit,
    old_root: LCLike,
    new_root: LCLike,
    old_leaf: LCLike,
    new_leaf: LCLike,
    index: LCLike,
    siblings: Sequence[LCLike],
    name: str = "update",
) -> None:
    """old_leaf at index under old_root and new_leaf at index under new_root, over one path."""
    with cs.scope(name):
        bits = path_bits(cs, index, len(siblings))
        cs.assert_equal(root_from_path(cs, old_leaf, bits, siblings, "old_path"), old_root, "old_root")
        cs.assert_equal(root_from_path(cs, new_leaf, bits, siblings, "new_path"), new_root, "new_root")


def leaf_hash(cs: Circuit, tag: int, fields: list[LCLike], name: str = "leaf") -> LC:
    """Poseidon([tag, *fields]) with at least two fields, so a leaf never has a node's width."""
    if len(fields) < 2:
        raise ValueError("a leaf hashes a tag and at least two fields (three inputs or more)")
    return poseidon(cs, [tag, *fields], name)
