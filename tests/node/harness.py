"""Test harness: a real node (aiohttp on 127.0.0.1, real SQLite journal) in-process or as a
subprocess, and funded traders that sign for real."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web

from client.http import AsyncClient
from client.wallet import Wallet
from protocol.signing import Signer
from sequencer.node.app import create_app
from sequencer.node.config import NodeConfig
from sequencer.node.defaults import devnet_config
from sequencer.node.routes.common import NODE_KEY
from sequencer.node.server import NodeRunner
from sequencer.node.service import Node

ROOT = Path(__file__).resolve().parents[2]
USD = 1_000_000
BTC, ETH = 0, 1
BUY, SELL = 0, 1
BTC_PRICE = 5_000_000  # 50,000.00 USD in 0.01 units


@cache
def trader(i: int) -> Signer:
    return Signer(f"zkclear node test trader {i}".encode())


@dataclass
class Running:
    url: str
    app: web.Application
    client: AsyncClient

    @property
    def node(self) -> Node:
        return self.app[NODE_KEY]


@contextlib.asynccontextmanager
async def running_node(data_dir: Path, **overrides: Any) -> AsyncIterator[Running]:
    cfg = NodeConfig(data_dir=data_dir, port=0, devnet=True, batch_max_age_s=3600, **overrides)
    app = create_app(cfg, devnet_config())
    runner = NodeRunner(app, header_timeout_s=cfg.header_timeout_s, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    client = AsyncClient(url)
    try:
        yield Running(url, app, client)
    finally:
        await client.close()
        await runner.cleanup()


async def fund(client: AsyncClient, i: int, amount: int = 100_000 * USD) -> Wallet:
    """Deposit through the devnet faucet; returns trader i's wallet with its account id."""
    info = await client.info()
    signer = trader(i)
    w = Wallet(signer, None, int(info["domain_hash"]))
    out = await client.devnet_deposit(w.deposit_body(amount, owner=0x1000 + i))
    w.account_id = int(out["account_id"])
    return w


def exp() -> int:
    """An order or message expiry an hour from now."""
    return int(time.time()) + 3600


def ask_ladder(w: Wallet, levels: range, size: int = 10) -> list[dict[str, Any]]:
    """Signed BTC sells at BTC_PRICE + 100 * i for i in `levels`, each with a fresh order id."""
    return [
        w.order(
            market_id=BTC,
            side=SELL,
            price=BTC_PRICE + 100 * i,
            size=size,
            order_id=w.next_order_id(),
            expiry=exp(),
        )
        for i in levels
    ]


async def set_price(client: AsyncClient, market: str, price: int) -> dict[str, Any]:
    return await client.devnet_oracle({"market": market, "price": str(price)})


def spawn_node(data_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """`zkclear node` in a subprocess on a free port; returns (process, url) once it listens."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from zkclear.cli import main; main()",
            "node",
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
            "--devnet",
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.time() + 120
    lines = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return proc, m.group(1)
    proc.kill()
    raise RuntimeError("node did not start:\n" + "".join(lines))


def kill9(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def run(coro: Any) -> Any:
    return asyncio.run(coro)
