"""`zkclear devnet`: the all-in-one local network behind `make run`.

Today it is the sequencer node on the embedded defaults (SQLite journal under a data dir, the
default BTC-USD and ETH-USD markets, devnet oracle keys, the faucet standing in for L1 deposits).
The embedded L1 (eth-tester with the rollup contract) and the prover are not built yet; the
devnet says so instead of pretending, and batches stay `closed` (never `proven`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import click

from client.http import AsyncClient, NodeError
from sequencer.node.app import serve
from sequencer.node.config import NodeConfig
from sequencer.node.defaults import devnet_config

INITIAL_PRICES = {"BTC-USD": 5_000_000, "ETH-USD": 300_000}  # 50,000.00 and 3,000.00 USD

NOT_YET = (
    "embedded L1 (eth-tester + rollup contract): deposits come from the devnet faucet, withdrawals "
    "are debited on L2 but paid nowhere",
    "prover: batches are closed with their roots but stay `closed`, never `proven`",
)


def usage(url: str, data_dir: Path) -> str:
    return f"""
zkclear devnet: sequencer node listening on {url}
  data dir      {data_dir} (SQLite journal + snapshots; delete it to start from genesis)
  API document  {url}/openapi.json
  markets       BTC-USD, ETH-USD (devnet oracle keys sign the prices)

Try it (in another shell):
  export ZKCLEAR_NODE={url} ZKCLEAR_KEYSTORE=$PWD/var/alice.json ZKCLEAR_PASSWORD=devnet
  .venv/bin/zkclear account create --eth-key 0x$(printf '%064x' 1)
  .venv/bin/zkclear deposit 10000
  .venv/bin/zkclear markets
  .venv/bin/zkclear order place BTC-USD buy 0.01 --price 49990
  .venv/bin/zkclear book BTC-USD
  .venv/bin/zkclear account show
  curl -s -X POST {url}/v1/devnet/oracle -d '{{"market": "BTC-USD", "price": "5100000"}}'

Not included yet:
""" + "".join(f"  - {line}\n" for line in NOT_YET)


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/devnet"),
    show_default=True,
)
@click.option("--port", type=int, default=7070, show_default=True)
@click.option("-v", "--verbose", is_flag=True)
def devnet(data_dir: Path, port: int, verbose: bool) -> None:
    """Start the all-in-one devnet on the embedded defaults (Ctrl-C stops it)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s"
    )
    ncfg = NodeConfig(data_dir=data_dir, port=port, devnet=True)

    async def seed_prices(url: str) -> None:
        async with AsyncClient(url) as c:
            for m in await c.markets():
                if m["oracle_price"] == "0" and m["symbol"] in INITIAL_PRICES:
                    with contextlib.suppress(NodeError):
                        await c.devnet_oracle(
                            {"market": m["symbol"], "price": str(INITIAL_PRICES[m["symbol"]])}
                        )

    def ready(url: str) -> None:
        click.echo(usage(url, data_dir))
        asyncio.get_running_loop().create_task(seed_prices(url))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(ncfg, devnet_config(), on_ready=ready))
