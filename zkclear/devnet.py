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
# The devnet's stand-in oracle re-signs every market's current price this often: a price older than
# oracle_max_age_s (60 s) is stale, and a stale market takes only reducing orders (protocol.md 4.7).
ORACLE_REFRESH_S = 20

NOT_YET = (
    "embedded L1 (eth-tester + rollup contract): deposits come from the devnet faucet, withdrawals "
    "are debited on L2 but paid nowhere",
    "prover: batches are closed with their roots but stay `closed`, never `proven`",
)


log = logging.getLogger("zkclear.devnet")


def usage(url: str, data_dir: Path) -> str:
    return f"""
zkclear devnet: sequencer node listening on {url}
  data dir      {data_dir} (SQLite journal + snapshots; delete it to start from genesis)
  API document  {url}/openapi.json
  markets       BTC-USD, ETH-USD (devnet oracle keys sign the prices, re-signed every {ORACLE_REFRESH_S} s)

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

    async def feed_prices(url: str) -> None:
        """Seed each market's first price, then keep every price fresh by re-signing it."""
        async with AsyncClient(url) as c:
            while True:
                for m in await c.markets():
                    price = m["oracle_price"] if m["oracle_price"] != "0" else INITIAL_PRICES.get(m["symbol"])
                    if price is not None:
                        try:
                            await c.devnet_oracle({"market": m["symbol"], "price": str(price)})
                        except NodeError as e:
                            log.warning("devnet oracle: %s %s", m["symbol"], e)
                await asyncio.sleep(ORACLE_REFRESH_S)

    def ready(url: str) -> None:
        click.echo(usage(url, data_dir))
        feeder = asyncio.get_running_loop().create_task(feed_prices(url))
        tasks.add(feeder)  # a reference, so the task is not collected while it runs

    tasks: set[asyncio.Task[None]] = set()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(ncfg, devnet_config(), on_ready=ready))
