"""End to end against anvil (npm @foundry-rs/anvil, a block a second, 3 confirmations), the
journey of test_devnet_e2e with a real `zkclear node --prove --prover-test-key --l1-rpc ...
--sequencer-signer-rpc ...` subprocess and only the CLI for the traders: two traders deposit on L1,
trade, one withdraws; the node proves, submits and finalizes every batch; the withdrawal is claimed
on L1; a forced withdrawal is served. The node is killed (-9) while a batch is `proving` and again
while one is `submitted` but not yet final; each restart loses nothing and submits nothing twice
(the sequencer's nonce stays the rollup's batch count). Then `verify chain` rebuilds from L1 the
root the node had; the node stops, a forced withdrawal it never serves passes its deadline, and
`zkclear exit --freeze` freezes the rollup and escapes with the rebuilt state's proof, paid exactly
the account's value there. Runs on the committed 8-slot rollup test key."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from eth_account import Account
from eth_utils import keccak

from client.http import Client
from sequencer.journal.store import BatchRow, Store
from tests.anvil import free_port, running_anvil
from tests.l1.l1_lib import SHAPE_OPTIONS, Stack, deploy_stack, wait_for
from tests.node.harness import kill9, spawn_node
from zkclear.cli import main

pytestmark = pytest.mark.node
USD = 1_000_000
PW = "pw"
CONFIRMATIONS = 3  # blocks of 1 s: the test sees a batch `submitted` before it is final
FORCED_DEADLINE_S = 7 * 86400  # contracts.deploy.RollupParams' default


@pytest.fixture
def anvil() -> Iterator[tuple[Any, str]]:
    """anvil mining a block every second, so confirmations come without transactions."""
    with running_anvil(block_time=1) as got:
        yield got


class NodeProc:
    """`zkclear node` in a subprocess, its output drained (kept for a failure's message)."""

    def __init__(self, data: Path, *args: str) -> None:
        self.proc, self.url = spawn_node(data, *args)
        self.lines: list[str] = []
        out = self.proc.stdout
        assert out is not None
        threading.Thread(target=lambda: self.lines.extend(iter(out.readline, "")), daemon=True).start()

    def kill9(self) -> None:
        kill9(self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        assert self.proc.returncode == 0, "".join(self.lines[-50:])


def cli(env: dict[str, str], ks: Path, *args: str, code: int = 0) -> Any:
    r: Result = CliRunner().invoke(
        main, [*args, "--json"], env={**env, "ZKCLEAR_KEYSTORE": str(ks), "ZKCLEAR_PASSWORD": PW}
    )
    assert r.exit_code == code, (args, r.output)
    return json.loads(r.stdout)


def rows(journal: Path) -> list[BatchRow]:
    store = Store(journal)
    try:
        out = []
        n = 0
        while (row := store.batch(n)) is not None:
            out.append(row)
            n += 1
        return out
    finally:
        store.close()


def all_final(journal: Path, node: str) -> bool:
    """Every operation closed into a batch and every batch finalized on L1."""
    with Client(node) as c:
        if c.request("GET", "/v1/state")["open_batch"]["n_ops"]:
            return False
    rs = rows(journal)
    return bool(rs) and all(r.status == "finalized" for r in rs)


def once_each(st: Stack, seq: str, journal: Path) -> None:
    """Nothing submitted twice, nothing lost: every batch is on L1 once, each by its own transaction,
    and the sequencer sent no other transaction."""
    rs = rows(journal)
    assert st.rollup.functions.batchNumber().call() == len(rs)
    assert st.w3.eth.get_transaction_count(seq) == len(rs)
    assert len({r.info["l1_tx"] for r in rs}) == len(rs)
    assert int.from_bytes(st.rollup.functions.stateRoot().call(), "big") == int(rs[-1].new_root)


def test_anvil_deposit_trade_withdraw_force_kill9_rebuild_freeze_exit(
    anvil: tuple[Any, str], tmp_path: Path
) -> None:
    w3, url = anvil
    admin, seq = w3.eth.accounts[:2]
    st = deploy_stack(w3, admin, seq)
    genesis = st.genesis_file(tmp_path / "genesis.json")
    data = tmp_path / "node"
    journal = data / "journal.db"
    args = [
        *("--genesis", str(genesis), "--l1-rpc", url, "--rollup", st.rollup.address),
        *("--sequencer-signer-rpc", url, "--sequencer-address", seq),
        *SHAPE_OPTIONS,
        *("--prove", "--prover-test-key", "--batch-max-age", "1"),
        *("--l1-poll", "0.3", "--l1-confirmations", str(CONFIRMATIONS)),
    ]
    node = NodeProc(data, *args)
    env = {"ZKCLEAR_NODE": node.url}
    try:
        with Client(node.url) as c:
            c.request("POST", "/v1/devnet/oracle", {"market": "BTC-USD", "price": "5000000"})

        # two traders with their own L1 keys: tUSD from the token's faucet, deposit by the CLI
        keys = [Account.from_key(keccak(text=f"zkclear anvil e2e trader {i}")) for i in range(2)]
        maker, taker = tmp_path / "maker.json", tmp_path / "taker.json"
        for k, ks in zip(keys, (maker, taker), strict=True):
            w3.provider.make_request("anvil_setBalance", [k.address, hex(10**20)])
            st.tx(st.token.functions.faucet(k.address, 20_000 * USD), admin)
            cli(env, ks, "account", "create", "--eth-key", k.key.hex(), "--scrypt-n", "1024")
            out = cli(env, ks, "deposit", "10000", "--wait-timeout", "120")
            assert out["credited"] and out["collateral"] == str(10_000 * USD)
        assert st.token.functions.balanceOf(st.rollup.address).call() == 20_000 * USD

        cli(env, maker, "order", "place", "BTC-USD", "sell", "0.01", "--price", "50000")
        cli(env, taker, "order", "place", "BTC-USD", "buy", "0.01", "--price", "50000")
        assert cli(env, maker, "withdraw", "100")["amount"] == str(100 * USD)
        wait_for(lambda: all_final(journal, node.url), 240, "every batch proven, submitted and finalized")
        once_each(st, seq, journal)
        before = st.token.functions.balanceOf(keys[0].address).call()
        assert cli(env, maker, "claim")["amount"] == str(100 * USD)
        assert st.token.functions.balanceOf(keys[0].address).call() - before == 100 * USD

        # a forced withdrawal, served; the node killed while its batch is being proven, and again
        # once that batch's submission is sent but not yet final
        taker_id = int(cli(env, taker, "account", "show")["account_id"])
        n0 = len(rows(journal))
        out = cli(env, taker, "forced-withdraw", "50")
        assert out["account_id"] == taker_id
        killed = wait_for(
            lambda: next((r for r in rows(journal)[n0:] if r.status == "proving"), None),
            120,
            "the forced request proving",
        )
        node.kill9()
        node = NodeProc(data, *args)
        sent = wait_for(
            lambda: (r := rows(journal)[killed.number]).status == "submitted" and r,
            180,
            "the forced request's batch submitted",
        )
        node.kill9()
        node = NodeProc(data, *args)
        wait_for(lambda: all_final(journal, node.url), 180, "the forced withdrawal's batch finalized")
        once_each(st, seq, journal)
        assert rows(journal)[killed.number].info["l1_tx"] == sent.info["l1_tx"]
        assert st.rollup.functions.claimable(keys[1].address).call() == 50 * USD
        # proven once more after the kill (a proof is kept only once whole), every other batch once
        attempts = [int(r.info["prove_attempts"]) for r in rows(journal)]
        assert attempts[killed.number] in (1, 2) and attempts.count(1) >= len(attempts) - 1, attempts

        env = {"ZKCLEAR_NODE": node.url}
        with Client(node.url) as c:
            (tmp_path / "params.json").write_text(json.dumps(c.request("GET", "/v1/params")))
        shown = cli(env, taker, "account", "show")
        last = rows(journal)[-1]
        node.stop()
    finally:
        if node.proc.poll() is None:
            node.kill9()

    # from L1 data alone: every batch verified, the state rebuilt to the node's last root
    r = CliRunner().invoke(
        main,
        [
            "verify",
            "chain",
            "--rpc",
            url,
            "--rollup",
            st.rollup.address,
            "--genesis",
            str(tmp_path / "params.json"),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    chain = json.loads(r.stdout)
    assert chain["rebuilt"] and chain["batches"] == last.number + 1
    assert chain["state_root"] == last.new_root

    # the node is gone: a forced withdrawal nobody serves, its deadline passed, the rollup frozen
    down = {
        "ZKCLEAR_NODE": f"http://127.0.0.1:{free_port()}",
        "ZKCLEAR_L1_RPC": url,
        "ZKCLEAR_ROLLUP": st.rollup.address,
    }
    cli(down, taker, "forced-withdraw", "20", "--account", str(taker_id))
    w3.provider.make_request("evm_increaseTime", [FORCED_DEADLINE_S + 3600])
    w3.provider.make_request("evm_mine", [])
    before = st.token.functions.balanceOf(keys[1].address).call()
    out = cli(down, taker, "exit", "--freeze", "--genesis", str(tmp_path / "params.json"))
    assert st.rollup.functions.frozen().call()
    esc = out["escape"]
    assert esc["account_id"] == taker_id and esc["paid"] == esc["value"]
    assert out["refunds"] == []
    assert st.token.functions.balanceOf(keys[1].address).call() - before == int(esc["paid"])
    # the rebuilt state's value of the account: its collateral, the position at its entry price
    assert int(esc["value"]) == int(shown["collateral"]), (esc, shown)
