"""Pure-Python witness VM: the twin of the native tape interpreter (native/src/witness.c).

Runs a tape (circuits/dsl/tape.py) over plain ints.  Slow (a few microseconds per term) but
obviously correct; the parametrised tests run both engines and compare every slot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from native.constants import R_HALF as HALF
from native.constants import R
from native.tape import TapeError, run_py_hint
from native.witness_ops import OP_BITS, OP_DIV, OP_DIVMOD, OP_ISZERO, OP_LIN, OP_MUL, OP_PY, OP_SDIVMOD

__all__ = ["HALF", "TapeError", "run", "sdivmod"]


def sdivmod(a: int, b: int) -> tuple[int, int]:
    """Floor division of a (read as signed: a > (r-1)/2 means a - r) by b; (q mod r, rem)."""
    if b == 0:
        return 0, 0
    v = a - R if a > HALF else a
    q, rem = divmod(v, b)
    return q % R, rem


def run(
    words: np.ndarray | Sequence[int],
    pool: Sequence[int],
    n_slots: int,
    assignment: dict[int, int],
    py_hints: Sequence[Callable[[list[int]], list[int]]],
) -> list[int]:
    w = [int(x) for x in words]
    vals = [0] * n_slots
    vals[0] = 1
    for s, v in assignment.items():
        vals[s] = v % R
    pc = 0
    n = len(w)

    def lc() -> int:
        nonlocal pc
        k = w[pc]
        pc += 1
        acc = 0
        for _ in range(k):
            acc += vals[w[pc]] * pool[w[pc + 1]]
            pc += 2
        return acc % R

    try:
        while pc < n:
            op = w[pc]
            pc += 1
            if op == OP_LIN:
                out = w[pc]
                pc += 1
                vals[out] = lc()
            elif op in (OP_MUL, OP_DIV):
                out = w[pc]
                pc += 1
                a = lc()
                b = lc()
                vals[out] = a * b % R if op == OP_MUL else (a * pow(b, R - 2, R) % R if b else 0)
            elif op == OP_ISZERO:
                out = w[pc]
                pc += 1
                vals[out] = 1 if lc() == 0 else 0
            elif op == OP_BITS:
                nb = w[pc]
                pc += 1
                x = lc()
                for i in range(nb):
                    vals[w[pc + i]] = (x >> i) & 1
                pc += nb
            elif op in (OP_DIVMOD, OP_SDIVMOD):
                q, r = w[pc], w[pc + 1]
                pc += 2
                a = lc()
                b = lc()
                if op == OP_DIVMOD:
                    vals[q], vals[r] = divmod(a, b) if b else (0, 0)
                else:
                    vals[q], vals[r] = sdivmod(a, b)
            elif op == OP_PY:
                hint = w[pc]
                k = w[pc + 1]
                ins = [vals[s] for s in w[pc + 2 : pc + 2 + k]]
                pc += 2 + k
                m = w[pc]
                outs = w[pc + 1 : pc + 1 + m]
                pc += 1 + m
                res = run_py_hint(py_hints, hint, ins, m)
                for s, v in zip(outs, res, strict=True):
                    vals[s] = v
            else:
                raise TapeError(f"bad opcode {op} at word {pc - 1}")
    except IndexError as exc:
        raise TapeError(f"tape refers past its end or past slot {n_slots}") from exc
    return vals
