"""Native witness VM and R1CS checker; twins: circuits.dsl.vm (tape) and a plain-int evaluation.

The tape's opcodes are native.witness_ops (generated); its error and hint call are native.tape.

`run` executes a circuit's tape over a contiguous buffer of Montgomery slots (one C call for the
whole tape, returning to Python only for Python hints), `gather` extracts the wire values in
standard form (the `.wtns` payload), `check` finds the first unsatisfied constraint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from native._lib import ffi, lib
from native.constants import FR_MODULUS
from native.tape import TapeError, run_py_hint
from native.witness_ops import WITNESS_DONE, WITNESS_MALFORMED

N8 = 32


def _u64(arr: Any) -> Any:
    return ffi.from_buffer("uint64_t[]", arr)


def _std_bytes(values: Sequence[int]) -> bytes:
    return b"".join(v.to_bytes(N8, "little") for v in values)


def _to_mont(values: Sequence[int]) -> bytearray:
    out = bytearray(N8 * max(len(values), 1))
    if values:
        std = _std_bytes(values)
        bad = lib.zk_fr_to_mont(_u64(out), _u64(std), len(values))
        if bad >= 0:
            raise ValueError(f"constant {bad} is not a canonical field element")
    return out


def run(
    words: np.ndarray,
    pool: Sequence[int],
    n_slots: int,
    assignment: dict[int, int],
    py_hints: Sequence[Callable[[list[int]], list[int]]],
) -> np.ndarray:
    """Solve every slot; returns the Montgomery slot buffer (n_slots * 32 bytes, uint8)."""
    words = np.ascontiguousarray(words, dtype=np.uint32)
    # np.zeros takes fresh zero pages from the OS; bytearray would memset them (~50 ms at 3M slots)
    values = np.zeros(N8 * n_slots, dtype=np.uint8)
    vbuf = _u64(values)
    consts = _to_mont(list(pool))
    slots = [0, *assignment]
    vals = [1, *assignment.values()]
    bad = lib.zk_witness_set(
        vbuf,
        n_slots,
        ffi.from_buffer("int64_t[]", np.asarray(slots, dtype=np.int64)),
        _u64(_std_bytes(vals)),
        len(slots),
    )
    if bad >= 0:
        raise ValueError(f"input slot {slots[bad]} is out of range or not canonical")
    tape = ffi.from_buffer("uint32_t[]", words)
    pc = ffi.new("size_t *", 0)
    kbuf = _u64(consts)
    while True:
        status = lib.zk_witness_run(vbuf, n_slots, tape, len(words), kbuf, len(pool), pc)
        if status == WITNESS_DONE:
            return values
        if status == WITNESS_MALFORMED:
            raise TapeError(f"malformed tape at word {pc[0]}")
        # A Python hint: PY hint, n_in, in..., n_out, out...
        p = int(pc[0])
        k = int(words[p + 2])
        ins_slots = [int(s) for s in words[p + 3 : p + 3 + k]]
        m = int(words[p + 3 + k])
        outs = [int(s) for s in words[p + 4 + k : p + 4 + k + m]]
        if any(s >= n_slots for s in ins_slots + outs):
            raise TapeError(f"python hint at word {p} refers past slot {n_slots}")
        ins = [slot_value(values, s) for s in ins_slots]
        res = run_py_hint(py_hints, int(status), ins, m)
        lib.zk_witness_set(
            vbuf,
            n_slots,
            ffi.from_buffer("int64_t[]", np.asarray(outs, dtype=np.int64)),
            _u64(_std_bytes(res)),
            m,
        )
        pc[0] = p + 4 + k + m


def slot_value(values: np.ndarray | bytearray | list[int], s: int) -> int:
    """Standard-form value of one slot of a solved buffer (or of the Python VM's list)."""
    if isinstance(values, list):
        return values[s]
    out = ffi.new("uint64_t[4]")
    lib.zk_fr_from_mont(out, _u64(values[N8 * s : N8 * (s + 1)]), 1)
    return int.from_bytes(ffi.buffer(out, N8), "little")


def gather(values: np.ndarray | bytearray, slots: np.ndarray) -> bytes:
    """The standard-form values of the given slots, concatenated (32 bytes each)."""
    slots = np.ascontiguousarray(slots, dtype=np.int64)
    if not len(slots):
        return b""
    out = np.empty(N8 * len(slots), dtype=np.uint8)  # every byte is written below (or refused)
    bad = lib.zk_witness_gather(
        _u64(out), _u64(values), len(values) // N8, ffi.from_buffer("int64_t[]", slots), len(slots)
    )
    if bad >= 0:
        raise ValueError(f"slot {int(slots[bad])} is out of range")
    return out.tobytes()


def check(
    offsets: np.ndarray,
    wires: np.ndarray,
    coefs: np.ndarray,
    witness: bytes | bytearray | memoryview,
    n_wires: int,
) -> int | None:
    """Index of the first unsatisfied constraint, or None."""
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    wires = np.ascontiguousarray(wires, dtype=np.uint32)
    coefs = np.ascontiguousarray(coefs, dtype=np.uint8)
    n_constraints = (len(offsets) - 1) // 3
    if (
        len(offsets) == 0
        or (len(offsets) - 1) % 3
        or int(offsets[0]) != 0
        or bool(np.any(np.diff(offsets) < 0))
        or len(wires) != int(offsets[-1])
        or coefs.shape != (len(wires), N8)
        or len(witness) != N8 * n_wires
    ):
        raise ValueError("inconsistent R1CS or witness sizes")
    if n_wires == 0:
        raise ValueError("empty witness")
    res = lib.zk_r1cs_check(
        ffi.from_buffer("int64_t[]", offsets),
        n_constraints,
        ffi.from_buffer("uint32_t[]", wires) if len(wires) else ffi.NULL,
        ffi.from_buffer("uint8_t[]", coefs) if len(wires) else ffi.NULL,
        _u64(witness),
        n_wires,
    )
    if res <= -2:
        raise ValueError(f"witness value {-2 - res} is not a canonical field element (< r)")
    return None if res == -1 else int(res)


__all__ = ["FR_MODULUS", "check", "gather", "run", "slot_value"]
