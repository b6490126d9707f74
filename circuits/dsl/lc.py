"""Linear combinations over circuit slots: the values constraints are written with.

An `LC` maps slot ids to non-zero coefficients mod r; slot 0 is the constant-one wire, so constants
are terms on slot 0.  A signal is simply the LC {slot: 1}.  Arithmetic that stays linear (+, -,
scaling by a constant) builds new LCs and costs no constraint; a product of two non-constant LCs
has to go through `Circuit.mul` (which adds the constraint), so `*` between them raises.
"""

from __future__ import annotations

from collections.abc import Iterable

from circuits.primitives.field import R

ONE_SLOT = 0


class LC:
    """sum(coef * slot) mod r; immutable by convention (operations return new LCs)."""

    __slots__ = ("t",)

    def __init__(self, terms: dict[int, int] | None = None) -> None:
        self.t: dict[int, int] = terms if terms is not None else {}

    # -- construction -----------------------------------------------------------------------
    @staticmethod
    def const(value: int) -> LC:
        v = value % R
        return LC({ONE_SLOT: v} if v else {})

    @staticmethod
    def slot(slot: int) -> LC:
        return LC({slot: 1})

    # -- inspection ---------------------------------------------------------------------------
    def is_constant(self) -> bool:
        return not self.t or (len(self.t) == 1 and ONE_SLOT in self.t)

    def constant_value(self) -> int:
        """The constant term (the whole value when is_constant())."""
        return self.t.get(ONE_SLOT, 0)

    def single_slot(self) -> int | None:
        """The slot when this LC is exactly one signal with coefficient 1, else None."""
        if len(self.t) == 1:
            ((s, c),) = self.t.items()
            if c == 1 and s != ONE_SLOT:
                return s
        return None

    def slots(self) -> Iterable[int]:
        return (s for s in self.t if s != ONE_SLOT)

    def __len__(self) -> int:
        return len(self.t)

    def __repr__(self) -> str:
        if not self.t:
            return "LC(0)"
        parts = [(str(c) if s == ONE_SLOT else f"{c}*s{s}") for s, c in sorted(self.t.items())]
        return "LC(" + " + ".join(parts) + ")"

    # -- arithmetic ---------------------------------------------------------------------------
    def _add(self, other: LCLike, sign: int) -> LC:
        o = as_lc(other).t
        out = dict(self.t)
        for s, c in o.items():
            v = (out.get(s, 0) + sign * c) % R
            if v:
                out[s] = v
            else:
                out.pop(s, None)
        return LC(out)

    def __add__(self, other: LCLike) -> LC:
        return self._add(other, 1)

    __radd__ = __add__

    def __sub__(self, other: LCLike) -> LC:
        return self._add(other, -1)

    def __rsub__(self, other: LCLike) -> LC:
        return as_lc(other)._add(self, -1)

    def __neg__(self) -> LC:
        return LC({s: (R - c) for s, c in self.t.items()})

    def scale(self, k: int) -> LC:
        k %= R
        if k == 0:
            return LC()
        if k == 1:
            return self
        return LC({s: c * k % R for s, c in self.t.items()})

    def __mul__(self, other: LCLike) -> LC:
        if isinstance(other, int):
            return self.scale(other)
        o = as_lc(other)
        if o.is_constant():
            return self.scale(o.constant_value())
        if self.is_constant():
            return o.scale(self.constant_value())
        raise TypeError("product of two non-constant LCs needs a constraint: use Circuit.mul(a, b)")

    __rmul__ = __mul__

    def eval(self, values: list[int] | dict[int, int]) -> int:
        """Value of the LC under slot values (plain ints; for tests and the Python VM)."""
        return sum(c * values[s] for s, c in self.t.items()) % R


LCLike = LC | int


def as_lc(x: LCLike) -> LC:
    if isinstance(x, LC):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return LC.const(x)
    raise TypeError(f"expected an LC or an int, got {type(x).__name__}")


def lc_sum(items: Iterable[LCLike]) -> LC:
    """Sum of many LCs in one pass (cheaper than chained +)."""
    out: dict[int, int] = {}
    for it in items:
        for s, c in as_lc(it).t.items():
            out[s] = (out.get(s, 0) + c) % R
    return LC({s: c for s, c in out.items() if c})
