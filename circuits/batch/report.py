"""Where the batch circuit's constraints go: by top-level part (start, slots, end, public data) and,
inside the universal slot, by the scope that owns them (each role module, the signature, the tree
paths, the leaf and position hashes, the margin), so a change in any rule shows in the count it
owns (`zkclear batch build` writes this report; bench/batch.py prints it).
"""

from __future__ import annotations

from collections import Counter

from circuits.batch.batch import BatchShape
from circuits.batch.slot import slot_template
from circuits.dsl import Program

# slot scopes grouped into the parts the figures name
GROUPS = {
    "signature": ("sig", "msg"),
    "account_path": ("accounts",),
    "order_path": ("after/orders", "after/old_slot", "after/new_slot"),
    "leaf_and_positions": (
        "before/leaf",
        "before/position",
        "before/positions",
        "after/leaf",
        "after/position",
        "after/phash",
    ),
    "margin": ("risk", "after/risk", "after/trade_rule"),
    "fill": ("fill",),
}


def _scope(name: str, depth: int) -> str:
    return "/".join(name.split("/")[:depth])


def slot_report(queue: int, withdrawals: int) -> dict[str, int]:
    """Constraints of one slot by its top scope (two levels for `before` and `after`)."""
    c = slot_template(queue, withdrawals).compiled
    out: Counter[str] = Counter()
    for i in range(c.n_constraints):
        name = c.row_names[i]
        top = _scope(name, 1)
        out[_scope(name, 2) if top in ("before", "after") else top] += 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def grouped(report: dict[str, int]) -> dict[str, int]:
    """The slot report folded into GROUPS (the rest under its own scope name)."""
    out: Counter[str] = Counter()
    for scope, n in report.items():
        for group, prefixes in GROUPS.items():
            if any(scope == p or scope.startswith(p + "/") or scope.startswith(p) for p in prefixes):
                out[group] += n
                break
        else:
            out[scope] += n
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def batch_report(shape: BatchShape, program: Program) -> dict[str, object]:
    per_slot = slot_template(shape.queue, shape.withdrawals).n_constraints
    slot_rows = per_slot * shape.slots
    names = program.compiled.row_names
    parts: Counter[str] = Counter()
    for piece in names.pieces:
        if isinstance(piece, list):
            for n in piece:
                parts[_scope(n, 1)] += 1
        else:
            prefix, template, local_rows = piece
            n_rows = template.n_constraints if local_rows is None else len(local_rows)
            top = _scope(prefix, 1)
            parts["slots" if top.startswith("slot") else top] += n_rows
    slots = slot_report(shape.queue, shape.withdrawals)
    return {
        "shape": {"slots": shape.slots, "queue": shape.queue, "withdrawals": shape.withdrawals},
        "constraints": program.n_constraints,
        "per_slot": per_slot,
        "slots_total": slot_rows,
        "parts": dict(parts),
        "slot": slots,
        "slot_groups": grouped(slots),
    }
