"""Generated C headers and Python modules are up to date with the scripts that write them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "script",
    [
        "gen_field_constants.py",
        "gen_curve_constants.py",
        "gen_witness_opcodes.py",
        "gen_groth16_constants.py",
    ],
)
def test_generated_header_is_current(script: str) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / script), "--check"], cwd=ROOT, check=False)
    assert proc.returncode == 0, f"run `python scripts/{script}` and commit its output"
