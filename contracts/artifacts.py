"""The committed artifacts: contracts/artifacts/<Name>.json, written by scripts/build_contracts.py
(solc) and scripts/gen_poseidon_contracts.py (circomlibjs's Poseidon builder)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
POSEIDON_WIDTHS = (2, 3, 4, 6)


@cache
def artifact(name: str) -> dict[str, Any]:
    """{"abi", "bytecode", ...} of a contract ("Rollup", "TestToken", "Poseidon2", ...)."""
    path = ARTIFACTS / f"{name}.json"
    if not path.exists():
        raise KeyError(f"no artifact {name!r} in {ARTIFACTS}")
    out: dict[str, Any] = json.loads(path.read_text())
    return out


def names() -> list[str]:
    return sorted(p.stem for p in ARTIFACTS.glob("*.json"))
