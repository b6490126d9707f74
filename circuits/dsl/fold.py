"""Linear-constraint folding (what circom -O2 does): Gaussian elimination of linear constraints.

A constraint is linear when A or B is a constant; it then reads E = 0 for a linear combination E.
For each one we pick a pivot slot p in E that may disappear from the R1CS (not the constant, not an
input, output or template placeholder), solve E = 0 for p and substitute the solution into every
other constraint and template output that mentions p; the constraint itself goes away.  The
witness tape still computes p (it is needed to compute others), it just is no longer a wire.

The pivot is the one the gadget named (`Circuit.linear(..., eliminate=x)`; by default the signal
`linear` defines) or else the candidate that occurs in the fewest constraints, which keeps fill-in
low.  A linear constraint with no candidate (say `public_input == 3`) stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from circuits.primitives.field import R

ONE = 0


class UnsatisfiableError(ValueError):
    """A constraint reduced to `c = 0` with a non-zero constant: no witness can satisfy it."""


@dataclass(eq=False)
class Row:
    """One constraint a * b = c in dict form (slot -> coefficient), with its name."""

    a: dict[int, int]
    b: dict[int, int]
    c: dict[int, int]
    name: str
    pivot: int | None = None  # the slot a linear row should eliminate, when the gadget chose one
    pseudo: bool = False  # a template output held here so substitutions reach it; never solved
    dead: bool = False
    touched: bool = False  # changed by a substitution (re-encoded at compile)
    origin: object = field(default=None, repr=False)  # (block, local row) for rows taken from a block

    def lcs(self) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
        return self.a, self.b, self.c

    def slots(self) -> set[int]:
        return {s for d in (self.a, self.b, self.c) for s in d if s != ONE}


def _is_const(d: dict[int, int]) -> bool:
    return not d or (len(d) == 1 and ONE in d)


def linear_form(row: Row) -> dict[int, int] | None:
    """E with E = 0 equivalent to the row, when the row is linear; None otherwise."""
    if row.pseudo:
        return None
    if _is_const(row.a):
        k, other = row.a.get(ONE, 0), row.b
    elif _is_const(row.b):
        k, other = row.b.get(ONE, 0), row.a
    else:
        return None
    e: dict[int, int] = {}
    for s, v in other.items():
        e[s] = v * k % R
    for s, v in row.c.items():
        e[s] = (e.get(s, 0) - v) % R
    return {s: v for s, v in e.items() if v}


class Folder:
    """Runs the elimination over a list of rows in place."""

    def __init__(self, rows: list[Row], eligible: Callable[[int], bool]) -> None:
        self.rows = rows
        self.eligible = eligible
        self.occ: dict[int, set[int]] = {}
        for i, row in enumerate(rows):
            for s in row.slots():
                self.occ.setdefault(s, set()).add(i)
        self.eliminated = 0

    def _drop(self, i: int) -> None:
        row = self.rows[i]
        for s in row.slots():
            self.occ.get(s, set()).discard(i)
        row.dead = True

    def _substitute(self, i: int, p: int, expr: dict[int, int]) -> bool:
        """Replace p in row i by expr; True when the row was not linear and now is."""
        row = self.rows[i]
        was_linear = row.pseudo or _is_const(row.a) or _is_const(row.b)
        row.touched = True
        for d in row.lcs():
            cp = d.pop(p, None)
            if cp is None:
                continue
            for s, v in expr.items():
                nv = (d.get(s, 0) + cp * v) % R
                if nv:
                    d[s] = nv
                else:
                    d.pop(s, None)
        present = row.slots()
        for s in expr:
            if s == ONE:
                continue
            if s in present:
                self.occ.setdefault(s, set()).add(i)
            else:
                self.occ.get(s, set()).discard(i)
        return not was_linear and (_is_const(row.a) or _is_const(row.b))

    def _eliminate(self, i: int) -> list[int]:
        """Eliminate with row i if it is linear; returns the rows that became linear meanwhile."""
        row = self.rows[i]
        e = linear_form(row)
        if e is None:
            return []
        if not any(s != ONE for s in e):
            if e.get(ONE, 0):
                raise UnsatisfiableError(f"constraint {row.name} reduces to a false constant equation")
            self._drop(i)
            return []
        p = row.pivot if row.pivot is not None and row.pivot in e and self.eligible(row.pivot) else None
        if p is None:
            cands = [s for s in e if s != ONE and self.eligible(s)]
            if not cands:
                return []
            p = min(cands, key=lambda s: (len(self.occ.get(s, ())), s))
        inv = pow(R - e[p], R - 2, R)  # p = -(E - e_p p) / e_p
        expr = {s: v * inv % R for s, v in e.items() if s != p}
        self._drop(i)
        targets = sorted(self.occ.pop(p, set()))
        became_linear = [j for j in targets if self._substitute(j, p, expr)]
        self.eliminated += 1
        return became_linear

    def run(self) -> None:
        for i, row in enumerate(self.rows):
            if row.dead or row.pseudo:
                continue
            stack = [i]
            while stack:
                j = stack.pop()
                if not self.rows[j].dead:
                    stack.extend(self._eliminate(j))
