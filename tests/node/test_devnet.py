"""`zkclear devnet` (what `make run` starts): the node on the embedded defaults, seeded prices, an
honest list of what is not there yet, and a clean stop on SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from client.http import AsyncClient
from tests.node.harness import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_devnet_starts_seeds_prices_and_stops(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from zkclear.cli import main; main()",
            "devnet",
            "--data-dir",
            str(tmp_path / "dv"),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        banner = ""
        while "Not included yet" not in banner:
            line = proc.stdout.readline()
            assert line, banner
            banner += line
        banner += proc.stdout.readline() + proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        assert "prover" in banner and "L1" in banner

        async def check() -> list[str]:
            async with AsyncClient(f"http://127.0.0.1:{port}") as c:
                for _ in range(50):
                    prices = [m["oracle_price"] for m in await c.markets()]
                    if "0" not in prices:
                        return prices
                    await asyncio.sleep(0.1)
                return prices

        assert asyncio.run(check()) == ["5000000", "300000"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert (tmp_path / "dv" / "journal.db").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
