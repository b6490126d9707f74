"""Merkle proofs over the fixed-depth 4-ary Poseidon trees of docs/protocol.md section 3; twin:
circuits.primitives.smt.

A path gives per level, bottom-up, the path node's 3 siblings in child order (flat: 3 * depth
values).  A level places the node among its siblings by its 2 path bits (b0 + 2 b1 = its child
position) with 5 products and hashes the 4 children with Poseidon(4): 5 + 297 = 302 constraints
per level, against 2 * 241 = 482 for the two binary levels it replaces.  Path bits come from the
leaf index by `num2bits` (2 * depth bits), which makes them boolean and ties them to the index.
Leaves are Poseidon hashes with a leading tag and a width other than 4 inputs (`leaf_hash`; the
protocol's leaves have 3 and 9), inner nodes Poseidon of four: different widths and the tag keep
the two domains apart.

Costs: membership / non-membership = 2 depth + 302 depth (account path, depth 12: 3,648; order
path, depth 5: 1,520); update (old and new path in one gadget, shared bits and siblings) =
2 depth + 604 depth (depth 12: 7,272; depth 5: 3,030).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from circuits.dsl import LC, Circuit, LCLike, Template, as_lc
from circuits.gadgets.bits import num2bits
from circuits.gadgets.poseidon import poseidon, poseidon_body

ARITY = 4
SIBLINGS = ARITY - 1  # per level


def place(cs: Circuit, node: LCLike, s: Sequence[LCLike], b0: LCLike, b1: LCLike) -> list[LC]:
    """The 4 children with node at position b0 + 2 b1 and s = (s0, s1, s2) around it in order
    (b0, b1 boolean, checked by the caller): 5 products.

    The node pairs with u (s0 in the low pair, s2 in the high pair), b0 orders that pair as (x, y),
    b1 puts it low ([x, y, s1, s2]) or high ([s0, s1, x, y]); c3 follows from the sum of the four
    children, which does not depend on the placement.
    """
    n = as_lc(node)
    s0, s1, s2 = (as_lc(v) for v in s)
    u = s0 + cs.mul(b1, s2 - s0, "mate")
    d = cs.mul(b0, u - n, "pair")
    x, y = n + d, u - d
    c0 = x + cs.mul(b1, s0 - x, "c0")
    c1 = y + cs.mul(b1, s1 - y, "c1")
    c2 = s1 + cs.mul(b1, x - s1, "c2")
    return [c0, c1, c2, n + s0 + s1 + s2 - c0 - c1 - c2]


def _level_body(cs: Circuit, ins: list[LC]) -> list[LC]:
    node, s0, s1, s2, b0, b1 = ins
    return [poseidon_body(cs, place(cs, node, [s0, s1, s2], b0, b1))]


@cache
def level_template() -> Template:
    """One level: (node, s0, s1, s2, b0, b1) -> Poseidon(children, node at child b0 + 2 b1)."""
    return Template("MerkleLevel4", ["node", "s0", "s1", "s2", "b0", "b1"], _level_body)


def path_bits(cs: Circuit, index: LCLike, depth: int, name: str = "index_bits") -> list[LC]:
    """The 2 * depth path bits of a leaf index, least significant first (proves index < 4^depth);
    level h's child position is bits[2h] + 2 bits[2h + 1]."""
    return num2bits(cs, index, 2 * depth, name)


def _depth(siblings: Sequence[LCLike]) -> int:
    depth, rest = divmod(len(siblings), SIBLINGS)
    if rest or depth < 1:
        raise ValueError("a 4-ary path has 3 siblings per level")
    return depth


def root_from_path(
    cs: Circuit, leaf: LCLike, bits: list[LC], siblings: Sequence[LCLike], name: str = "path"
) -> LC:
    """The root a leaf and its siblings (leaf level first, 3 per level) commit to."""
    depth = _depth(siblings)
    if len(bits) != 2 * depth:
        raise ValueError("two path bits per level")
    node = as_lc(leaf)
    level = level_template()
    with cs.scope(name):
        for h in range(depth):
            sib = siblings[SIBLINGS * h : SIBLINGS * (h + 1)]
            node = level(cs, [node, *sib, bits[2 * h], bits[2 * h + 1]], f"level{h}")[0]
    return node


def verify_membership(
    cs: Circuit,
    root: LCLike,
    leaf: LCLike,
    index: LCLike,
    siblings: Sequence[LCLike],
    name: str = "membership",
) -> None:
    """leaf is at index under root (siblings: 3 per level, leaf level first)."""
    with cs.scope(name):
        bits = path_bits(cs, index, _depth(siblings))
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
        bits = path_bits(cs, index, _depth(siblings))
        cs.assert_equal(root_from_path(cs, old_leaf, bits, siblings, "old_path"), old_root, "old_root")
        cs.assert_equal(root_from_path(cs, new_leaf, bits, siblings, "new_path"), new_root, "new_root")


def leaf_hash(cs: Circuit, tag: int, fields: list[LCLike], name: str = "leaf") -> LC:
    """Poseidon([tag, *fields]) with at least two fields and never three, so a leaf never has an
    inner node's width (4 inputs)."""
    if len(fields) < 2 or len(fields) + 1 == ARITY:
        raise ValueError("a leaf hashes a tag and 2 or 4+ fields (never an inner node's 4 inputs)")
    return poseidon(cs, [tag, *fields], name)
