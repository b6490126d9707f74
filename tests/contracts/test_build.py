"""The committed artifacts are exactly what the pinned npm solc and circomlibjs produce from the
sources (a drift fails), and the installed package reads them without node."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from contracts.artifacts import POSEIDON_WIDTHS, artifact, names

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.node
@pytest.mark.parametrize(
    "script", ["build_contracts.py", "gen_poseidon_contracts.py", "gen_poseidon_wide.py"]
)
def test_artifacts_match_a_fresh_build(script: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout


def test_artifacts_are_package_data() -> None:
    assert {"Rollup", "TestToken", *(f"Poseidon{n}" for n in POSEIDON_WIDTHS)} <= set(names())
    for name in names():
        art = artifact(name)
        if name.startswith("PoseidonData"):  # data contracts: creation code only
            assert art["chunks"] and all(c.startswith("0x") for c in art["chunks"])
        else:
            assert art["abi"] and art["bytecode"].startswith("0x")
    assert artifact("Rollup")["compiler"].startswith("0.8.37+")
    assert "do not edit" in artifact("Poseidon2")["_comment"]


def test_deploy_needs_no_node() -> None:
    """The package deploys from its artifacts with no node on PATH (and build_py ships them)."""
    code = (
        "from web3 import EthereumTesterProvider, Web3\n"
        "from contracts.deploy import deploy\n"
        "w3 = Web3(EthereumTesterProvider())\n"
        "t = deploy(w3, 'TestToken', 'a', 'b', 10)\n"
        "print(t.functions.decimals().call())\n"
    )
    env = {"PATH": "/nonexistent", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "6", proc.stderr[-2000:]
