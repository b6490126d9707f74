"""Native Poseidon (circomlib parameters); twin: circuits.primitives.poseidon.

The hash is the sequencer's hot path (state tree updates, order hashes), so besides the int API
there is `poseidon_many` which hashes a whole batch of same-arity inputs in one threaded C call.
"""

from __future__ import annotations

from native._lib import buffer_to_ints, ffi, ints_to_buffer, lib, new_u64
from native.constants import FR_MODULUS

MAX_INPUTS = 16


def _check(inputs: list[int]) -> None:
    if not 1 <= len(inputs) <= MAX_INPUTS:
        raise ValueError(f"Poseidon takes 1..{MAX_INPUTS} inputs, got {len(inputs)}")
    for i, x in enumerate(inputs):
        if not isinstance(x, int) or not 0 <= x < FR_MODULUS:
            raise ValueError(f"poseidon input {i} is not a canonical field element (0 <= x < r)")


def poseidon(inputs: list[int]) -> int:
    """Poseidon hash of 1..16 canonical field elements."""
    _check(inputs)
    out = new_u64(1)
    lib.zk_poseidon(out, ffi.from_buffer("uint64_t[]", ints_to_buffer(inputs)), len(inputs))
    return int.from_bytes(ffi.buffer(out, 32), "little")


def poseidon_many(rows: list[list[int]]) -> list[int]:
    """Hash each row (all of the same length) in one native call; rows are hashed in parallel."""
    if not rows:
        return []
    arity = len(rows[0])
    flat: list[int] = []
    for row in rows:
        if len(row) != arity:
            raise ValueError("poseidon_many needs rows of equal length")
        flat.extend(row)
    _check(rows[0])
    out = new_u64(len(rows))
    bad = lib.zk_poseidon_many(out, ffi.from_buffer("uint64_t[]", ints_to_buffer(flat)), arity, len(rows))
    if bad >= 0:
        raise ValueError(f"poseidon_many: input {bad} (row {bad // arity}) is not a canonical field element")
    return buffer_to_ints(ffi.buffer(out, 32 * len(rows)))
