"""`zkclear devnet`: the all-in-one local network behind `make run`.

One process, one data dir:
- the embedded L1 (contracts/devchain.py: eth-tester served as JSON-RPC on 127.0.0.1, its
  database in `l1.db`, durable per request; protocol.md 7.12.2);
- the devnet's own proving key for its batch shape, made once by a single-party setup (fresh
  secrets: devnet only) and cached under `keys/<shape>/`;
- the system deployed once on that chain (contracts/system.py: token, hashers, the generic
  verifier holding the key, the rollup; `deployment.json`, reused after a restart) and the demo
  traders' L1 accounts funded with test tokens;
- the sequencer node on the embedded defaults (SQLite journal, BTC-USD and ETH-USD, devnet oracle
  keys re-signing prices), its exchange configuration bound to the deployed rollup's address.

- the node's prover stage (the same key) and L1 client: deposits and forced withdrawals come from
  the rollup's queue (the faucet route is refused), each closed batch is proven, submitted by the
  sequencer account (eth-tester's, unlocked on the embedded chain: a remote signer over JSON-RPC,
  never a key file) and finalized;
- in validium mode, the data-availability committee: DAC_MEMBERS members served in this process
  (sequencer/dac, each with its SQLite store under `dac/<i>/`), whose quorum signs each batch."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import click
from aiohttp import web
from eth_account import Account
from eth_utils import keccak

from circuits.batch.batch import BatchCircuit, BatchShape
from client.http import AsyncClient, NodeError
from contracts.artifacts import artifact
from contracts.devchain import DevChain, DevChainError, RpcServer
from contracts.generic_verifier import vk_points
from contracts.system import Deployment, DeploymentError, deploy_system
from protocol.pubdata.fields import Mode
from protocol.pubdata.rebuild import Genesis
from prover.formats.json_files import VerifyingKey
from prover.progress import Progress, RichProgress
from sequencer.config import ExchangeConfig
from sequencer.dac.member import Member
from sequencer.dac.server import create_app
from sequencer.dac.store import MemberStore
from sequencer.exchange import Exchange
from sequencer.node.app import serve
from sequencer.node.config import NodeConfig
from sequencer.node.defaults import DEVNET_CHAIN_ID, devnet_config
from sequencer.proving.keys import VK_FILE, ProverKeyError, ensure_keys, key_dir

INITIAL_PRICES = {"BTC-USD": 5_000_000, "ETH-USD": 300_000}  # 50,000.00 and 3,000.00 USD
# The devnet's stand-in oracle re-signs every market's current price this often: a price older than
# oracle_max_age_s (60 s) is stale, and a stale market takes only reducing orders (protocol.md 4.7).
ORACLE_REFRESH_S = 20

DEPLOYMENT_FILE = "deployment.json"
DEFAULT_SLOTS = 8  # a small circuit: the first start makes its key in about a minute
# eth-tester's funded accounts have the public keys 1..10 (index i: key i + 1). The demo traders
# are the first ones (`--eth-key 0x..01` in the banner); the rollup's admin and sequencer the last.
DEMO_TRADERS = 3
DEMO_TOKENS = 1_000_000 * 10**6  # 1,000,000 tUSD each (6 decimals)
ADMIN_INDEX, SEQUENCER_INDEX = 9, 8
# validium mode: the devnet's data-availability committee, keys from PUBLIC seeds (like the devnet
# oracle keys): anyone can sign as a member. A real deployment names its own members.
DAC_MEMBERS, DAC_QUORUM = 3, 2
FORCED_DEADLINE, UPGRADE_DELAY = 7 * 86400, 14 * 86400


log = logging.getLogger("zkclear.devnet")


def eth_key(index: int) -> bytes:
    """The private key of eth-tester's funded account `index` (public knowledge: devnet only)."""
    return (index + 1).to_bytes(32, "big")


def dac_key(i: int) -> bytes:
    """Committee member i's secp256k1 key, from a public seed (devnet only)."""
    return keccak(f"zkclear devnet dac member {i}".encode())


def dac_addresses() -> list[str]:
    return sorted(
        (Account.from_key(dac_key(i)).address for i in range(DAC_MEMBERS)), key=lambda a: int(a, 16)
    )


def exchange_config(rollup: str) -> ExchangeConfig:
    """The devnet's exchange configuration, its signing domain bound to the deployed rollup."""
    return dataclasses.replace(devnet_config(), rollup_address=int(rollup, 16))


def genesis_root(rollup: str) -> int:
    return Exchange(exchange_config(rollup)).state_root


def proving_key(shape: BatchShape, data_dir: Path, progress: Progress, test_key: bool) -> VerifyingKey:
    """The devnet's proving key for `shape`, as the node's prover stage reads it
    (sequencer.proving.keys: `keys/<shape name>/`): made once by a single-party setup from fresh
    secrets (devnet only: whoever runs it could forge proofs), reused after a restart. `test_key`:
    the deterministic cached test key instead (tests only)."""
    progress.step("compiling the batch circuit")
    program = BatchCircuit(shape).program
    return ensure_keys(key_dir(data_dir, shape), shape, program, progress, test_key=test_key).vk


def check_shape(dep: Deployment, shape: BatchShape) -> None:
    """The deployment takes batches of the shape's mode and slot count."""
    if dep.mode != shape.mode.name.lower() or shape.slots not in dep.verifiers:
        raise DeploymentError(
            f"this data dir's rollup is deployed in {dep.mode} mode for batches of "
            f"{sorted(dep.verifiers)} slots, not {shape.mode.name.lower()} with {shape.slots}: "
            "start with those options or delete the data dir"
        )


def deploy_once(w3: Any, path: Path, shape: BatchShape, vk: VerifyingKey) -> tuple[Deployment, bool]:
    """The devnet's deployment: read from `path` if there (and checked against the chain and the
    key), else deployed now, its demo traders funded, and saved. Returns (deployment, new)."""
    if path.exists():
        dep = Deployment.load(path)
        dep.check(w3)
        check_shape(dep, shape)
        v = w3.eth.contract(address=dep.verifiers[shape.slots], abi=artifact("GenericBatchVerifier")["abi"])
        if _lists(v.functions.vkPoints().call()) != _lists(vk_points(vk)):
            raise DeploymentError(
                f"the deployed verifier for {shape.slots} slots does not hold the key in the data dir"
            )
        return dep, False
    accts = w3.eth.accounts
    validium = shape.mode is Mode.VALIDIUM
    dep = deploy_system(
        w3,
        vks={shape.slots: vk},
        mode=shape.mode,
        sequencer=accts[SEQUENCER_INDEX],
        admin=accts[ADMIN_INDEX],
        genesis_root=genesis_root,
        chain_id=int(w3.eth.chain_id),
        dac_members=dac_addresses() if validium else [],
        dac_quorum=DAC_QUORUM if validium else 0,
        forced_deadline=FORCED_DEADLINE,
        upgrade_delay=UPGRADE_DELAY,
    )
    token = dep.token_contract(w3)
    for trader in accts[:DEMO_TRADERS]:
        tx = token.functions.faucet(trader, DEMO_TOKENS).transact({"from": dep.admin})
        w3.eth.wait_for_transaction_receipt(tx)
    dep.save(path)
    return dep, True


def _lists(x: Any) -> Any:
    return [_lists(v) for v in x] if isinstance(x, list | tuple) else int(x)


def node_config(
    data_dir: Path,
    port: int,
    shape: BatchShape,
    dep: Deployment,
    rpc_url: str,
    dac_urls: list[str],
    test_key: bool = False,
) -> NodeConfig:
    """The node's settings on this devnet: its batch circuit is the deployed verifier's, its prover
    uses the devnet's key, its L1 client reads the rollup's queue from the deployment block and
    submits as the deployment's sequencer through the chain's own signer."""
    return NodeConfig(
        data_dir=data_dir,
        port=port,
        devnet=True,
        batch_slots=shape.slots,
        batch_queue=shape.queue,
        batch_withdrawals=shape.withdrawals,
        data_mode=shape.mode.name.lower(),
        prove=True,
        prover_test_key=test_key,
        l1_rpc=rpc_url,
        rollup=dep.rollup,
        l1_from_block=dep.block,
        l1_poll_s=0.5,
        sequencer_signer_rpc=rpc_url,
        sequencer_address=dep.sequencer,
        dac_members=tuple(dac_urls),
        dac_quorum=dep.dac_quorum,
    )


async def start_committee(
    data_dir: Path, dep: Deployment, config: ExchangeConfig
) -> tuple[list[str], list[web.AppRunner], list[MemberStore]]:
    """Validium: the devnet's committee members, each an HTTP server on a free local port with its
    own store under dac/<i>/; returns their URLs (what the node posts batches to)."""
    ex = Exchange(config)
    genesis = Genesis(config.params_hash(), tuple(None if m is None else m.config_hash for m in ex.markets))
    urls, runners, stores = [], [], []
    for i in range(DAC_MEMBERS):
        store = MemberStore(data_dir / "dac" / str(i) / "dac.db")
        member = Member(store, Account.from_key(dac_key(i)), int(dep.rollup, 16), dep.chain_id, genesis)
        runner = web.AppRunner(create_app(member), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        urls.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
        runners.append(runner)
        stores.append(store)
    return urls, runners, stores


def usage(url: str, rpc_url: str, data_dir: Path, dep: Deployment, shape: BatchShape) -> str:
    verify = (
        f"  .venv/bin/zkclear verify chain --rollup {dep.rollup} --vk {key_dir(data_dir, shape) / VK_FILE}"
    )
    if shape.mode is Mode.ROLLUP:  # the state rebuilt from L1 data alone needs the genesis parameters
        verify_hint = f"  curl -s {url}/v1/params > var/params.json\n{verify} --genesis var/params.json\n"
    else:  # validium: the proofs checked; the data is the committee's
        verify_hint = verify + "\n"
    traders = ", ".join(f"0x{eth_key(i).hex().lstrip('0') or '0'}" for i in range(DEMO_TRADERS))
    return f"""
zkclear devnet: sequencer node listening on {url}
  data dir      {data_dir} (node journal, L1 database, keys, deployment.json; delete it to start over)
  API document  {url}/openapi.json
  markets       BTC-USD, ETH-USD (devnet oracle keys sign the prices, re-signed every {ORACLE_REFRESH_S} s)

Embedded L1 (eth-tester, JSON-RPC): {rpc_url}
  chain id      {dep.chain_id}
  rollup        {dep.rollup} ({dep.mode} mode, batches of {shape.slots} slots: {shape.name})
  token         {dep.token} (tUSD, 6 decimals; faucet(to, amount) mints)
  verifier      {dep.verifiers[shape.slots]} (generic, holding the devnet's key)
  demo traders  Ethereum keys {traders}: {DEMO_TOKENS // 10**6:,} tUSD and 1,000,000 ETH each

Try it (in another shell):
  export ZKCLEAR_NODE={url} ZKCLEAR_RPC={rpc_url} ZKCLEAR_KEYSTORE=$PWD/var/alice.json ZKCLEAR_PASSWORD=devnet
  .venv/bin/zkclear account create --eth-key 0x$(printf '%064x' 1)
  .venv/bin/zkclear deposit 10000            # approve + deposit on L1; waits until the node credits it
  .venv/bin/zkclear markets
  .venv/bin/zkclear order place BTC-USD buy 0.01 --price 49990
  .venv/bin/zkclear book BTC-USD
  .venv/bin/zkclear account show
  .venv/bin/zkclear withdraw 100             # debited on L2, paid on L1 once its batch is final
  .venv/bin/zkclear batches                  # closed -> proving -> proven -> submitted -> finalized
  .venv/bin/zkclear claim                    # takes the finalized withdrawal out on L1
  .venv/bin/zkclear l1 status
{verify_hint}  curl -s {url}/metrics
  curl -s -X POST {url}/v1/devnet/oracle -d '{{"market": "BTC-USD", "price": "5100000"}}'

Ctrl-C stops it; the data dir keeps the node's journal, the L1 chain and the keys.
"""


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


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/devnet"),
    show_default=True,
)
@click.option("--port", type=int, default=7070, show_default=True, help="The node's port (0: a free one).")
@click.option(
    "--l1-port",
    type=int,
    default=8545,
    show_default=True,
    help="The embedded L1's JSON-RPC port (0: a free one).",
)
@click.option(
    "--batch-slots",
    type=click.IntRange(min=2),
    default=DEFAULT_SLOTS,
    show_default=True,
    help="Slots of the batch circuit (its key is made at the first start).",
)
@click.option(
    "--batch-queue", type=click.IntRange(min=1), help="L1 queue records per batch (default: slots / 8)."
)
@click.option(
    "--batch-withdrawals", type=click.IntRange(min=1), help="Withdrawals per batch (default: slots / 8)."
)
@click.option(
    "--data-mode",
    type=click.Choice(["validium", "rollup"]),
    default="rollup",
    show_default=True,
    help="rollup: state diffs on L1 (anyone rebuilds the state); validium: to the devnet's committee.",
)
@click.option("--test-key", is_flag=True, hidden=True, help="Tests: the deterministic cached test key.")
@click.option("-v", "--verbose", is_flag=True)
def devnet(
    data_dir: Path,
    port: int,
    l1_port: int,
    batch_slots: int,
    batch_queue: int | None,
    batch_withdrawals: int | None,
    data_mode: str,
    test_key: bool,
    verbose: bool,
) -> None:
    """Start the all-in-one devnet on the embedded defaults (Ctrl-C stops it)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s"
    )
    shape = NodeConfig(
        data_dir=data_dir,
        batch_slots=batch_slots,
        batch_queue=batch_queue,
        batch_withdrawals=batch_withdrawals,
        data_mode=data_mode,
    ).shape
    data_dir.mkdir(parents=True, exist_ok=True)
    if not (data_dir / DEPLOYMENT_FILE).exists() and (data_dir / "journal.db").exists():
        raise click.ClickException(
            f"{data_dir} holds a node journal but no L1 deployment (a devnet from before the embedded "
            "L1): delete the data dir to start over"
        )
    t0 = time.monotonic()
    progress = RichProgress()
    try:
        if (data_dir / DEPLOYMENT_FILE).exists():  # before making a key for a shape it cannot use
            check_shape(Deployment.load(data_dir / DEPLOYMENT_FILE), shape)
        vk = proving_key(shape, data_dir, progress, test_key)
        chain = DevChain(data_dir, chain_id=DEVNET_CHAIN_ID)
        dep, new = deploy_once(chain.web3(), data_dir / DEPLOYMENT_FILE, shape, vk)
    except (DeploymentError, DevChainError, ProverKeyError, OSError, ValueError) as e:
        raise click.ClickException(str(e)) from e
    log.info(
        "L1 ready in %.1f s (%s, chain at block %d)",
        time.monotonic() - t0,
        "deployed" if new else "reused deployment",
        chain.tester.get_block_by_number("latest")["number"],
    )
    tasks: set[asyncio.Task[None]] = set()

    async def run() -> None:
        server = RpcServer(chain, "127.0.0.1", l1_port)
        rpc_url = await server.start()

        def ready(url: str) -> None:
            click.echo(usage(url, rpc_url, data_dir, dep, shape))
            feeder = asyncio.get_running_loop().create_task(feed_prices(url))
            tasks.add(feeder)  # a reference, so the task is not collected while it runs

        config = exchange_config(dep.rollup)
        runners: list[web.AppRunner] = []
        stores: list[MemberStore] = []
        try:
            urls: list[str] = []
            if shape.mode is Mode.VALIDIUM:
                urls, runners, stores = await start_committee(data_dir, dep, config)
            ncfg = node_config(data_dir, port, shape, dep, rpc_url, urls, test_key)
            await serve(ncfg, config, on_ready=ready)
        finally:
            for r in runners:
                await r.cleanup()
            for st in stores:
                st.close()
            await server.stop()

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run())
    except OSError as e:  # a port in use
        raise click.ClickException(f"{e} (--port 0 / --l1-port 0 pick free ports)") from e
    finally:
        chain.close()
