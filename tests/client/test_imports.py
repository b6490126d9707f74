"""The trader side stands apart from the node: importing any `client.*` module, `zkclear.cli`, or
the client commands through the `zkclear` command table loads no `sequencer.*` module and not
aiohttp's server (`aiohttp.web`).  Checked in a fresh interpreter, so nothing another test imported
hides a dependency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, pkgutil, sys

import client
import zkclear.cli

mods = ["client", "zkclear.cli"]
for info in pkgutil.walk_packages(client.__path__, "client."):
    __import__(info.name)
    mods.append(info.name)
# the commands a trader runs, loaded the way `zkclear <command>` loads them
group = zkclear.cli.main
commands = [n for n, t in zkclear.cli.COMMANDS.items() if t.startswith("client.")]
for name in commands:
    assert group.get_command(None, name) is not None, name
server = sorted(m for m in sys.modules if m == "sequencer" or m.startswith(("sequencer.", "aiohttp.web")))
print(json.dumps({"modules": mods, "commands": commands, "server": server}))
"""


def test_client_and_cli_load_no_server_module() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # the walk found the client (a broken walk must not pass by importing nothing)
    assert {"client.http", "client.wallet", "client.keys.keystore", "client.cli.trade"} <= set(got["modules"])
    assert {"order", "account", "deposit", "withdraw", "markets", "book"} <= set(got["commands"])
    assert got["server"] == []
