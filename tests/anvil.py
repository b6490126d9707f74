"""anvil (npm @foundry-rs/anvil) for the tests that speak JSON-RPC to a real node: started on
127.0.0.1 at a free port, waited for, stopped."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from typing import Any

from web3 import HTTPProvider, Web3

from tests.conftest import free_port, npm_bin

START_TIMEOUT_S = 30.0


@contextlib.contextmanager
def running_anvil(block_time: int | None = None) -> Iterator[tuple[Any, str]]:
    """(web3, its URL) of a fresh anvil; `block_time`: mine a block every so many seconds, so
    confirmations come without transactions (default: a block per transaction)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    mining = ["--block-time", str(block_time)] if block_time else []
    proc = subprocess.Popen(
        [str(npm_bin("anvil")), "--host", "127.0.0.1", "--port", str(port), *mining, "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        w3 = Web3(HTTPProvider(url))
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _connected(w3):
            if proc.poll() is not None:
                raise RuntimeError(f"anvil exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("anvil did not start")
            time.sleep(0.1)
        yield w3, url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _connected(w3: Any) -> bool:
    try:
        return bool(w3.is_connected())
    except Exception:
        return False
