"""The trader's commands against a real node with an L1 (`zkclear node` subprocess, its L1 client
on anvil from npm, every call over real HTTP and JSON-RPC): `zkclear account create` asks the node
for the chain id and rollup; `zkclear deposit` finds the L1 in the node's `GET /v1/info`, sends
approve + deposit from the keystore's Ethereum key, and returns once the node has credited the
account (its collateral, the account id saved in the keystore); `zkclear l1 status` and
`zkclear forced-withdraw` then work from the node's L1 and the keystore alone. The node's batch
(the deposit, the forced withdrawal and an L2 `zkclear withdraw`) is proven as the prover stage
does and the node submits it; `zkclear claim` takes both withdrawals. A forced request the
sequencer never gets proven lets `zkclear exit --freeze --from-node` freeze the rollup and escape
with the node's proof: paid exactly the account's collateral; a second exit is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from eth_account import Account

from client.http import Client
from tests.l1.l1_lib import SHAPE_OPTIONS, deploy_stack, prove_closed, wait_for
from tests.l1.test_anvil_node import anvil  # noqa: F401  (anvil on a free port)
from tests.node.harness import kill9, spawn_node
from zkclear.cli import main

pytestmark = pytest.mark.node
USD = 1_000_000
PW = "pw"
ETH_KEY = b"\x33" * 32


def cli(node_url: str, ks: Path, *args: str) -> Result:
    env = {"ZKCLEAR_NODE": node_url, "ZKCLEAR_KEYSTORE": str(ks), "ZKCLEAR_PASSWORD": PW}
    return CliRunner().invoke(main, [*args, "--json"], env=env)


def ok(r: Result) -> Any:
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_deposit_waits_until_the_node_credits_it(anvil: tuple[Any, str], tmp_path: Path) -> None:  # noqa: F811
    w3, url = anvil
    admin, seq = w3.eth.accounts[:2]
    st = deploy_stack(w3, admin, seq)
    me = Account.from_key(ETH_KEY)
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": admin, "to": me.address, "value": 10**19})
    )
    st.tx(st.token.functions.faucet(me.address, 5_000 * USD), admin)
    opts = ["--genesis", str(st.genesis_file(tmp_path / "genesis.json")), "--l1-rpc", url]
    opts += ["--rollup", st.rollup.address, "--sequencer-signer-rpc", url, "--sequencer-address", seq]
    proc, node_url = spawn_node(
        tmp_path / "node", *opts, *SHAPE_OPTIONS, "--l1-poll", "0.2", "--l1-stuck", "3600"
    )
    try:
        ks = tmp_path / "me.json"
        created = ok(
            cli(node_url, ks, "account", "create", "--eth-key", "0x" + ETH_KEY.hex(), "--scrypt-n", "1024")
        )
        assert int(created["rollup"], 16) == int(st.rollup.address, 16) and created["account_id"] is None
        out = ok(cli(node_url, ks, "deposit", "1234.5", "--wait-timeout", "90"))
        assert out["credited"] and out["collateral"] == str(1_234_500_000) and out["queue_index"] == 0
        aid = out["account_id"]
        assert json.loads(ks.read_text())["account_id"] == aid
        assert st.token.functions.balanceOf(st.rollup.address).call() == 1_234_500_000
        shown = ok(cli(node_url, ks, "account", "show"))
        assert shown["collateral"] == str(1_234_500_000) and shown["owner"] == me.address.lower()
        status = ok(cli(node_url, ks, "l1", "status"))
        assert status["queue_end"] == 1 and status["address"] == me.address
        assert status["token_balance"] == str(5_000 * USD - 1_234_500_000)
        forced = ok(cli(node_url, ks, "forced-withdraw", "34.5"))
        assert forced["account_id"] == aid and forced["queue_index"] == 1
        # the node consumes the request: 34.5 USD withdrawn from the account
        wait_for(
            lambda: ok(cli(node_url, ks, "account", "show"))["collateral"] == str(1_200_000_000),
            60,
            "the forced withdrawal",
        )
        assert ok(cli(node_url, ks, "withdraw", "100"))["amount"] == str(100 * USD)
        # the batches closed (a max age of 20 s), proven as the prover stage does, submitted by the node
        with Client(node_url) as c:
            wait_for(lambda: c.request("GET", "/v1/state")["open_batch"]["n_ops"] == 0, 60, "the batch")
            closed = c.request("GET", "/v1/state")["open_batch"]["number"]
        assert prove_closed(tmp_path / "node" / "journal.db", st.cfg) == list(range(closed))
        wait_for(lambda: st.rollup.functions.batchNumber().call() == closed, 60, "the submission")
        claimed = ok(cli(node_url, ks, "claim"))
        assert claimed["amount"] == str(134_500_000) and claimed["to"] == me.address
        # a forced request the sequencer takes into a batch that is never proven: overdue on L1
        assert ok(cli(node_url, ks, "forced-withdraw", "1"))["queue_index"] == 2
        w3.provider.make_request("evm_increaseTime", [7 * 86400 + 1])
        w3.provider.make_request("evm_mine", [])
        before = st.token.functions.balanceOf(me.address).call()
        out = ok(cli(node_url, ks, "exit", "--freeze", "--from-node"))
        assert [t["what"] for t in out["transactions"]] == ["freeze", "publishing the exit state", "escape"]
        assert out["escape"]["account_id"] == aid and out["escape"]["paid"] == str(1_100_000_000)
        assert st.token.functions.balanceOf(me.address).call() - before == 1_100_000_000
        assert st.rollup.functions.frozen().call() and st.rollup.functions.escaped(aid).call()
        again = cli(node_url, ks, "exit", "--from-node")
        assert again.exit_code == 1 and "already escaped" in json.loads(again.stdout)["error"]["message"]
    finally:
        kill9(proc)
