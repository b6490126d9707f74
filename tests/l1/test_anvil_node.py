"""`zkclear node` (a subprocess) against anvil (npm @foundry-rs/anvil on 127.0.0.1) with the
submitter key held by a remote signer (anvil's unlocked account, `eth_sendTransaction`): the L1
queue's deposit and forced withdrawal are consumed into one batch, proven as the prover stage does;
with the RPC unreachable the submission is retried and reported in the batch row (l1_error,
l1_attempts); then, blocks not being mined, the node re-sends the stuck transaction with the same
nonce and higher fees, is killed (-9) before any receipt, the transaction is mined, and the
restarted node records the batch from L1 without sending it again."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sequencer.journal.store import BatchRow, Store
from tests.anvil import free_port, running_anvil
from tests.l1.l1_lib import SHAPE_OPTIONS, deploy_stack, prove_closed, wait_for
from tests.node.harness import kill9, spawn_node, trader

pytestmark = pytest.mark.node
USD = 1_000_000


@pytest.fixture
def anvil() -> Iterator[tuple[Any, str]]:
    with running_anvil() as got:
        yield got


def _row(journal: Path, number: int) -> BatchRow | None:
    store = Store(journal)
    try:
        return store.batch(number)
    finally:
        store.close()


def test_node_on_anvil_remote_signer_kill9_between_send_and_receipt(
    anvil: tuple[Any, str], tmp_path: Path
) -> None:
    w3, url = anvil
    admin, seq, user = w3.eth.accounts[:3]
    st = deploy_stack(w3, admin, seq)
    genesis = st.genesis_file(tmp_path / "genesis.json")
    data = tmp_path / "node"
    journal = data / "journal.db"
    # queued on L1 before the node starts, so both land in its first batch
    st.deposit(user, trader(0).pub, 1_000 * USD)
    st.force_withdrawal(user, 1, 300 * USD)

    def node(rpc: str, *extra: str) -> subprocess.Popen[str]:
        opts = ["--genesis", str(genesis), "--l1-rpc", rpc, "--rollup", st.rollup.address]
        signer = ["--sequencer-signer-rpc", url, "--sequencer-address", seq]
        more = ["--batch-max-age", "1", "--l1-poll", "0.3", "--l1-stuck", "3600", *extra]
        proc, _ = spawn_node(data, *opts, *signer, *SHAPE_OPTIONS, *more)
        return proc

    a = node(url)
    try:
        row = wait_for(lambda: _row(journal, 0), 60, "the first batch")
        assert (row.info["queue_start"], row.info["queue_end"]) == (0, 2)
    finally:
        kill9(a)
    assert prove_closed(journal, st.cfg) == [0]

    # the RPC unreachable: the node starts, retries, and says why in the row
    b = node(f"http://127.0.0.1:{free_port()}", "--l1-poll", "0.5")
    try:
        row = wait_for(
            lambda: (r := _row(journal, 0)) is not None and r.info.get("l1_attempts") and r, 60, "an attempt"
        )
        assert row.status == "proven" and "l1_unreachable" in row.info["l1_error"]
    finally:
        kill9(b)

    # not mined: re-sent (same nonce, higher fees) after --l1-stuck; killed before any receipt
    w3.provider.make_request("evm_setAutomine", [False])
    c = node(url, "--l1-stuck", "2")
    try:
        row = wait_for(
            lambda: (r := _row(journal, 0)) is not None and r.info.get("l1_sends", 0) >= 2 and r,
            120,
            "a re-send",
        )
    finally:
        kill9(c)
    pending = row.info["l1_pending_tx"]
    w3.provider.make_request("evm_mine", [])
    w3.provider.make_request("evm_setAutomine", [True])
    assert st.rollup.functions.batchNumber().call() == 1
    d = node(url)
    try:
        row = wait_for(
            lambda: (r := _row(journal, 0)) is not None and r.status == "finalized" and r, 60, "finalized"
        )
    finally:
        d.terminate()
        d.wait(timeout=30)
    assert row.info["l1_tx"] == pending
    assert w3.eth.get_transaction_count(seq) == 1  # one submission, never a second
    assert st.rollup.functions.batchNumber().call() == 1
    assert st.rollup.functions.claimable(user).call() == 300 * USD
    time.sleep(0)
