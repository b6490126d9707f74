"""The node's L1 client on the in-process EVM (eth-tester, py-evm): a real node (aiohttp, SQLite)
started with the rollup and an encrypted keystore for its submitter key.  A deposit made on L1
(approve + deposit) is credited, a forced withdrawal is consumed, the devnet faucet is refused,
`GET /v1/info` names the L1, and the proven batch (a real proof of the node's own batch) is
submitted, finalized and pays the forced withdrawal on L1.  The gas of submitBatch is printed
(pytest -s)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from eth_account import Account
from web3 import EthereumTesterProvider, Web3

from client.http import AsyncClient, NodeError
from sequencer.config import ExchangeConfig
from sequencer.journal.store import Store
from sequencer.l1.submitter import proof_words
from sequencer.node.app import create_app
from sequencer.node.config import NodeConfig
from sequencer.node.routes.common import NODE_KEY
from sequencer.node.server import NodeRunner
from sequencer.node.service import Node
from tests.l1.l1_lib import SHAPE, Stack, deploy_stack, prove_closed
from tests.node.harness import trader

USD = 1_000_000
PASSWORD = "correct horse battery staple"


@contextlib.asynccontextmanager
async def l1_node(data_dir: Path, ecfg: ExchangeConfig, **kw: Any) -> AsyncIterator[tuple[Node, AsyncClient]]:
    cfg = NodeConfig(
        data_dir=data_dir,
        port=0,
        devnet=True,
        batch_max_age_s=3600,
        batch_slots=SHAPE.slots,
        batch_queue=SHAPE.queue,
        batch_withdrawals=SHAPE.withdrawals,
        data_mode="rollup",
        l1_poll_s=0.05,
        **kw,
    )
    app = create_app(cfg, ecfg)
    runner = NodeRunner(app, header_timeout_s=cfg.header_timeout_s, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = AsyncClient(f"http://127.0.0.1:{port}")
    try:
        yield app[NODE_KEY], client
    finally:
        await client.close()
        await runner.cleanup()


async def until(pred: Any, timeout: float = 60.0) -> Any:
    for _ in range(int(timeout / 0.05)):
        v = pred()
        if v:
            return v
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def stack(tmp_path: Path) -> tuple[Stack, Path]:
    w3 = Web3(EthereumTesterProvider())
    admin, user = w3.eth.accounts[0], w3.eth.accounts[2]
    seq = Account.create()
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": admin, "to": seq.address, "value": 10**20})
    )
    keystore = tmp_path / "sequencer.json"
    keystore.write_text(__import__("json").dumps(Account.encrypt(seq.key, PASSWORD)))
    (tmp_path / "password").write_text(PASSWORD + "\n")
    st = deploy_stack(w3, admin, seq.address)
    assert user
    return st, keystore


def test_l1_deposit_forced_withdrawal_and_batch_finalized(stack: tuple[Stack, Path], tmp_path: Path) -> None:
    st, keystore = stack
    user = st.w3.eth.accounts[2]
    pub = trader(0).pub
    data = tmp_path / "node"

    async def main() -> None:
        opts = {
            "l1_web3": st.w3,
            "rollup": st.rollup.address,
            "sequencer_key": keystore,
            "sequencer_password_file": tmp_path / "password",
        }
        async with l1_node(data, st.cfg, **opts) as (node, client):
            info = await client.info()
            assert info["l1"] == {
                "rpc": "in-process",
                "chain_id": str(st.cfg.chain_id),
                "rollup": st.rollup.address.lower(),
                "token": st.token.address.lower(),
                "confirmations": 0,
            }
            with pytest.raises(NodeError) as err:
                await client.devnet_deposit({"pub_x": str(pub[0]), "pub_y": str(pub[1]), "amount": "5"})
            assert err.value.code == "rejected" and err.value.details["reason"] == "L1_DEPOSITS_ONLY"
            assert node.engine is not None
            ex = node.engine.ex
            st.deposit(user, pub, 1_000 * USD)
            await until(lambda: ex.queue_next == 1)
            acct = await client.account_by_key(pub)
            aid = int(acct["account_id"])
            assert ex.accounts[aid].collateral == 1_000 * USD and ex.accounts[aid].owner == int(user, 16)
            st.force_withdrawal(user, aid, 300 * USD)
            await until(lambda: ex.queue_next == 2)
            assert ex.accounts[aid].collateral == 700 * USD
            out = await node.close_batch()
            assert out is not None
            number = out["batch"]["number"]
            await node.batches_barrier()
            # the prover stage's part, done here as it does it
            proved = await asyncio.to_thread(prove_closed, node.config.journal_path, st.cfg)
            assert proved == [number]
            store = Store(node.config.journal_path)
            try:
                row = await until(
                    lambda: (r := store.batch(number)) is not None and r.status == "finalized" and r
                )
            finally:
                store.close()
            r = st.rollup.functions
            assert r.batchNumber().call() == 1
            assert int.from_bytes(r.stateRoot().call(), "big") == int(row.new_root)
            assert r.queueConsumed().call() == 2
            assert r.claimable(user).call() == 300 * USD
            rc = st.w3.eth.get_transaction_receipt(row.info["l1_tx"])
            assert rc["gasUsed"] == row.info["l1_gas"] and rc["blockNumber"] == row.info["l1_block"]
            assert row.info["l1_final_block"] >= row.info["l1_block"] and row.info["l1_error"] is None
            print(f"\nsubmitBatch ({SHAPE.name}, 2 queue entries) by the node: {row.info['l1_gas']} gas")
            batch = await client.batch(number)
            assert batch["status"] == "finalized"
        # a restart checks the rollup's root against the node's last batch and submits nothing
        async with l1_node(data, st.cfg, **opts) as (node, client):
            assert node.l1 is not None and node.l1.checked
            await asyncio.sleep(0.3)
            assert r.batchNumber().call() == 1
            assert st.w3.eth.get_transaction_count(node.l1.sender.address) == 1  # type: ignore[union-attr]

    asyncio.run(main())


def test_proof_words_are_the_contract_order() -> None:
    proof = {"pi_a": ["1", "2", "1"], "pi_b": [["3", "4"], ["5", "6"], ["1", "0"]], "pi_c": ["7", "8", "1"]}
    assert proof_words(proof) == [1, 2, 4, 3, 6, 5, 7, 8]
