"""The witness tape: a flat uint32 program that computes every slot of a circuit from its inputs.

The builder appends one instruction per signal it defines (a product, a hint, a linear value), in
program order, so solving a witness is one pass over the tape.  The native VM (native/witness.py,
native/src/witness.c) runs it; circuits/dsl/vm.py is its pure-Python twin.

Encoding (all words uint32).  An LC operand is `n, (slot, const) * n` where const indexes the
constant pool (entry 0 is always 1, so those terms skip the multiplication).

    LIN      out, lc                     out = lc
    MUL      out, lcA, lcB               out = lcA * lcB
    DIV      out, lcA, lcB               out = lcA / lcB, or 0 when lcB = 0            (hint)
    ISZERO   out, lc                     out = 1 if lc = 0 else 0                      (hint)
    BITS     n, lc, out_0 .. out_{n-1}   out_i = bit i of lc's canonical value (n <= 256) (hint)
    DIVMOD   q, r, lcA, lcB              unsigned integer a // b, a % b; 0, 0 when b = 0 (hint)
    SDIVMOD  q, r, lcA, lcB              a read as signed (a > (r-1)/2 means a - r), b unsigned:
                                         floor division, 0 <= rem < b; 0, 0 when b = 0 (hint)
    PY       hint, n_in, in_*, n_out, out_*   return to Python to run hint number `hint`  (hint)

Each word has a kind (a parallel uint8 array) so a template's tape can be stamped into a parent by
relocating slots, constant indices and hint numbers with numpy, without decoding it.

The opcode numbers are generated (scripts/gen_witness_opcodes.py) into native/witness_ops.py and
native/src/witness_ops.h, so the writer here and both VMs read one table.
"""

from __future__ import annotations

from array import array

import numpy as np

from circuits.dsl.lc import LC
from circuits.primitives.field import R
from native.witness_ops import OP_BITS, OP_LIN, OP_PY

K_LIT = 0
K_SLOT = 1
K_CONST = 2
K_HINT = 3


class ConstPool:
    """Deduplicated field constants; index 0 is 1."""

    def __init__(self) -> None:
        self.values: list[int] = [1]
        self._index: dict[int, int] = {1: 0}

    def index(self, v: int) -> int:
        i = self._index.get(v)
        if i is None:
            i = len(self.values)
            self.values.append(v)
            self._index[v] = i
        return i

    def extend(self, values: list[int]) -> int:
        """Append another pool verbatim (a stamped template's); returns its base index."""
        base = len(self.values)
        self.values.extend(values)
        return base


class TapeWriter:
    """Appends instructions to a words/kinds pair of arrays."""

    def __init__(self, pool: ConstPool) -> None:
        self.pool = pool
        self.words = array("I")
        self.kinds = array("B")

    def _w(self, value: int, kind: int) -> None:
        self.words.append(value)
        self.kinds.append(kind)

    def _lc(self, lc: LC) -> None:
        self._w(len(lc.t), K_LIT)
        for s, c in lc.t.items():
            self._w(s, K_SLOT)
            self._w(self.pool.index(c % R), K_CONST)

    def lin(self, out: int, lc: LC) -> None:
        self._w(OP_LIN, K_LIT)
        self._w(out, K_SLOT)
        self._lc(lc)

    def binary(self, op: int, out: int, a: LC, b: LC) -> None:
        self._w(op, K_LIT)
        self._w(out, K_SLOT)
        self._lc(a)
        self._lc(b)

    def unary(self, op: int, out: int, a: LC) -> None:
        self._w(op, K_LIT)
        self._w(out, K_SLOT)
        self._lc(a)

    def bits(self, outs: list[int], a: LC) -> None:
        self._w(OP_BITS, K_LIT)
        self._w(len(outs), K_LIT)
        self._lc(a)
        for s in outs:
            self._w(s, K_SLOT)

    def divmod(self, op: int, q: int, r: int, a: LC, b: LC) -> None:
        self._w(op, K_LIT)
        self._w(q, K_SLOT)
        self._w(r, K_SLOT)
        self._lc(a)
        self._lc(b)

    def py(self, hint: int, ins: list[int], outs: list[int]) -> None:
        self._w(OP_PY, K_LIT)
        self._w(hint, K_HINT)
        self._w(len(ins), K_LIT)
        for s in ins:
            self._w(s, K_SLOT)
        self._w(len(outs), K_LIT)
        for s in outs:
            self._w(s, K_SLOT)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.frombuffer(self.words, dtype=np.uint32).copy(), np.frombuffer(
            self.kinds, dtype=np.uint8
        ).copy()


def relocate(
    words: np.ndarray, kinds: np.ndarray, slot_map: np.ndarray, const_base: int, hint_base: int
) -> np.ndarray:
    """A stamped copy of a template tape: slots through slot_map, constants and hints offset."""
    out = words.astype(np.int64)
    m = kinds == K_SLOT
    out[m] = slot_map[out[m]]
    if const_base:
        # Constant index 0 (the value 1) is shared by every pool, so it is left in place.
        mc = (kinds == K_CONST) & (out != 0)
        out[mc] += const_base
    if hint_base:
        out[kinds == K_HINT] += hint_base
    return out.astype(np.uint32)
