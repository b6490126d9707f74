"""End to end on the embedded L1, as a user of `make run` meets it: `zkclear devnet` in rollup mode,
and in validium mode with its committee (its own chain served over JSON-RPC, the system deployed, the node with its prover stage and L1
client) and only the CLI against it. Two traders deposit on L1 (approve + deposit; the node credits
them from the rollup's queue), trade, one withdraws; every batch is proven by the node, submitted
and finalized on L1; the withdrawal is claimed on L1; `zkclear verify chain` then verifies every
batch from L1 data alone and, in rollup mode, rebuilds the state to the root the node and the
contract hold. Runs on the committed 8-slot test keys (`--test-key`)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from web3 import Web3

from circuits.batch.batch import BatchShape
from client.http import Client
from contracts.system import Deployment
from protocol.pubdata.fields import Mode
from sequencer.batch_keys import SHAPES, vk_path
from tests.conftest import free_port
from tests.node.test_devnet import start, stop
from zkclear.cli import main
from zkclear.devnet import eth_key

pytestmark = pytest.mark.node
USD = 1_000_000
PW = "pw"


def cli(node: str, ks: Path, *args: str) -> Any:
    env = {"ZKCLEAR_NODE": node, "ZKCLEAR_KEYSTORE": str(ks), "ZKCLEAR_PASSWORD": PW}
    r: Result = CliRunner().invoke(main, [*args, "--json"], env=env)
    assert r.exit_code == 0, (args, r.output)
    return json.loads(r.stdout)


def wait_for(pred: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.5)


@pytest.mark.parametrize(
    "shape",
    # validium (with the devnet's committee) only with --runslow: the committee path is covered by
    # tests/l1/test_inprocess.py and tests/dac, and the suite's time is bounded
    [SHAPES[1], pytest.param(SHAPES[0], marks=pytest.mark.slow)],
    ids=lambda s: s.mode.name.lower(),
)
def test_deposit_trade_withdraw_prove_finalize_claim_and_rebuild(tmp_path: Path, shape: BatchShape) -> None:
    data_dir, port = tmp_path / "dv", free_port()
    rollup_mode = shape.mode is Mode.ROLLUP
    proc, banner = start(data_dir, port, shape)
    try:
        m = re.search(r"JSON-RPC\): (http://127\.0\.0\.1:\d+)", banner)
        assert m is not None, banner
        rpc, node = m.group(1), f"http://127.0.0.1:{port}"
        w3 = Web3(Web3.HTTPProvider(rpc))
        dep = Deployment.load(data_dir / "deployment.json")
        token, rollup = dep.token_contract(w3), dep.rollup_contract(w3)
        maker, taker = tmp_path / "maker.json", tmp_path / "taker.json"
        for i, ks in enumerate((maker, taker)):
            key = "0x" + eth_key(i).hex()
            cli(node, ks, "account", "create", "--eth-key", key, "--scrypt-n", "1024")
            out = cli(node, ks, "deposit", "10000", "--wait-timeout", "180")
            assert out["credited"] and out["collateral"] == str(10_000 * USD)
        assert token.functions.balanceOf(dep.rollup).call() == 20_000 * USD

        cli(node, maker, "order", "place", "BTC-USD", "sell", "0.01", "--price", "50000")
        cli(node, taker, "order", "place", "BTC-USD", "buy", "0.01", "--price", "50000")
        shown = cli(node, taker, "account", "show")
        assert any(p["size"] == "100" for p in shown["positions"]), shown
        assert cli(node, maker, "withdraw", "100")["amount"] == str(100 * USD)

        with Client(node) as c:
            # every operation closed into a batch (the devnet's max age), each batch finalized on L1
            wait_for(lambda: c.request("GET", "/v1/state")["open_batch"]["n_ops"] == 0, 120, "the last batch")
            closed = c.request("GET", "/v1/state")["open_batch"]["number"]

            def final() -> bool:  # the batches holding our operations (the oracle's keep coming)
                rows = c.request("GET", "/v1/batches", params={"limit": "100"})["batches"]
                ours = [b for b in rows if int(b["number"]) < closed]
                return len(ours) == closed and all(b["status"] == "finalized" for b in ours)

            wait_for(final, 900, "every batch proven, submitted and finalized")
            rows = c.request("GET", "/v1/batches", params={"limit": "100"})["batches"]
            assert all(b["proof"] and b["l1_tx"] for b in rows if int(b["number"]) < closed)
            (tmp_path / "genesis.json").write_text(json.dumps(c.request("GET", "/v1/params")))
            # the devnet's oracle keeps closing batches: compare L1 and the node at one block
            block = w3.eth.block_number
            on_l1 = rollup.functions.batchNumber().call(block_identifier=block)
            root = int.from_bytes(rollup.functions.stateRoot().call(block_identifier=block), "big")
            assert on_l1 >= closed and int(c.request("GET", f"/v1/batches/{on_l1 - 1}")["new_root"]) == root

        owner = w3.eth.accounts[0]
        before = token.functions.balanceOf(owner).call()
        assert cli(node, maker, "claim")["amount"] == str(100 * USD)
        assert token.functions.balanceOf(owner).call() - before == 100 * USD

        vk = data_dir / "keys" / shape.name / "verification_key.json"
        assert json.loads(vk.read_text()) == json.loads(vk_path(shape).read_text())
        args = ["verify", "chain", "--rpc", rpc, "--rollup", dep.rollup, "--vk", str(vk), "--json"]
        if rollup_mode:  # the state rebuilt from L1 data alone
            args += ["--genesis", str(tmp_path / "genesis.json")]
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert out["rebuilt"] == rollup_mode and out["batches"] >= on_l1
        with Client(node) as c:
            assert out["state_root"] == c.request("GET", f"/v1/batches/{out['batches'] - 1}")["new_root"]
        stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
