"""`zkclear verify` on a devnet-style deployment (contracts.system.deploy_system: the batch verifier
is the generic one holding its key in immutables): a real batch proven under the committed 8-slot
rollup test key and submitted is valid with that key given as `--vk FILE`; the same verifier code
with one immutable word changed (deployed as raw code) is not the trusted key's, and a generic
verifier holding another key is refused by name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import client.cli.verify as cli_verify
from client.verify import L1, Invalid, key_of_code, verify_batch
from contracts.artifacts import artifact
from contracts.generic_verifier import deploy_generic_verifier, runtime_code
from contracts.system import Deployment, deploy_system
from protocol.messages.order import TimeInForce
from protocol.pubdata.fields import Mode
from prover.formats.json_files import vk_to_json, write_json
from sequencer.batch_keys import SHAPES, committed_vk
from tests.client.test_verify import _prove_and_submit
from tests.contracts.conftest import CHAIN_ID, DEADLINE, DELAY, Chain, _chain  # noqa: F401
from tests.contracts.test_submit_batch import DEPOSIT, WITHDRAWN
from tests.sequencer.world import BTC, BUY, SELL, World, trader_signer
from zkclear.cli import main as zkclear_main

SHAPE = next(s for s in SHAPES if s.mode is Mode.ROLLUP)
OTHER = committed_vk(next(s for s in SHAPES if s.mode is Mode.VALIDIUM))


def deploy_code(w3: Any, sender: str, runtime: bytes) -> str:
    """A contract whose deployed code is exactly `runtime` (init: CODECOPY the tail, RETURN it)."""
    init = bytes([0x61, *len(runtime).to_bytes(2, "big"), 0x80, 0x60, 0x0A, 0x5F, 0x39, 0x5F, 0xF3])
    tx = w3.eth.send_transaction({"from": sender, "data": init + runtime, "gas": 3_000_000})
    rc = w3.eth.wait_for_transaction_receipt(tx)
    assert rc["status"] == 1
    return str(rc["contractAddress"])


@pytest.fixture(scope="module")
def dep(_chain: Chain) -> Deployment:  # noqa: F811
    """A deployment of the rollup-mode system with batch 0 proven and submitted."""
    ch = _chain
    w = World()
    d = deploy_system(
        ch.w3,
        vks={SHAPE.slots: committed_vk(SHAPE)},
        mode=Mode.ROLLUP,
        sequencer=ch.sequencer,
        admin=ch.admin,
        genesis_root=w.ex.state_root,
        chain_id=CHAIN_ID,
        forced_deadline=DEADLINE,
        upgrade_delay=DELAY,
    )
    rollup, token = d.rollup_contract(ch.w3), d.token_contract(ch.w3)
    start = w.ex.global_state(), w.ex.trees.accounts.root
    for i, u in enumerate(ch.users[:2]):
        ch.tx(token.functions.faucet(u, DEPOSIT), u)
        ch.tx(token.functions.approve(rollup.address, 2**256 - 1), u)
        x, y = trader_signer(i).pub
        ch.tx(rollup.functions.deposit(int(x), int(y), DEPOSIT), u)
        assert w.deposit(i, DEPOSIT, owner=int(u, 16)).ok
    assert w.oracle(BTC, 5_000_000).ok
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.withdraw(1, WITHDRAWN, recipient=int(ch.users[4], 16)).ok
    _prove_and_submit(ch, rollup, w, start)
    assert rollup.functions.batchNumber().call() == 1
    return d


def test_the_generic_verifier_is_trusted_with_its_key(
    _chain: Chain,  # noqa: F811
    dep: Deployment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vk = committed_vk(SHAPE)
    res = verify_batch(L1(_chain.w3, dep.rollup), 0, [vk])
    assert res.verifier == dep.verifiers[SHAPE.slots] and res.header.batch_number == 0
    with pytest.raises(
        Invalid, match=r"batch 0: verifier: the verifier at 0x\w+ for 8 slots is not the trusted"
    ):
        verify_batch(L1(_chain.w3, dep.rollup), 0, [OTHER])
    # the CLI with the key as a file (as a devnet's own key is given)
    key = tmp_path / "verification_key.json"
    write_json(key, vk_to_json(vk))
    monkeypatch.setattr(cli_verify, "_l1", lambda rpc, rollup: L1(_chain.w3, rollup))
    r = CliRunner().invoke(
        zkclear_main,
        [
            "verify",
            "batch",
            "0",
            "--rpc",
            "http://unused",
            "--rollup",
            dep.rollup,
            "--vk",
            str(key),
            "--json",
        ],
    )
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "valid", r.output


def test_a_tampered_immutable_is_not_the_key(_chain: Chain) -> None:  # noqa: F811
    vk = committed_vk(SHAPE)
    good = runtime_code(vk)
    refs = artifact("GenericBatchVerifier")["immutableReferences"]
    for name in ("DELTA_X1", "IC1_Y"):
        start, length = refs[name][0]
        bad = bytearray(good)
        bad[start + length - 1] ^= 1  # one bit of the immutable's first copy
        addr = deploy_code(_chain.w3, _chain.admin, bytes(bad))
        code = bytes(_chain.w3.eth.get_code(addr))
        assert code == bytes(bad) and key_of_code(code, [vk]) is None
    honest = deploy_generic_verifier(_chain.w3, vk, sender=_chain.admin)
    assert key_of_code(bytes(_chain.w3.eth.get_code(honest.address)), [OTHER, vk]) is vk
    other = deploy_generic_verifier(_chain.w3, OTHER, sender=_chain.admin)
    assert key_of_code(bytes(_chain.w3.eth.get_code(other.address)), [vk]) is None
