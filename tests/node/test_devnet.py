"""`zkclear devnet` (what `make run` starts): the embedded L1 served on its JSON-RPC port with the
system deployed (the generic verifier holding the devnet's key, the rollup at the genesis root of
the exchange configuration bound to its address, the committee in validium mode) and the demo
traders funded; the node on the embedded defaults with seeded prices; the banner's list of what
to try; a clean stop on SIGINT; a restart that reuses the key, the deployment and the L1 state; a
start in another data mode on the same data dir is refused. The devnet runs on the committed
8-slot test key (`--test-key`; making a key takes a minute: bench figures, not tests)."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

from web3 import Web3

from circuits.batch.batch import BatchShape
from client.http import AsyncClient
from contracts.artifacts import artifact
from contracts.generic_verifier import vk_points
from contracts.system import Deployment
from sequencer.batch_keys import SHAPES, committed_vk
from sequencer.node.defaults import DEVNET_CHAIN_ID
from tests.conftest import free_port
from tests.node.devnet_proc import DEVNET, spawn_devnet
from tests.node.harness import ROOT
from zkclear.devnet import DAC_QUORUM, DEMO_TOKENS, DEMO_TRADERS, dac_addresses, genesis_root

SHAPE = SHAPES[0]  # batch_s8_q2_w1_validium


def devnet_cmd(data_dir: Path, port: int, shape: BatchShape = SHAPE) -> list[str]:
    return [
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--l1-port",
        "0",
        "--batch-slots",
        str(shape.slots),
        "--batch-queue",
        str(shape.queue),
        "--batch-withdrawals",
        str(shape.withdrawals),
        "--data-mode",
        shape.mode.name.lower(),
        "--test-key",
    ]


def start(data_dir: Path, port: int, shape: BatchShape = SHAPE) -> tuple[subprocess.Popen[str], str]:
    """The devnet in a subprocess; returns it and its banner (read up to the end of the list)."""
    return spawn_devnet(devnet_cmd(data_dir, port, shape))


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0


def l1_state(w3: Any, d: Deployment) -> tuple[Any, ...]:
    head = w3.eth.get_block("latest")
    token = d.token_contract(w3)
    return head["number"], bytes(head["hash"]), [token.functions.balanceOf(a).call() for a in w3.eth.accounts]


def test_devnet_deploys_serves_l1_seeds_prices_and_restarts(tmp_path: Path) -> None:
    data_dir = tmp_path / "dv"
    vk = committed_vk(SHAPE)
    port = free_port()
    proc, banner = start(data_dir, port)
    try:
        assert f"http://127.0.0.1:{port}" in banner
        assert "zkclear claim" in banner and "zkclear verify chain" in banner
        m = re.search(r"Embedded L1 \(eth-tester, JSON-RPC\): (http://127\.0\.0\.1:\d+)", banner)
        assert m is not None, banner
        w3 = Web3(Web3.HTTPProvider(m.group(1)))
        assert w3.eth.chain_id == DEVNET_CHAIN_ID
        d = Deployment.load(data_dir / "deployment.json")
        d.check(w3)
        assert d.rollup in banner and d.token in banner and d.mode == "validium"
        verifier = w3.eth.contract(
            address=d.verifiers[SHAPE.slots], abi=artifact("GenericBatchVerifier")["abi"]
        )
        assert verifier.functions.vkPoints().call() == _tuples(vk_points(vk))
        rollup = d.rollup_contract(w3)
        assert int.from_bytes(rollup.functions.stateRoot().call(), "big") == genesis_root(d.rollup)
        assert rollup.functions.dacQuorum().call() == DAC_QUORUM
        assert all(rollup.functions.isDacMember(a).call() for a in dac_addresses())
        token = d.token_contract(w3)
        traders = w3.eth.accounts[:DEMO_TRADERS]
        assert [token.functions.balanceOf(a).call() for a in traders] == [DEMO_TOKENS] * DEMO_TRADERS

        async def check() -> list[str]:
            async with AsyncClient(f"http://127.0.0.1:{port}") as c:
                for _ in range(50):
                    prices = [m["oracle_price"] for m in await c.markets()]
                    if "0" not in prices:
                        return prices
                    await asyncio.sleep(0.1)
                return prices

        assert asyncio.run(check()) == ["5000000", "300000"]
        # an L1 transaction from another process, then a restart: nothing lost, nothing redeployed
        rc = w3.eth.wait_for_transaction_receipt(
            token.functions.transfer(traders[1], 12345).transact({"from": traders[0]})
        )
        assert rc["status"] == 1
        before = l1_state(w3, d)
        stop(proc)
        assert (data_dir / "journal.db").exists() and (data_dir / "l1.db").exists()

        proc, banner = start(data_dir, port)
        m = re.search(r"JSON-RPC\): (http://127\.0\.0\.1:\d+)", banner)
        assert m is not None
        w3 = Web3(Web3.HTTPProvider(m.group(1)))
        assert Deployment.load(data_dir / "deployment.json") == d and d.rollup in banner
        assert l1_state(w3, d) == before
        stop(proc)
        # another mode on the same data dir: refused before any key is made, nothing changed
        r = subprocess.run(
            [*DEVNET, *devnet_cmd(data_dir, port), "--data-mode", "rollup"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert r.returncode == 1 and "deployed in validium mode" in r.stderr, r.stderr[-2000:]
        assert sorted(p.name for p in (data_dir / "keys").iterdir()) == [SHAPE.name]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _tuples(x: Any) -> Any:
    """vk_points' nested tuples as web3 returns them (lists)."""
    return [_tuples(v) for v in x] if isinstance(x, list | tuple) else x
