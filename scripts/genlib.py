"""What every generator in scripts/ shares: write its outputs, or with `--check` compare them with
the committed files (tests/native/test_generated.py runs each generator with --check)."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(outputs: dict[Path, str], script: str, argv: list[str] | None = None) -> int:
    """Write every output, or with --check report the stale ones; the exit status for main()."""
    if "--check" in (sys.argv if argv is None else argv):
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text() != text]
        for p in stale:
            print(f"{p} is out of date: run python scripts/{script}", file=sys.stderr)
        return 1 if stale else 0
    for p, text in outputs.items():
        p.write_text(text)
    return 0
