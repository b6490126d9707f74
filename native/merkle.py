"""Native Merkle path hashing for the sequencer's 4-ary Poseidon trees; twin: circuits.primitives.merkle.

`merkle_path(leaf, siblings, index)` returns the nodes above a leaf, from height 1 to the root,
hashed in one C call.  A path has 3 siblings per level, flat and bottom-up: siblings[3h .. 3h+2]
are the other children at height h in child order; the path node is child (index >> 2h) & 3 and
node = Poseidon([c0, c1, c2, c3]) (docs/protocol.md section 3).
"""

from __future__ import annotations

from native._lib import buffer_to_ints, ffi, ints_to_buffer, lib, new_u64
from native.base import MERKLE_SIBLINGS, check_path_inputs


def merkle_path(leaf: int, siblings: list[int], index: int) -> list[int]:
    """Nodes at heights 1..depth above `leaf` at `index` (the last one is the root)."""
    check_path_inputs(leaf, siblings, index)
    depth = len(siblings) // MERKLE_SIBLINGS
    out = new_u64(depth)
    rc = lib.zk_merkle_path(
        out,
        ffi.from_buffer("uint64_t[]", leaf.to_bytes(32, "little")),
        ffi.from_buffer("uint64_t[]", ints_to_buffer(siblings)),
        index,
        depth,
    )
    if rc != -1:  # pragma: no cover - check_path_inputs already rejected every input the C side refuses
        raise ValueError(f"zk_merkle_path rejected its input (code {rc})")
    return buffer_to_ints(ffi.buffer(out, 32 * depth))


def merkle_root(leaf: int, siblings: list[int], index: int) -> int:
    return merkle_path(leaf, siblings, index)[-1]
