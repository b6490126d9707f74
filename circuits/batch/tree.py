"""A leaf update in a state tree as the slot needs it: the old leaf proven under the old root and
the new root computed over the same path, both skipped when the slot does not use the tree (then
the root passes through and the siblings are unconstrained zeros).

Cost: the Merkle update of circuits/gadgets/merkle.py plus 2 (the gated root check and the select).
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.dsl import LC, Circuit, LCLike, as_lc
from circuits.gadgets import merkle


def gated_update(
    cs: Circuit,
    used: LCLike,
    old_root: LCLike,
    old_leaf: LCLike,
    new_leaf: LCLike,
    index: LCLike,
    siblings: Sequence[LCLike],
    name: str,
) -> LC:
    """The tree's root after the update (old_root itself when `used` is 0)."""
    used, old_root = as_lc(used), as_lc(old_root)
    with cs.scope(name):
        bits = merkle.path_bits(cs, index, len(siblings) // merkle.SIBLINGS)
        old = merkle.root_from_path(cs, old_leaf, bits, siblings, "old_path")
        new = merkle.root_from_path(cs, new_leaf, bits, siblings, "new_path")
        cs.constrain(used, old - old_root, 0, "old_root")
        return old_root + cs.mul(used, new - old_root, "new_root")
