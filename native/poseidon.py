"""Native Poseidon (circomlib parameters); twin: circuits.primitives.poseidon.

The hash is the sequencer's hot path (state tree updates, order hashes), so besides the int API
there is `poseidon_many` which hashes a whole batch of same-arity inputs in one threaded C call,
and `poseidon_dag` which hashes rows that take earlier rows' hashes as inputs (a tree level by
level, a closed batch's every hash) in one C call: the thread that hashes holds the GIL only to
build the rows and read the hashes back, not between levels.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

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


def poseidon_dag(rows: Sequence[Sequence[int]]) -> list[int]:
    """The hash of each row (1..16 inputs), in order, where an input -k-1 (negative) stands for the
    hash of row k (an earlier row) and any other input is a canonical field element."""
    if not rows:
        return []
    flat: list[int] = []
    refs: list[int] = []
    arities = bytearray()
    for i, row in enumerate(rows):
        if not 1 <= len(row) <= MAX_INPUTS:
            raise ValueError(f"poseidon_dag: row {i} has {len(row)} inputs (1..{MAX_INPUTS})")
        arities.append(len(row))
        for v in row:
            if v < 0:
                if -v - 1 >= i:
                    raise ValueError(f"poseidon_dag: row {i} refers to row {-v - 1}, not an earlier one")
                refs.append(-v - 1)
                flat.append(0)
            else:
                refs.append(-1)
                flat.append(v)
    out = new_u64(len(rows))
    bad = lib.zk_poseidon_dag(
        out,
        ffi.from_buffer("uint64_t[]", ints_to_buffer(flat)),
        ffi.from_buffer("int64_t[]", array("q", refs)),
        ffi.from_buffer("uint8_t[]", arities),
        len(rows),
    )
    if bad >= 0:
        raise ValueError(f"poseidon_dag: input slot {bad} is not a canonical field element")
    return buffer_to_ints(ffi.buffer(out, 32 * len(rows)))
