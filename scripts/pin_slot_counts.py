"""Pin the batch circuit's per-slot constraint counts in tests/circuits/batch/slot_counts.json
(generated, do not edit): `circuits.batch.report.slot_report(1, 1)`, the constraints of one
universal slot by the scope that owns them, and their total.

Run after a deliberate change to a slot rule (`.venv/bin/python scripts/pin_slot_counts.py`) and
commit the file, so the change in cost shows in review; with `--check` it only reports a stale
file.  tests/circuits/batch/test_slot_counts.py fails whenever a count drifts from the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from genlib import write_or_check

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the project's packages

from circuits.batch.report import slot_report  # noqa: E402
from circuits.batch.slot import slot_template  # noqa: E402

OUT = ROOT / "tests" / "circuits" / "batch" / "slot_counts.json"
QUEUE, WITHDRAWALS = 1, 1  # the table sizes of the slot template measured


def document() -> dict[str, object]:
    return {
        "_generated": "by scripts/pin_slot_counts.py, do not edit",
        "queue": QUEUE,
        "withdrawals": WITHDRAWALS,
        "total": slot_template(QUEUE, WITHDRAWALS).n_constraints,
        "scopes": slot_report(QUEUE, WITHDRAWALS),
    }


def main() -> int:
    return write_or_check({OUT: json.dumps(document(), indent=1) + "\n"}, "pin_slot_counts.py")


if __name__ == "__main__":
    sys.exit(main())
