"""The node's L1 client on the in-process EVM (eth-tester, py-evm): a real node (aiohttp, SQLite)
started with the rollup and an encrypted keystore for its submitter key.  A deposit made on L1
(approve + deposit) is credited, a forced withdrawal is consumed, the devnet faucet is refused,
`GET /v1/info` names the L1, and the proven batch (a real proof of the node's own batch) is
submitted, finalized and pays the forced withdrawal on L1; two batches proven together go in one
submitBatches call (--l1-batches-per-call 2).  Validium: no batch is sent without the committee
(the row says why), then with it.  The gas figures are printed (pytest -s)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from eth_account import Account
from jsonschema import Draft202012Validator
from web3 import EthereumTesterProvider, Web3

from circuits.batch.batch import BatchShape
from client.http import AsyncClient, NodeError
from protocol.pubdata.fields import Mode
from sequencer.config import ExchangeConfig
from sequencer.journal.store import Store
from sequencer.l1.calls import proof_words
from sequencer.node.app import create_app
from sequencer.node.config import NodeConfig
from sequencer.node.routes.common import NODE_KEY
from sequencer.node.server import NodeRunner
from sequencer.node.service import Node
from tests.l1.l1_lib import SHAPE, KeyCommittee, deploy_stack, prove_closed
from tests.node.harness import trader

USD = 1_000_000
PASSWORD = "correct horse battery staple"


@contextlib.asynccontextmanager
async def l1_node(
    data_dir: Path, ecfg: ExchangeConfig, shape: BatchShape = SHAPE, committee: Any = None, **kw: Any
) -> AsyncIterator[tuple[Node, AsyncClient]]:
    cfg = NodeConfig(
        data_dir=data_dir,
        port=0,
        devnet=True,
        batch_max_age_s=3600,
        batch_slots=shape.slots,
        batch_queue=shape.queue,
        batch_withdrawals=shape.withdrawals,
        data_mode=shape.mode.name.lower(),
        l1_poll_s=0.05,
        **kw,
    )
    app = create_app(cfg, ecfg)
    app[NODE_KEY].committee = committee
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


def assert_schema(doc: dict[str, Any], route: str, answer: Any) -> None:
    """The answer is valid under the route's 200 schema in the node's OpenAPI document."""
    schema = doc["paths"][route]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(answer)]
    assert not errors, (route, errors, answer)


def submitter_key(w3: Any, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """A fresh submitter key with ETH, in an encrypted keystore; returns its address and the node
    options naming the keystore and its password file."""
    seq = Account.create()
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": seq.address, "value": 10**20})
    )
    keystore = tmp_path / "sequencer.json"
    keystore.write_text(json.dumps(Account.encrypt(seq.key, PASSWORD)))
    (tmp_path / "password").write_text(PASSWORD + "\n")
    return seq.address, {"sequencer_key": keystore, "sequencer_password_file": tmp_path / "password"}


def row_when(journal: Path, number: int, status: str) -> Any:
    store = Store(journal)
    try:
        r = store.batch(number)
        return r if r is not None and r.status == status else None
    finally:
        store.close()


def test_l1_deposit_forced_withdrawal_and_batches_finalized(tmp_path: Path) -> None:
    w3 = Web3(EthereumTesterProvider())
    seq, key_opts = submitter_key(w3, tmp_path)
    st = deploy_stack(w3, w3.eth.accounts[0], seq)
    user, user2 = w3.eth.accounts[2], w3.eth.accounts[3]
    pub = trader(0).pub
    data = tmp_path / "node"
    journal = data / "journal.db"
    opts = {"l1_web3": w3, "rollup": st.rollup.address, "l1_batches_per_call": 2, **key_opts}
    r = st.rollup.functions

    async def main() -> None:
        async with l1_node(data, st.cfg, **opts) as (node, client):
            doc = await client.request("GET", "/openapi.json")
            info = await client.info()
            assert_schema(doc, "/v1/info", info)
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
            assert out is not None and out["batch"]["number"] == 0
            await node.batches_barrier()
            # the prover stage's part, done here as it does it
            assert await asyncio.to_thread(prove_closed, journal, st.cfg) == [0]
            row = await until(lambda: row_when(journal, 0, "finalized"), 120)
            assert r.batchNumber().call() == 1
            assert int.from_bytes(r.stateRoot().call(), "big") == int(row.new_root)
            assert r.queueConsumed().call() == 2
            assert r.claimable(user).call() == 300 * USD
            rc = w3.eth.get_transaction_receipt(row.info["l1_tx"])
            assert rc["gasUsed"] == row.info["l1_gas"] and rc["blockNumber"] == row.info["l1_block"]
            assert row.info["l1_final_block"] >= row.info["l1_block"] and row.info["l1_error"] is None
            print(f"\nsubmitBatch ({SHAPE.name}, 2 queue entries) by the node: {row.info['l1_gas']} gas")
            batch = await client.batch(0)
            assert_schema(doc, "/v1/batches/{number}", batch)
            assert batch["status"] == "finalized" and batch["l1_tx"] == row.info["l1_tx"]
            # two more batches, then one submitBatches call
            st.deposit(user2, trader(1).pub, 500 * USD)
            await until(lambda: ex.queue_next == 3)
            await node.close_batch()
            st.force_withdrawal(user2, ex.by_key[trader(1).pub], 200 * USD)
            await until(lambda: ex.queue_next == 4)
            await node.close_batch()
            await node.batches_barrier()
            # proofs complete out of order (the prover pool's): batch 2 proven first waits for 1
            assert await asyncio.to_thread(prove_closed, journal, st.cfg, SHAPE, {2}) == [2]
            await asyncio.sleep(1.0)  # several submitter rounds
            assert row_when(journal, 2, "proven") is not None and r.batchNumber().call() == 1
            assert await asyncio.to_thread(prove_closed, journal, st.cfg) == [1]
            rows = [await until(lambda n=n: row_when(journal, n, "finalized"), 120) for n in (1, 2)]
            assert rows[0].info["l1_tx"] == rows[1].info["l1_tx"] and rows[0].info["l1_call_batches"] == 2
            assert r.batchNumber().call() == 3 and r.claimable(user2).call() == 200 * USD
            print(
                f"submitBatches of 2 by the node: {rows[0].info['l1_call_gas']} gas, {rows[0].info['l1_gas']} per batch"
            )
        # a restart checks the rollup's root against the node's last batch and submits nothing
        async with l1_node(data, st.cfg, **opts) as (node, client):
            assert node.l1 is not None and node.l1.checked
            await asyncio.sleep(0.3)
            assert r.batchNumber().call() == 3
            assert w3.eth.get_transaction_count(seq) == 2
            # the queue watch goes on from the block of the last entry it applied (journal meta)
            assert node.l1.watch is not None and node.l1.watch.cursor > 0
            assert node.engine is not None
            st.deposit(user, trader(2).pub, 5 * USD)
            await until(lambda: node.engine is not None and node.engine.ex.queue_next == 5)

    asyncio.run(main())


VALIDIUM = BatchShape(8, 2, 1, Mode.VALIDIUM)


def test_validium_batches_wait_for_the_committee(tmp_path: Path) -> None:
    w3 = Web3(EthereumTesterProvider())
    seq, key_opts = submitter_key(w3, tmp_path)
    keys = [Account.from_key(bytes([i + 1]) * 32) for i in range(3)]
    members = sorted((k.address for k in keys), key=lambda a: int(a, 16))
    st = deploy_stack(w3, w3.eth.accounts[0], seq, VALIDIUM, dac=(members, 2))
    committee = KeyCommittee(keys, 2, st.rollup.address, st.cfg.chain_id)
    user = w3.eth.accounts[2]
    data = tmp_path / "node"
    journal = data / "journal.db"
    opts = {"l1_web3": w3, "rollup": st.rollup.address, **key_opts}

    async def main() -> None:
        async with l1_node(data, st.cfg, VALIDIUM, **opts) as (node, client):
            assert node.engine is not None
            st.deposit(user, trader(0).pub, 1_000 * USD)
            await until(lambda: node.engine is not None and node.engine.ex.queue_next == 1)
            await node.close_batch()
            await node.batches_barrier()
            assert await asyncio.to_thread(prove_closed, journal, st.cfg, VALIDIUM) == [0]
            row = await until(
                lambda: (x := row_when(journal, 0, "proven")) and x.info.get("l1_attempts") and x
            )
            assert "l1_config" in row.info["l1_error"] and "committee" in row.info["l1_error"]
            assert st.rollup.functions.batchNumber().call() == 0
            assert (await client.batch(0))["status"] == "proven"
        gate = committee.gate = asyncio.Event()
        async with l1_node(data, st.cfg, VALIDIUM, committee=committee, **opts) as (node, client):
            # the batches stream shows the L1 stage's transitions
            statuses: list[str] = []

            async def watch() -> None:
                async for ev in client.stream([{"channel": "batches"}]):
                    if ev.get("type") == "subscribed":
                        gate.set()  # the committee signs (and the batch is sent) only now
                    if ev.get("type") == "batch" and ev["number"] == 0:
                        statuses.append(ev["status"])
                        if ev["status"] == "finalized":
                            assert ev["l1_tx"] is not None
                            return

            watcher = asyncio.create_task(watch())
            row = await until(lambda: row_when(journal, 0, "finalized"), 120)
            await asyncio.wait_for(watcher, 30)
            assert statuses[-2:] == ["submitted", "finalized"]
            assert committee.signed == [0] and row.info["l1_error"] is None
            assert st.rollup.functions.batchNumber().call() == 1
            print(f"\nsubmitValidiumBatch ({VALIDIUM.name}) by the node: {row.info['l1_gas']} gas")

    asyncio.run(main())


def test_proof_words_are_the_contract_order() -> None:
    proof = {"pi_a": ["1", "2", "1"], "pi_b": [["3", "4"], ["5", "6"], ["1", "0"]], "pi_c": ["7", "8", "1"]}
    assert proof_words(proof) == [1, 2, 4, 3, 6, 5, 7, 8]
