"""Shared pytest configuration: the --runslow flag and access to the npm peers (snarkjs, circomlibjs, ...)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"

# `make test` is a gate: the same hypothesis examples on every run (what hypothesis's own `ci`
# profile does), so a landing never depends on the draw. Looking for new counterexamples is a
# deliberate run of its own: ZKCLEAR_HYPOTHESIS=explore make test (failures print a reproduction).
settings.register_profile("gate", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile("explore" if os.environ.get("ZKCLEAR_HYPOTHESIS") == "explore" else "gate")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", default=False, help="run size/soak tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def npm_bin(name: str) -> Path:
    """Path of an npm peer's executable; fails (not skips) when `npm ci` has not run, since
    `make test` always installs them."""
    path = NODE_MODULES / ".bin" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make install` (it runs `npm ci`)")
    return path


def run_node(script: str, *args: str, timeout: float = 300) -> str:
    """Run an ES-module node script in the repository root (so `import 'circomlibjs'` resolves)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH")
    proc = subprocess.run(
        [node, "--input-type=module", "-e", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"node script failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc.stdout


def run_node_json(script: str, *args: str, timeout: float = 300) -> object:
    return json.loads(run_node(script, *args, timeout=timeout))
