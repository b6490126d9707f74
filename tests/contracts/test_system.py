"""contracts/system.py: deploy_system puts the whole L1 side on a chain (token, hashers, a generic
verifier per slot count holding its key, the rollup with its parameters), a genesis root given as a
function of the rollup's address gets the address the rollup is deployed at, and the Deployment
record survives save/load; a malformed record or a chain without the deployment is a clear
DeploymentError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web3 import EthereumTesterProvider, Web3

from contracts.artifacts import artifact
from contracts.generic_verifier import vk_points
from contracts.system import Deployment, DeploymentError, deploy_system
from protocol.pubdata.fields import Mode
from sequencer.batch_keys import SHAPES, committed_vk

VALIDIUM, ROLLUP = (committed_vk(s) for s in SHAPES)


def test_deploy_save_load_and_check(tmp_path: Path) -> None:
    w3 = Web3(EthereumTesterProvider())
    admin, seq, m1, m2 = w3.eth.accounts[:4]
    seen: list[str] = []

    def root(addr: str) -> int:
        seen.append(addr)
        return int(addr, 16) % 1000 + 7

    d = deploy_system(
        w3,
        vks={8: VALIDIUM, 16: ROLLUP},
        mode=Mode.VALIDIUM,
        sequencer=seq,
        admin=admin,
        genesis_root=root,
        chain_id=31337,
        dac_members=[m1, m2],
        dac_quorum=2,
        forced_deadline=3600,
        upgrade_delay=7200,
    )
    assert seen == [d.rollup] and d.genesis_root == int(d.rollup, 16) % 1000 + 7
    r = d.rollup_contract(w3).functions
    assert int.from_bytes(r.stateRoot().call(), "big") == d.genesis_root
    assert (r.mode().call(), r.sequencer().call(), r.admin().call(), r.dacQuorum().call()) == (
        1,
        seq,
        admin,
        2,
    )
    assert (r.forcedDeadline().call(), r.upgradeDelay().call(), r.chainId().call()) == (3600, 7200, 31337)
    for n, vk in ((8, VALIDIUM), (16, ROLLUP)):
        assert r.verifiers(n).call() == d.verifiers[n]
        v = w3.eth.contract(address=d.verifiers[n], abi=artifact("GenericBatchVerifier")["abi"])
        assert v.functions.vkPoints().call() == json.loads(json.dumps(vk_points(vk)))
    assert d.token_contract(w3).functions.decimals().call() == 6
    d.save(tmp_path / "deployment.json")
    again = Deployment.load(tmp_path / "deployment.json")
    assert again == d
    again.check(w3)
    # another chain does not hold it
    with pytest.raises(DeploymentError, match="no contract at the token address"):
        again.check(Web3(EthereumTesterProvider()))


def test_malformed_records_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "deployment.json"
    with pytest.raises(DeploymentError, match="cannot read"):
        Deployment.load(p)
    p.write_text("{not json")
    with pytest.raises(DeploymentError, match="cannot read"):
        Deployment.load(p)
    p.write_text(json.dumps({"chain_id": 1}))
    with pytest.raises(DeploymentError, match="not a deployment record"):
        Deployment.load(p)
    with pytest.raises(ValueError, match="at least one verification key"):
        deploy_system(
            Web3(EthereumTesterProvider()),
            vks={},
            mode=Mode.ROLLUP,
            sequencer="0x" + "11" * 20,
            admin="0x" + "22" * 20,
            genesis_root=1,
            chain_id=1,
        )
