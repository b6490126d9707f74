"""The trader's L1 commands (client/l1.py, client/cli/l1.py, client/cli/exit.py) on the in-process
EVM with the real Rollup, token, Poseidon contracts and the committed 8-slot rollup verifier:
`zkclear deposit` queues the keystore's L2 key and amount from the keystore's Ethereum key; the
exchange core credits it, trades and withdraws to L1, and that batch is proven with our prover and
submitted; `zkclear claim` pays the withdrawal once; `zkclear forced-withdraw` queues its request;
`zkclear l1 status` shows it all; after an overdue forced request `zkclear exit --freeze` freezes,
publishes the exit state, escapes with the proof rebuilt from L1 alone and pays exactly the proven
state's value, and pays back the deposit no batch consumed; a second exit is refused. Refusals
(allowance, balance, not frozen, nothing to claim) exit 1 with the contract's reason, an
unreachable L1 exits 2. The CLI reaches the in-process chain through `client.l1.web3_for` (the only
thing replaced: the JSON-RPC transport); the unreachable case uses a real closed port. Gas of each
trader transaction is printed (pytest -s)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner, Result
from eth_account import Account
from eth_account.signers.local import LocalAccount

import client.l1 as client_l1
from client.keys import derive_l2_key
from client.l1 import TraderL1
from contracts.deploy import MODE_ROLLUP, deploy, deploy_rollup
from contracts.exodus import escape_value
from protocol import hashing as H
from protocol.messages.order import OrderMessage, TimeInForce, make_flags
from protocol.messages.withdraw import WithdrawMessage
from protocol.pubdata.fields import Mode
from protocol.pubdata.queue import encode_entry
from protocol.pubdata.steps.deposit import DepositEntry
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalEntry
from protocol.signing import Signer
from sequencer.batch_keys import SHAPES, verifier_name
from sequencer.node.routes.market import committed_json
from sequencer.ops import Deposit, PlaceOrder, Withdraw
from tests.client.test_verify import _prove_and_submit
from tests.contracts.conftest import CHAIN_ID, DEADLINE, Chain, _chain  # noqa: F401  (the chain fixture)
from tests.sequencer.world import BTC, BUY, SELL, USD, World, trader_signer
from zkclear.cli import main

SHAPE = next(s for s in SHAPES if s.mode is Mode.ROLLUP)
RPC = "http://in-process.evm:8545"  # the in-process chain's stand-in URL (see `web3_for` below)
PW = "pw"
ALICE_KEY = b"\x11" * 32
BOB_KEY = b"\x22" * 32
CAROL_KEY = b"\x44" * 32
DEPOSIT = 100_000 * USD
WITHDRAWN = 1_000 * USD
LATE = 250 * USD  # Alice's second deposit, queued after the proven batch: never consumed
GAS: dict[str, int] = {}


@dataclass
class Setup:
    ch: Chain
    rollup: Any
    w: World
    ks: Path
    alice: LocalAccount
    bob: LocalAccount
    alice_pub: tuple[int, int]
    deposited: dict[str, Any]  # `zkclear deposit --json` of Alice's first deposit
    genesis: Path  # a GET /v1/params body of the proven batch

    def aid(self, pub: tuple[int, int]) -> int:
        aid = self.w.ex.account_id_of(pub)
        assert aid is not None
        return aid


def cli(*args: str, ks: Path | None = None, as_json: bool = True) -> Result:
    base = ["--password", PW, "--node", "http://127.0.0.1:9"] + (["--json"] if as_json else [])
    if args[0] != "account":
        base += ["--l1-rpc", RPC]
    if ks is not None:
        base += ["--keystore", str(ks)]
    return CliRunner().invoke(main, [*args, *base], env={"COLUMNS": "200"})


def ok(r: Result) -> Any:
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    for t in out.get("transactions", [out] if "gas" in out else []):
        GAS.setdefault(t["what"], t["gas"])
    return out


def refused(r: Result, code: int, match: str) -> dict[str, Any]:
    assert r.exit_code == code, r.output
    err: dict[str, Any] = json.loads(r.stdout)["error"]
    assert match in err["message"], err
    return err


def _fund(ch: Chain, who: str, tokens: int) -> None:
    ch.w3.eth.wait_for_transaction_receipt(
        ch.w3.eth.send_transaction({"from": ch.admin, "to": who, "value": 10**19})
    )
    ch.tx(ch.token.functions.faucet(who, tokens), ch.admin)


@pytest.fixture(scope="module")
def setup(_chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:  # noqa: F811
    ch = _chain
    real = client_l1.web3_for
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            client_l1, "web3_for", lambda rpc, timeout=30.0: ch.w3 if rpc == RPC else real(rpc, timeout)
        )
        yield _setup(ch, tmp_path_factory.mktemp("trader"))


def _setup(ch: Chain, tmp: Path) -> Setup:
    w = World()
    verifier = deploy(ch.w3, verifier_name(SHAPE), sender=ch.admin)
    params = ch.params(w.ex.state_root)
    params.mode = MODE_ROLLUP
    params.verifiers = {SHAPE.slots: verifier.address}
    rollup = deploy_rollup(ch.w3, params, sender=ch.admin)
    alice, bob = Account.from_key(ALICE_KEY), Account.from_key(BOB_KEY)
    for a in (alice, bob):
        _fund(ch, a.address, 10 * DEPOSIT)
    ks = tmp / "alice.json"
    created = ok(
        cli(
            "account", "create", "--eth-key", "0x" + ALICE_KEY.hex(), "--chain-id", str(CHAIN_ID),
            "--rollup", rollup.address, "--scrypt-n", "1024", ks=ks,
        )
    )  # fmt: skip
    assert created["eth_key_in_keystore"] and created["owner"] == alice.address
    l2 = derive_l2_key(ALICE_KEY, CHAIN_ID, rollup.address)
    alice_pub = l2.public_key
    assert [int(v) for v in created["public_key"]] == list(alice_pub)

    start = w.ex.global_state(), w.ex.trees.accounts.root
    deposited = ok(cli("deposit", "100000", "--no-wait", ks=ks))
    # the exchange core credits the queue entry as the node's L1 reader would
    assert w.apply(Deposit(w.time, w.ex.queue_next, int(alice.address, 16), *alice_pub, DEPOSIT)).ok
    TraderL1(ch.w3, rollup.address, BOB_KEY).deposit(trader_signer(1).pub, DEPOSIT)
    assert w.deposit(1, DEPOSIT, owner=int(bob.address, 16)).ok
    assert w.oracle(BTC, 5_000_000).ok
    assert w.order(1, BTC, SELL, 5_000_000, 20).ok
    signer = Signer(l2.private_key)
    aid = w.ex.account_id_of(alice_pub)
    assert aid is not None
    buy = OrderMessage(aid, BTC, BUY, 5_000_000, 20, 1, w.time + 3600, make_flags(TimeInForce.IOC))
    assert w.apply(PlaceOrder(w.time, buy, signer.sign(buy.hash(w.domain)))).ok
    out = WithdrawMessage(aid, WITHDRAWN, int(alice.address, 16), w.ex.accounts[aid].nonce, w.time + 60)
    assert w.apply(Withdraw(w.time, out, signer.sign(out.hash(w.domain)))).ok
    _prove_and_submit(ch, rollup, w, start)
    assert rollup.functions.batchNumber().call() == 1

    g = w.ex.global_state()
    hashes = tuple(None if m is None else m.config_hash for m in w.ex.markets)
    gh = H.global_hash(w.config.params_hash(), hashes, g)
    genesis = tmp / "params.json"
    genesis.write_text(json.dumps(committed_json(SimpleNamespace(exchange_config=w.config), 0, g, gh)))
    return Setup(ch, rollup, w, ks, alice, bob, alice_pub, deposited, genesis)


@pytest.fixture
def chain(setup: Setup) -> Iterator[Chain]:
    """Each test starts from the state after the proven batch (snapshot reverted after it)."""
    snap = setup.ch.tester.take_snapshot()
    yield setup.ch
    setup.ch.tester.revert_to_snapshot(snap)


def test_deposit_queues_the_keystores_key_and_amount(setup: Setup, chain: Chain) -> None:
    d = setup.deposited
    assert d["queue_index"] == 0 and d["amount"] == str(DEPOSIT) and d["credited"] is False
    assert d["owner"] == setup.alice.address
    assert [t["what"] for t in d["transactions"]] == ["approve", "deposit"]
    logs = setup.rollup.events.QueueEntry().get_logs(from_block=0)
    entry = DepositEntry(int(setup.alice.address, 16), *setup.alice_pub, DEPOSIT)
    assert bytes(logs[0]["args"]["entry"]) == encode_entry(entry)
    # the proven batch consumed it (the contract checked the batch's queue record against it)
    assert setup.rollup.functions.queueConsumed().call() == 2
    # a second deposit: the allowance covers nothing, so it approves again; the queue grows
    before = chain.token.functions.balanceOf(setup.alice.address).call()
    d2 = cli("deposit", "250", "--no-wait", ks=setup.ks, as_json=False)
    assert d2.exit_code == 0 and "deposited on L1" in d2.stdout and "250.000000" in d2.stdout, d2.output
    assert "approving" in d2.stderr  # progress, on stderr
    assert setup.rollup.functions.queueEnd().call() == 3
    assert before - chain.token.functions.balanceOf(setup.alice.address).call() == LATE


def test_deposit_refusals(setup: Setup, chain: Chain) -> None:
    big = str(10 * DEPOSIT // USD)  # everything Alice has left is 9 * DEPOSIT
    refused(cli("deposit", big, "--no-wait", ks=setup.ks), 1, "balance")
    refused(cli("deposit", "10", "--no-wait", "--no-approve", ks=setup.ks), 1, "allowance")
    # the approval is there but the token refuses: the contract's own reason
    TraderL1(chain.w3, setup.rollup.address, ALICE_KEY).approve(10 * USD)
    r = cli("deposit", "10", "--no-wait", "--no-approve", ks=setup.ks)
    assert r.exit_code == 0, r.output
    assert setup.rollup.functions.queueEnd().call() == 3
    refused(cli("deposit", "10", "--no-wait", "--no-approve", ks=setup.ks), 1, "allowance")
    # a wrong password changes nothing and says why
    r = CliRunner().invoke(
        main,
        [
            "deposit",
            "1",
            "--no-wait",
            "--l1-rpc",
            RPC,
            "--keystore",
            str(setup.ks),
            "--password",
            "x",
            "--json",
        ],
    )
    assert r.exit_code == 2 and "unlock" in json.loads(r.stdout)["error"]["message"]
    assert setup.rollup.functions.queueEnd().call() == 3


def test_claim_pays_the_withdrawal_once(setup: Setup, chain: Chain) -> None:
    r = setup.rollup.functions
    me = setup.alice.address
    st = ok(cli("l1", "status", ks=setup.ks))
    assert st["claimable"] == str(WITHDRAWN) and st["batches"] == 1 and not st["frozen"]
    assert st["queue_end"] == st["queue_consumed"] == 2 and st["address"] == me
    before = chain.token.functions.balanceOf(me).call()
    out = ok(cli("claim", ks=setup.ks))
    assert out["amount"] == str(WITHDRAWN) and out["to"] == me
    assert chain.token.functions.balanceOf(me).call() - before == WITHDRAWN
    assert r.claimable(me).call() == 0
    refused(cli("claim", ks=setup.ks), 1, "nothing to claim")
    assert chain.token.functions.balanceOf(me).call() - before == WITHDRAWN


def test_claim_to_another_address(setup: Setup, chain: Chain) -> None:
    to = chain.users[5]
    out = cli("claim", "--to", to, ks=setup.ks, as_json=False)
    assert out.exit_code == 0 and "claimed" in out.stdout and "1000.000000" in out.stdout, out.output
    assert chain.token.functions.balanceOf(to).call() == WITHDRAWN
    r = CliRunner().invoke(main, ["claim", "--to", "0x12", "--keystore", str(setup.ks), "--l1-rpc", RPC])
    assert r.exit_code == 2 and "--to" in r.output


def test_forced_withdraw_enters_the_queue(setup: Setup, chain: Chain) -> None:
    aid = setup.aid(setup.alice_pub)
    out = ok(cli("forced-withdraw", "12.5", "--account", str(aid), ks=setup.ks))
    assert out["queue_index"] == 2 and out["amount"] == str(12_500_000)
    logs = setup.rollup.events.QueueEntry().get_logs(from_block=0)
    assert bytes(logs[-1]["args"]["entry"]) == encode_entry(
        ForcedWithdrawalEntry(int(setup.alice.address, 16), aid, 12_500_000)
    )
    assert setup.rollup.functions.forcedRequestTime(2).call() > 0
    st = ok(cli("l1", "status", ks=setup.ks))
    assert st["queue_pending"] == 1
    table = cli("l1", "status", ks=setup.ks, as_json=False)
    assert table.exit_code == 0 and "1 pending" in table.stdout and "unlimited" not in table.stdout
    again = cli("forced-withdraw", "1", "--account", str(aid), ks=setup.ks, as_json=False)
    assert again.exit_code == 0 and "forced withdrawal requested" in again.stdout, again.output
    # no keystore account id and no node to ask: the account must be given
    r = CliRunner().invoke(
        main, ["forced-withdraw", "1", "--keystore", str(setup.ks), "--password", PW, "--l1-rpc", RPC, "--json",
               "--node", "http://127.0.0.1:9"],
    )  # fmt: skip
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == "unreachable"


def _escape_value(setup: Setup, pub: tuple[int, int]) -> int:
    ex = setup.w.ex
    markets = [ex.config.markets_by_id.get(m) for m in range(8)]
    mults = [1 if mc is None else 10 ** (6 - mc.size_decimals - mc.price_decimals) for mc in markets]
    steps = [1 if mc is None else mc.step_size for mc in markets]
    return escape_value(ex.account_state(setup.aid(pub)), ex.global_state(), mults, steps)


def test_exit_after_a_freeze_pays_the_proven_state(setup: Setup, chain: Chain) -> None:
    r = setup.rollup.functions
    me = setup.alice.address
    # a fixed gas limit: py-evm's estimate would run each exit call ~25 times (the estimate is
    # exercised by every other transaction here, and by the exit of tests/client/test_l1_node.py)
    gen = ["--genesis", str(setup.genesis), "--gas-limit", "8000000"]
    ok(cli("deposit", "250", "--no-wait", ks=setup.ks))  # queued after the proven batch
    # Carol's only deposit is queued after the proven batch: her account never reached L1's state
    carol = Account.from_key(CAROL_KEY)
    _fund(chain, carol.address, LATE)
    carol_ks = setup.ks.with_name("carol.json")
    ok(
        cli(
            "account", "create", "--eth-key", "0x" + CAROL_KEY.hex(), "--chain-id", str(CHAIN_ID),
            "--rollup", setup.rollup.address, "--scrypt-n", "1024", ks=carol_ks,
        )
    )  # fmt: skip
    assert ok(cli("deposit", "250", "--no-wait", ks=carol_ks))["queue_index"] == 3
    refused(cli("exit", *gen, ks=setup.ks), 1, "not frozen")
    refused(cli("exit", "--freeze", *gen, ks=setup.ks), 1, "no forced withdrawal is overdue")
    bob_aid = setup.aid(trader_signer(1).pub)
    bob = TraderL1(chain.w3, setup.rollup.address, BOB_KEY)
    bob.request_forced_withdrawal(bob_aid, 1)
    chain.time_travel(DEADLINE + 1)
    value = _escape_value(setup, setup.alice_pub)
    assert 0 < value < DEPOSIT  # a long BTC position bought with fees paid, less the withdrawal
    before = chain.token.functions.balanceOf(me).call()
    out = ok(cli("exit", "--freeze", *gen, ks=setup.ks))
    assert r.frozen().call() and r.exitPublished().call()
    assert [t["what"] for t in out["transactions"]] == [
        "freeze",
        "publishing the exit state",
        "escape",
        "refund of deposit 2",
    ]
    e = out["escape"]
    assert e["account_id"] == setup.aid(setup.alice_pub) and e["value"] == e["paid"] == str(value)
    assert out["refunds"][0]["amount"] == str(LATE)
    assert chain.token.functions.balanceOf(me).call() - before == value + LATE
    # Carol: nothing to escape, her deposit paid back; then nothing is left for her
    carol_out = ok(cli("exit", *gen, ks=carol_ks))
    assert carol_out["escape"] is None and carol_out["refunds"][0]["queue_index"] == 3
    assert chain.token.functions.balanceOf(carol.address).call() == LATE
    err = refused(cli("exit", *gen, ks=carol_ks), 2, "no account with the keystore's L2 key")
    assert err["code"] == "malformed"
    # the credited withdrawal is still claimable after the freeze, and only once
    assert ok(cli("claim", ks=setup.ks))["amount"] == str(WITHDRAWN)
    refused(cli("exit", *gen, ks=setup.ks), 1, "already escaped")
    # Bob exits without a keystore: his Ethereum key, account id and the rollup on the command line
    bob_before = chain.token.functions.balanceOf(setup.bob.address).call()
    bob_out = cli(
        "exit", *gen, "--account", str(bob_aid), "--eth-key", "0x" + BOB_KEY.hex(),
        "--rollup", setup.rollup.address, ks=setup.ks.with_name("none.json"), as_json=False,
    )  # fmt: skip
    assert bob_out.exit_code == 0 and "exited" in bob_out.stdout, bob_out.output
    assert "publishing" not in bob_out.stderr and "escaping account" in bob_out.stderr
    bob_value = _escape_value(setup, trader_signer(1).pub)
    assert chain.token.functions.balanceOf(setup.bob.address).call() - bob_before == bob_value
    # L2 held both deposits less the withdrawal: the escapes paid all of it but the fund and pool
    g = setup.w.ex.global_state()
    assert value + bob_value + g.insurance_fund + g.fee_pool == 2 * DEPOSIT - WITHDRAWN
    assert r.exitPool().call() == g.insurance_fund + g.fee_pool


def test_exit_refuses_a_forged_genesis(setup: Setup, chain: Chain, tmp_path: Path) -> None:
    body = json.loads(setup.genesis.read_text())
    body["markets"][BTC]["config"]["tick_size"] = "7"
    bad = tmp_path / "params.json"
    bad.write_text(json.dumps(body))
    bob = TraderL1(chain.w3, setup.rollup.address, BOB_KEY)
    bob.request_forced_withdrawal(setup.aid(trader_signer(1).pub), 1)
    chain.time_travel(DEADLINE + 1)
    bob.freeze(2)
    err = refused(cli("exit", "--genesis", str(bad), ks=setup.ks), 2, "config")
    assert err["code"] == "malformed"
    assert not setup.rollup.functions.exitPublished().call()


def test_unreachable_l1_exits_2(setup: Setup, tmp_path: Path) -> None:
    args = ["--keystore", str(setup.ks), "--password", PW, "--json"]
    r = CliRunner().invoke(main, ["l1", "status", "--l1-rpc", "http://127.0.0.1:9", *args])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == "unreachable"
    r = CliRunner().invoke(main, ["claim", "--l1-rpc", "http://127.0.0.1:9", *args])
    assert r.exit_code == 2
    # no --l1-rpc and no node to ask for one
    r = CliRunner().invoke(main, ["claim", "--node", "http://127.0.0.1:9", *args])
    assert r.exit_code == 2 and "cannot reach the node" in r.stdout
    # a chain where the rollup is not
    r = CliRunner().invoke(main, ["l1", "status", "--l1-rpc", RPC, "--rollup", "0x" + "42" * 20, *args])
    assert r.exit_code == 2 and "keystore is for rollup" in r.stdout
    r = CliRunner().invoke(main, ["l1", "status", "--l1-rpc", RPC, "--rollup", "0x" + "42" * 20, "--json"])
    assert r.exit_code == 2 and "no contract" in r.stdout


def test_gas_of_each_trader_transaction(setup: Setup) -> None:
    """Printed with -s (py-evm); the figures of the report."""
    print("\ntrader L1 gas (py-evm):", json.dumps(GAS))
    assert {"approve", "deposit"} <= set(GAS)


def test_a_keystore_without_the_ethereum_key(setup: Setup, chain: Chain, tmp_path: Path) -> None:
    ks = tmp_path / "l2-only.json"
    made = ok(
        cli(
            "account", "create", "--eth-key", "0x" + ALICE_KEY.hex(), "--chain-id", str(CHAIN_ID),
            "--rollup", setup.rollup.address, "--scrypt-n", "1024", "--no-eth-key-in-keystore", ks=ks,
        )
    )  # fmt: skip
    assert not made["eth_key_in_keystore"] and "eth_crypto" not in json.loads(ks.read_text())
    err = refused(cli("claim", ks=ks), 2, "holds no Ethereum key")
    assert err["code"] == "malformed"
    # given on the command line it works; another key than the keystore's owner is refused
    assert ok(cli("claim", "--eth-key", "0x" + ALICE_KEY.hex(), ks=ks))["amount"] == str(WITHDRAWN)
    refused(cli("claim", "--eth-key", "0x" + BOB_KEY.hex(), ks=ks), 2, "the keystore's owner is")
