"""`zkclear devnet` in a subprocess, for the tests and the bench scripts: run from the repository
root with unbuffered output, its banner read up to a marker line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from tests.node.harness import ROOT

DEVNET = [sys.executable, "-c", "from zkclear.cli import main; main()", "devnet"]
BANNER_END = "Ctrl-C stops it"  # the banner's last line


def spawn_devnet(args: Sequence[str], until: str = BANNER_END) -> tuple[subprocess.Popen[str], str]:
    """The devnet started with `args`, and its output up to the line holding `until`; RuntimeError
    (with the output's tail) if it stops before."""
    proc = subprocess.Popen(
        [*DEVNET, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    out = ""
    while until not in out:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the devnet stopped before its banner:\n{out[-3000:]}")
        out += line
    return proc, out
