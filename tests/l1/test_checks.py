"""The L1 client's refusals, on the in-process EVM: a rollup that is not the node's genesis
(another address, chain id or mode, no verifier, another sequencer), the queue watch's reorg rule
(the contract's queue hash differs from the exchange's: it halts and applies nothing), the
entries decoded as the contract queued them, and the submitter key: never a bare key file, a
keystore needs its password, a remote signer needs its address."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_tester.exceptions import TransactionFailed
from web3 import EthereumTesterProvider, Web3
from web3.exceptions import ContractLogicError

from circuits.batch.batch import BatchShape
from protocol.constants import FIELD_MODULUS as R
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.queue import chain_hash, decode_entry, encode_entry
from protocol.pubdata.steps.deposit import DepositEntry
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalEntry
from sequencer.cli.node import L1_EXIT_CODE
from sequencer.journal.store import Store
from sequencer.l1.connection import Connection
from sequencer.l1.errors import L1Error
from sequencer.l1.queue_watch import QueueWatch
from sequencer.l1.signer import PASSWORD_ENV, load_keystore, open_sender
from sequencer.node.config import NodeConfig
from tests.l1.l1_lib import SHAPE, Stack, deploy_stack
from tests.node.harness import ROOT, trader


@pytest.fixture(scope="module")
def st() -> Stack:
    w3 = Web3(EthereumTesterProvider())
    return deploy_stack(w3, w3.eth.accounts[0], w3.eth.accounts[1])


def _check(
    st: Stack, tmp_path: Path, *, cfg: Any = None, shape: BatchShape = SHAPE, who: str | None = None
) -> None:
    conn = Connection.open(None, st.rollup.address, st.w3)
    conn.load()
    store = Store(tmp_path / "journal.db")
    try:
        conn.check(cfg or st.cfg, shape, store, who or st.sequencer)
    finally:
        store.close()


def test_the_rollup_must_be_the_nodes(st: Stack, tmp_path: Path) -> None:
    _check(st, tmp_path)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"cfg": dataclasses.replace(st.cfg, rollup_address=0x1234)}, "not the genesis's rollup address"),
        ({"cfg": dataclasses.replace(st.cfg, chain_id=5)}, "the genesis says 5"),
        ({"cfg": dataclasses.replace(st.cfg, insurance_fund=st.cfg.insurance_fund + 1)}, "genesis root"),
        ({"shape": BatchShape(8, 2, 1, Mode.VALIDIUM)}, "rollup mode, this node in validium"),
        ({"shape": BatchShape(16, 2, 2, Mode.ROLLUP)}, "no verifier for 16-slot batches"),
        ({"who": st.w3.eth.accounts[5]}, "the rollup's sequencer is"),
    ]
    for kw, msg in cases:
        with pytest.raises(L1Error, match=msg) as err:
            _check(st, tmp_path, **kw)
        assert err.value.code == "l1_mismatch"
    with pytest.raises(L1Error, match="no contract at") as err:
        conn = Connection.open(None, st.token.address[:-4] + "dead", st.w3)
        conn.load()
    assert err.value.code == "l1_mismatch"


def test_queue_entries_decode_and_chain_as_the_contract_queues_them(st: Stack) -> None:
    user = st.w3.eth.accounts[3]
    pub = trader(1).pub
    st.deposit(user, pub, 7)
    st.force_withdrawal(user, 4, 9)
    logs = st.rollup.events.QueueEntry.get_logs(from_block=0)
    want = [
        DepositEntry(int(user, 16), int(pub[0]), int(pub[1]), 7),
        ForcedWithdrawalEntry(int(user, 16), 4, 9),
    ]
    h = 0
    for lg, entry in zip(logs[-2:], want, strict=True):
        raw = bytes(lg["args"]["entry"])
        assert decode_entry(raw) == entry and encode_entry(entry) == raw
        assert int(lg["args"]["index"]) in (0, 1)
        h = chain_hash(h, raw)
        assert h == int.from_bytes(bytes(lg["args"]["hashAfter"]), "big")
    assert h == int.from_bytes(st.rollup.functions.queueHash(2).call(), "big")


def test_a_queue_hash_mismatch_halts_the_watch_and_applies_nothing(st: Stack) -> None:
    if st.rollup.functions.queueEnd().call() == 0:
        st.deposit(st.w3.eth.accounts[3], trader(1).pub, 7)
    applied: list[Any] = []

    async def submit(drafts: list[Any]) -> list[Any]:
        applied.extend(drafts)
        return []

    conn = Connection.open(None, st.rollup.address, st.w3)
    # the node believes it consumed entry 0, with another hash than the contract's
    watch = QueueWatch(conn, lambda: (1, 12345), submit, confirmations=0)
    with pytest.raises(L1Error, match="queue hash before entry 1") as err:
        asyncio.run(watch.poll())
    assert err.value.code == "l1_reorg" and applied == []
    # the node ahead of the chain (a reorg deeper than the confirmations dropped entries)
    watch = QueueWatch(conn, lambda: (99, 0), submit, confirmations=0)
    with pytest.raises(L1Error, match="consumed 99 queue entries") as err:
        asyncio.run(watch.poll())
    assert applied == []


def test_the_submitter_key_is_never_a_bare_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    acct = Account.create()
    bare = tmp_path / "key.hex"
    bare.write_text(acct.key.hex())
    with pytest.raises(L1Error, match="bare key file is refused"):
        load_keystore(bare, None)
    ks = tmp_path / "key.json"
    ks.write_text(json.dumps(Account.encrypt(acct.key, "pw")))
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    with pytest.raises(L1Error, match="password"):
        load_keystore(ks, None)
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    with pytest.raises(L1Error, match="cannot decrypt"):
        load_keystore(ks, None)
    monkeypatch.setenv(PASSWORD_ENV, "pw")
    assert load_keystore(ks, None).address == acct.address
    base = NodeConfig(data_dir=tmp_path)
    with pytest.raises(L1Error, match="needs --sequencer-address"):
        open_sender(dataclasses.replace(base, sequencer_signer_rpc="http://127.0.0.1:1"))
    with pytest.raises(L1Error, match="not both"):
        open_sender(dataclasses.replace(base, sequencer_signer_rpc="http://x", sequencer_key=ks))
    assert open_sender(dataclasses.replace(base, sequencer_key=ks)).address == acct.address


def test_zkclear_node_refuses_a_bare_key_file(tmp_path: Path) -> None:
    bare = tmp_path / "key.hex"
    bare.write_text(Account.create().key.hex())
    args = ["node", "--data-dir", str(tmp_path / "n"), "--port", "0", "--l1-rpc", "http://127.0.0.1:1"]
    args += ["--rollup", "0x" + "00" * 19 + "01", "--sequencer-key", str(bare)]
    out = subprocess.run(
        [sys.executable, "-c", "from zkclear.cli import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == L1_EXIT_CODE, out.stderr
    assert "refusing to start: l1_signer" in out.stderr and "bare key file is refused" in out.stderr


def test_keys_the_queue_cannot_hold(st: Stack) -> None:
    """Off-curve and small-order keys are refused when queued (protocol.md 4.9), so the watch never
    meets one; an entry carrying one (another contract) does not decode, and the watch would halt
    on it (l1_bad_entry) rather than skip it."""
    user = st.w3.eth.accounts[4]
    st.tx(st.token.functions.faucet(user, 10), user)
    st.tx(st.token.functions.approve(st.rollup.address, 10), user)
    for x, y in ((0, 1), (1, 2), (0, R - 1)):
        with pytest.raises((ContractLogicError, TransactionFailed)):
            st.rollup.functions.deposit(x, y, 10).call({"from": user})
    raw = bytes([1]) + int(user, 16).to_bytes(20, "big") + (1).to_bytes(32, "big") + (10).to_bytes(8, "big")
    with pytest.raises(PubdataError, match="small-order"):
        decode_entry(raw)
