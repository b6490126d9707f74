"""`zkclear verify` against the devnet's embedded L1 over JSON-RPC (contracts/devchain.py served on
a local port; contracts.system.deploy_system: the batch verifier is the generic one holding its key
in immutables): a real batch proven under the committed 8-slot rollup test key and submitted is
valid with that key given as `--vk FILE` (exit 0) and invalid under another key (exit 1); the same
verifier code with one immutable word changed (deployed as raw code) is not the trusted key's, and
a generic verifier holding another key is refused by name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from web3 import Web3

from client.verify import L1, Invalid, key_of_code, verify_batch
from contracts.artifacts import artifact
from contracts.devchain import DevChain, served_in_thread
from contracts.generic_verifier import deploy_generic_verifier, runtime_code
from contracts.system import Deployment, deploy_system
from protocol.messages.order import TimeInForce
from protocol.pubdata.fields import Mode
from prover.formats.json_files import vk_to_json, write_json
from prover.prove import prove
from sequencer.batch_keys import SHAPES, committed_vk, fixed_zkey
from sequencer.prover_inputs import circuit_inputs
from tests.circuits.batch.batch_lib import program
from tests.contracts.conftest import CHAIN_ID, DEADLINE, DELAY
from tests.contracts.test_submit_batch import DEPOSIT, WITHDRAWN, flat
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


@dataclass
class Net:
    w3: Any
    url: str
    dep: Deployment
    admin: str


def tx(w3: Any, fn: Any, sender: str) -> Any:
    rc = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, "gas": 3_000_000}))
    assert rc["status"] == 1
    return rc


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    """The rollup-mode system deployed on a served devchain, with batch 0 proven and submitted."""
    chain = DevChain(tmp_path_factory.mktemp("l1"), chain_id=CHAIN_ID)
    with served_in_thread(chain) as url:
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
        admin, sequencer, *users = w3.eth.accounts
        w = World()
        d = deploy_system(
            w3,
            vks={SHAPE.slots: committed_vk(SHAPE)},
            mode=Mode.ROLLUP,
            sequencer=sequencer,
            admin=admin,
            genesis_root=w.ex.state_root,
            chain_id=CHAIN_ID,
            forced_deadline=DEADLINE,
            upgrade_delay=DELAY,
        )
        rollup, token = d.rollup_contract(w3), d.token_contract(w3)
        g0, acc0 = w.ex.global_state(), w.ex.trees.accounts.root
        for i, u in enumerate(users[:2]):
            tx(w3, token.functions.faucet(u, DEPOSIT), u)
            tx(w3, token.functions.approve(rollup.address, 2**256 - 1), u)
            x, y = trader_signer(i).pub
            tx(w3, rollup.functions.deposit(int(x), int(y), DEPOSIT), u)
            assert w.deposit(i, DEPOSIT, owner=int(u, 16)).ok
        assert w.oracle(BTC, 5_000_000).ok
        assert w.order(0, BTC, SELL, 5_000_000, 20).ok
        assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
        assert w.withdraw(1, WITHDRAWN, recipient=int(users[2], 16)).ok
        b = w.ex.close_batch(witness=True)
        ci = circuit_inputs(w.ex.config, SHAPE, b, acc0, g0)
        h = b.header(CHAIN_ID)
        prog = program(SHAPE)
        res = prove(fixed_zkey(SHAPE, prog), prog.solve(ci.inputs).to_wtns())
        args = (h.new_root.to_bytes(32, "big"), h.queue_end, h.time_end, ci.data, flat(res.proof))
        tx(w3, rollup.functions.submitBatch(*args), sequencer)
        assert rollup.functions.batchNumber().call() == 1
        yield Net(w3, url, d, admin)
    chain.close()


def _cli(net: Net, *args: str) -> tuple[int, Any]:
    r = CliRunner().invoke(
        zkclear_main, ["verify", "batch", "0", "--rpc", net.url, "--rollup", net.dep.rollup, *args, "--json"]
    )
    return r.exit_code, json.loads(r.output) if r.output.strip() else r.output


def test_the_generic_verifier_is_trusted_with_its_key(net: Net, tmp_path: Path) -> None:
    vk = committed_vk(SHAPE)
    res = verify_batch(L1(net.w3, net.dep.rollup), 0, [vk])
    assert res.verifier == net.dep.verifiers[SHAPE.slots] and res.header.batch_number == 0
    with pytest.raises(
        Invalid, match=r"batch 0: verifier: the verifier at 0x\w+ for 8 slots is not the trusted"
    ):
        verify_batch(L1(net.w3, net.dep.rollup), 0, [OTHER])
    # the CLI over the devchain's JSON-RPC, the key as a file (as a devnet's own key is given)
    key, other = tmp_path / "verification_key.json", tmp_path / "other.json"
    write_json(key, vk_to_json(vk))
    write_json(other, vk_to_json(OTHER))
    code, out = _cli(net, "--vk", str(key))
    assert code == 0 and out["status"] == "valid" and out["verifier"] == net.dep.verifiers[SHAPE.slots], out
    code, out = _cli(net, "--vk", str(other))
    assert code == 1 and (out["status"], out["field"]) == ("invalid", "verifier"), out


def test_a_tampered_immutable_is_not_the_key(net: Net) -> None:
    w3, admin = net.w3, net.admin
    vk = committed_vk(SHAPE)
    good = runtime_code(vk)
    refs = artifact("GenericBatchVerifier")["immutableReferences"]
    for name in ("DELTA_X1", "IC1_Y"):
        start, length = refs[name][0]
        bad = bytearray(good)
        bad[start + length - 1] ^= 1  # one bit of the immutable's first copy
        addr = deploy_code(w3, admin, bytes(bad))
        code = bytes(w3.eth.get_code(addr))
        assert code == bytes(bad) and key_of_code(code, [vk]) is None
    honest = deploy_generic_verifier(w3, vk, sender=admin)
    assert key_of_code(bytes(w3.eth.get_code(honest.address)), [OTHER, vk]) is vk
    other = deploy_generic_verifier(w3, OTHER, sender=admin)
    assert key_of_code(bytes(w3.eth.get_code(other.address)), [vk]) is None
