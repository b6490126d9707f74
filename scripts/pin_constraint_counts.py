"""Pin our gadgets' constraint counts in tests/circuits/constraint_counts.json (generated, do not edit).

Run after a deliberate change to a gadget (`.venv/bin/python scripts/pin_constraint_counts.py`); the
test in tests/circuits/test_constraint_counts.py fails whenever a count drifts from this file, and
checks the counts against circomlib's (tests/circuits/circomlib_counts.json).
"""

from __future__ import annotations

import json
from pathlib import Path

from circuits.gadgets.counts import measure

OUT = Path(__file__).resolve().parent.parent / "tests" / "circuits" / "constraint_counts.json"


def main() -> None:
    doc = {"_generated": "by scripts/pin_constraint_counts.py, do not edit", "counts": measure()}
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    for name, n in doc["counts"].items():
        print(f"{name:24s} {n}")


if __name__ == "__main__":
    main()
