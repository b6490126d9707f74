"""The universal slot's constraint counts by scope, pinned in slot_counts.json (written by
scripts/pin_slot_counts.py), so every change in a rule's cost shows in review."""

from __future__ import annotations

import json
from pathlib import Path

from circuits.batch.report import slot_report
from circuits.batch.slot import slot_template

PINNED = json.loads((Path(__file__).resolve().parent / "slot_counts.json").read_text())
REGENERATE = "if the change is meant, run `.venv/bin/python scripts/pin_slot_counts.py` and commit the file"


def test_slot_counts_are_pinned() -> None:
    q, wd = PINNED["queue"], PINNED["withdrawals"]
    now = slot_report(q, wd)
    pinned: dict[str, int] = PINNED["scopes"]
    drift = {
        s: (pinned.get(s), now.get(s)) for s in pinned.keys() | now.keys() if pinned.get(s) != now.get(s)
    }
    assert not drift, f"slot constraints changed by scope (pinned, now): {drift}; {REGENERATE}"
    total = slot_template(q, wd).n_constraints
    assert (PINNED["total"], sum(now.values())) == (total, total), REGENERATE
