"""Constraint counts: pinned (constraint_counts.json) and compared with circomlib's (circomlib_counts.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from circuits.gadgets.counts import GADGETS, measure

HERE = Path(__file__).resolve().parent
PINNED = json.loads((HERE / "constraint_counts.json").read_text())["counts"]
CIRCOMLIB = json.loads((HERE / "circomlib_counts.json").read_text())["counts"]

# Where the issue requires us to be at most circomlib's count (or an absolute bound).
MUST_NOT_EXCEED = ["EdDSAPoseidonVerifier", "Sha256(440)", *(f"Poseidon({n})" for n in range(1, 17))]


@pytest.fixture(scope="module")
def ours() -> dict[str, int]:
    return measure()


def test_pinned_counts(ours: dict[str, int]) -> None:
    assert set(PINNED) == set(GADGETS)
    drift = {k: (PINNED[k], v) for k, v in ours.items() if PINNED[k] != v}
    assert not drift, (
        f"constraint counts changed (pinned, now): {drift}; rerun scripts/pin_constraint_counts.py"
    )


@pytest.mark.parametrize("name", MUST_NOT_EXCEED)
def test_not_more_than_circomlib(ours: dict[str, int], name: str) -> None:
    assert ours[name] <= CIRCOMLIB[name]["total"]


def test_poseidon2_bound(ours: dict[str, int]) -> None:
    assert ours["Poseidon(2)"] <= 240
