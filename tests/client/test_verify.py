"""The verifier's CLI (client/verify.py, `zkclear verify`): two real batches of the exchange core
proven under the committed 8-slot rollup test key and submitted on the in-process EVM are each
verified from L1 alone (event, calldata, rebuilt header and public input, the verifier's code is
the key's, the proof checked locally); the chain's state rebuilt from the public data gives both
new roots and the core's account state with a valid exit path. A changed proof, public-data
byte, queue record, header field or an untrusted key is invalid (exit 1) and named; a missing
batch, malformed data or an unreachable node is exit 2. The same batches replayed on anvil are
verified through JSON-RPC; a committee-signed validium batch is verified (no state rebuild)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import client.cli.verify as cli_verify
from circuits.primitives.smt import root_from_path
from client.verify import (
    L1,
    Invalid,
    Malformed,
    check_submission,
    key_of_code,
    verifier_runtime,
    verify_batch,
    verify_chain,
)
from contracts.artifacts import artifact
from contracts.deploy import (
    MODE_ROLLUP,
    RollupParams,
    deploy,
    deploy_hashers,
    deploy_rollup,
    hasher_addresses,
)
from protocol.messages.order import TimeInForce
from protocol.pubdata import collect
from protocol.pubdata.batch import public_input, split, state_diff_hash
from protocol.pubdata.fields import Mode
from protocol.pubdata.header import BatchHeader
from protocol.pubdata.rebuild import Genesis
from prover.prove import prove
from sequencer.batch_keys import SHAPES, committed_vk, fixed_zkey, verifier_name, vk_path
from sequencer.prover_inputs import circuit_inputs
from tests.circuits.batch.batch_lib import program
from tests.contracts.conftest import CHAIN_ID, Chain, _chain  # noqa: F401  (the chain fixture)
from tests.contracts.test_anvil import w3  # noqa: F401  (anvil on a free port)
from tests.contracts.test_submit_batch import DEPOSIT, WITHDRAWN, Proven, deployed, flat
from tests.sequencer.world import BTC, BUY, SELL, World, trader_signer
from zkclear.cli import main as zkclear_main

SHAPE = next(s for s in SHAPES if s.mode is Mode.ROLLUP)
TOPUP = 5_000 * (DEPOSIT // 100_000)


@dataclasses.dataclass
class Setup:
    ch: Chain
    rollup: Any
    w: World
    headers: list[BatchHeader]
    traders: list[str]
    # per batch: the L1 deposits queued before it (sender, x, y, amount) and submitBatch's arguments
    replay: list[tuple[list[tuple[str, int, int, int]], tuple[Any, ...]]]

    @property
    def l1(self) -> L1:
        return L1(self.ch.w3, self.rollup.address)

    @property
    def genesis(self) -> Genesis:
        ex = self.w.ex
        return Genesis(
            self.w.config.params_hash(), tuple(None if m is None else m.config_hash for m in ex.markets)
        )


def _prove_and_submit(
    ch: Chain, rollup: Any, w: World, start: tuple[Any, int]
) -> tuple[BatchHeader, tuple[Any, ...]]:
    """Close the World's batch (begun at `start`: global state, accounts root), prove it, submit it."""
    g0, acc0 = start
    b = w.ex.close_batch(witness=True)
    ci = circuit_inputs(w.ex.config, SHAPE, b, acc0, g0)
    data, h = ci.data, b.header(CHAIN_ID)
    prog = program(SHAPE)
    solved = prog.solve(ci.inputs)
    res = prove(fixed_zkey(SHAPE, prog), solved.to_wtns())
    args = (h.new_root.to_bytes(32, "big"), h.queue_end, h.time_end, data, flat(res.proof))
    ch.tx(rollup.functions.submitBatch(*args), ch.sequencer, gas=3_000_000)
    return h, args


@pytest.fixture(scope="module")
def setup(_chain: Chain) -> Setup:  # noqa: F811
    ch = _chain
    traders = ch.users[:2]
    w = World()
    verifier = deploy(ch.w3, verifier_name(SHAPE), sender=ch.admin)
    params = ch.params(w.ex.state_root)
    params.mode = MODE_ROLLUP
    params.verifiers = {SHAPE.slots: verifier.address}
    headers: list[BatchHeader] = []
    replay: list[tuple[list[tuple[str, int, int, int]], tuple[Any, ...]]] = []
    deposits: list[tuple[str, int, int, int]] = []

    def queue_deposits(amount: int) -> None:
        for i, u in enumerate(traders):
            x, y = trader_signer(i).pub
            ch.tx(rollup.functions.deposit(int(x), int(y), amount), u)
            assert w.deposit(i, amount, owner=int(u, 16)).ok
            deposits.append((u, int(x), int(y), amount))

    def submit(start: tuple[Any, int]) -> None:
        h, args = _prove_and_submit(ch, rollup, w, start)
        headers.append(h)
        replay.append((list(deposits), args))
        deposits.clear()

    # batch 0: two deposits, a price, a trade, a withdrawal (test_submit_batch's batch)
    rollup = deploy_rollup(ch.w3, params, name="RollupHarness", sender=ch.admin)
    for u in traders:
        ch.fund(u, 10**12)
        ch.tx(ch.token.functions.approve(rollup.address, 2**256 - 1), u)
    start = w.ex.global_state(), w.ex.trees.accounts.root
    queue_deposits(DEPOSIT)
    assert w.oracle(BTC, 5_000_000).ok
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.withdraw(1, WITHDRAWN, recipient=int(ch.users[4], 16)).ok
    submit(start)
    # batch 1: two top-ups, half the position closed, a withdrawal of the other trader
    start = w.ex.global_state(), w.ex.trees.accounts.root
    queue_deposits(TOPUP)
    assert w.order(1, BTC, SELL, 5_000_000, 10).ok
    assert w.order(0, BTC, BUY, 5_000_000, 10, tif=TimeInForce.IOC).ok
    assert w.withdraw(0, WITHDRAWN, recipient=int(ch.users[5], 16)).ok
    submit(start)
    assert rollup.functions.batchNumber().call() == 2
    return Setup(ch, rollup, w, headers, traders, replay)


def test_both_batches_are_valid(setup: Setup) -> None:
    l1 = setup.l1
    keys = [committed_vk(SHAPE)]
    for n, h in enumerate(setup.headers):
        res = verify_batch(l1, n, keys)
        assert res.header == h and res.slots == SHAPE.slots and res.mode is Mode.ROLLUP
        assert res.public_input == public_input(Mode.ROLLUP, h, l1.submission(n).data)


def test_chain_rebuilds_the_cores_state(setup: Setup) -> None:
    res = verify_chain(setup.l1, [committed_vk(SHAPE)], setup.genesis)
    assert [b.new_root_rebuilt for b in res.batches] == [h.new_root for h in setup.headers]
    rb = res.rebuilder
    assert rb is not None and rb.root == setup.w.ex.state_root
    for t in range(2):
        aid = setup.w.aid(t)
        got = rb.account(aid)
        assert got is not None and got[0] == setup.w.ex.account_state(aid)
        p = rb.proof(aid)
        assert root_from_path(aid, p.leaf, list(p.siblings)) == rb.tree.root


def test_tampered_submissions_are_invalid(setup: Setup) -> None:
    l1 = setup.l1
    vk = committed_vk(SHAPE)
    sub = l1.submission(1)
    q = l1.queue_entries()
    check_submission(sub, vk, q)
    bad_proof = dataclasses.replace(sub, proof=[*sub.proof[:6], sub.proof[6], (sub.proof[7] + 1)])
    with pytest.raises(Invalid, match="proof"):
        check_submission(bad_proof, vk, q)
    s = split(Mode.ROLLUP, sub.data)
    w_at = 7 + len(s.queue)
    assert s.accounts is not None
    first = len(sub.data) - len(s.accounts)
    for at in (w_at + 30, first + 5):  # the withdrawal's amount, the first slot record's collateral
        data = bytearray(sub.data)
        data[at] ^= 1
        with pytest.raises(Invalid, match="batch 1: proof"):
            check_submission(dataclasses.replace(sub, data=bytes(data)), vk, q)
    data = bytearray(sub.data)
    data[-1] ^= 1  # a padding slot's record must be zero
    with pytest.raises(Malformed, match="batch 1: publicData: accounts section: slot 7"):
        check_submission(dataclasses.replace(sub, data=bytes(data)), vk, q)
    data = bytearray(sub.data)
    data[7 + 5] ^= 1  # the first queue record's owner
    with pytest.raises(Invalid, match="batch 1: queue record 0: differs from L1's queue entry 2"):
        check_submission(dataclasses.replace(sub, data=bytes(data)), vk, q)
    for name in ("old_root", "batch_number", "queue_start", "time_start", "chain_id"):
        h = sub.header._replace(**{name: getattr(sub.header, name) + 1})
        with pytest.raises(Invalid, match=r"batch 1: (proof|queue range|time range)"):
            check_submission(dataclasses.replace(sub, header=h), vk, q)
    with pytest.raises(Malformed, match="publicData"):
        check_submission(dataclasses.replace(sub, data=sub.data[:-1]), vk, q)
    # the verifier contract is not the trusted key's: the validium key is trusted instead
    other = committed_vk(next(s for s in SHAPES if s.mode is Mode.VALIDIUM))
    with pytest.raises(
        Invalid, match=r"batch 0: verifier: the verifier at 0x\w+ for 8 slots is not the trusted key's"
    ):
        verify_batch(l1, 0, [other])
    with pytest.raises(Malformed, match="no BatchProven event for batch 2"):
        verify_batch(l1, 2, [vk])


def _run(setup: Setup, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, Any]:
    monkeypatch.setattr(cli_verify, "_l1", lambda rpc, rollup: L1(setup.ch.w3, rollup))
    r = CliRunner().invoke(
        zkclear_main, ["verify", *args, "--rpc", "http://unused", "--rollup", setup.rollup.address, "--json"]
    )
    return r.exit_code, json.loads(r.output) if r.output.strip() else r.output


def test_cli(setup: Setup, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for n in range(2):
        code, out = _run(setup, monkeypatch, "batch", str(n))
        assert code == 0 and out["status"] == "valid" and out["batch"] == n
        assert int(out["header"]["new_root"]) == setup.headers[n].new_root
    other = next(s for s in SHAPES if s.mode is Mode.VALIDIUM)
    code, out = _run(setup, monkeypatch, "batch", "1", "--vk", str(vk_path(other)))
    assert code == 1 and out == {
        "status": "invalid",
        "batch": 1,
        "field": "verifier",
        "reason": out["reason"],
    }
    code, out = _run(setup, monkeypatch, "batch", "7")
    assert code == 2 and out["field"] == "BatchProven"
    g = setup.genesis
    gen = tmp_path / "params.json"
    gen.write_text(
        json.dumps(
            {
                "params_hash": str(g.params_hash),
                "markets": [None if c is None else {"config_hash": str(c)} for c in g.config_hashes],
            }
        )
    )
    aid = setup.w.aid(0)
    code, out = _run(
        setup, monkeypatch, "chain", "--genesis", str(gen), "--account", str(aid), "--vk", str(vk_path(SHAPE))
    )
    assert code == 0 and out["batches"] == 2 and out["rebuilt"]
    assert int(out["state_root"]) == setup.headers[1].new_root
    a = out["account"]
    assert a["exists"] and int(a["collateral"]) > 0 and len(a["siblings"]) == 36
    assert [p["market_id"] for p in a["positions"]] == [BTC]
    # wrong genesis parameters: the rebuilt root of batch 0 differs
    gen.write_text(json.dumps({"params_hash": str(g.params_hash + 1), "markets": []}))
    code, out = _run(setup, monkeypatch, "chain", "--genesis", str(gen))
    assert code == 1 and (out["batch"], out["field"]) == (0, "new_root")
    # an unreachable node
    monkeypatch.undo()
    r = CliRunner().invoke(
        zkclear_main,
        ["verify", "batch", "0", "--rpc", "http://127.0.0.1:9", "--rollup", setup.rollup.address, "--json"],
    )
    assert r.exit_code == 2 and json.loads(r.output)["field"] == "rpc"


@pytest.mark.node
def test_verifier_code_of_a_key_compiled() -> None:
    """A key's verifier under another contract name is compiled (pinned solc, no metadata hash):
    the same runtime code as the committed artifact's."""
    code = bytes.fromhex(artifact(verifier_name(SHAPE))["deployedBytecode"].removeprefix("0x"))
    assert verifier_runtime(committed_vk(SHAPE), "SomeVerifier") == code
    assert key_of_code(code, [committed_vk(SHAPE)]) == committed_vk(SHAPE)


@pytest.mark.node
def test_cli_against_anvil(setup: Setup, w3: Any, tmp_path: Path) -> None:  # noqa: F811
    """The same two batches replayed on anvil (the real Rollup; the traders' addresses
    impersonated, so the queue entries and the proofs are the same) and verified through JSON-RPC."""
    admin, seq = w3.eth.accounts[:2]

    def tx(fn: Any, sender: str, gas: int = 5_000_000) -> None:
        assert w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, "gas": gas}))["status"] == 1

    hashers = hasher_addresses(deploy_hashers(w3, sender=admin))
    token = deploy(w3, "TestToken", "t", "t", 10**15, sender=admin)
    verifier = deploy(w3, verifier_name(SHAPE), sender=admin)
    params = RollupParams(
        token.address,
        CHAIN_ID,
        seq,
        admin,
        setup.headers[0].old_root,
        hashers=hashers,
        verifiers={SHAPE.slots: verifier.address},
    )
    rollup = deploy_rollup(w3, params, sender=admin)
    for u in setup.traders:
        w3.provider.make_request("anvil_impersonateAccount", [u])
        w3.provider.make_request("anvil_setBalance", [u, hex(10**20)])
        tx(token.functions.faucet(u, 10**12), u)
        tx(token.functions.approve(rollup.address, 2**256 - 1), u)
    for deposits, args in setup.replay:
        for u, x, y, amount in deposits:
            tx(rollup.functions.deposit(x, y, amount), u)
        tx(rollup.functions.submitBatch(*args), seq, gas=3_000_000)
    gen = tmp_path / "params.json"
    g = setup.genesis
    gen.write_text(
        json.dumps(
            {
                "params_hash": str(g.params_hash),
                "markets": [None if c is None else {"config_hash": str(c)} for c in g.config_hashes],
            }
        )
    )
    url = w3.provider.endpoint_uri
    r = CliRunner().invoke(
        zkclear_main,
        ["verify", "chain", "--rpc", url, "--rollup", rollup.address, "--genesis", str(gen), "--json"],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["batches"] == 2 and int(out["state_root"]) == setup.w.ex.state_root
    r = CliRunner().invoke(zkclear_main, ["verify", "batch", "1", "--rpc", url, "--rollup", rollup.address])
    assert r.exit_code == 0 and "VALID" in r.output


def test_validium_batch(_chain: Chain) -> None:  # noqa: F811
    """test_submit_batch's validium batch (committee-signed): verified with the batch size from the
    calldata; nothing to rebuild (the state diff is not on L1)."""
    shape = next(s for s in SHAPES if s.mode is Mode.VALIDIUM)
    ch, traders, recipient = _chain, _chain.users[:2], _chain.users[4]
    w = World()
    g0, acc0 = w.ex.global_state(), w.ex.trees.accounts.root
    for i, u in enumerate(traders):
        assert w.deposit(i, DEPOSIT, owner=int(u, 16)).ok
    assert w.oracle(BTC, 5_000_000).ok
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.withdraw(1, WITHDRAWN, recipient=int(recipient, 16)).ok
    b = w.ex.close_batch(witness=True)
    assert b.witnesses is not None
    ci = circuit_inputs(w.ex.config, shape, b, acc0, g0)
    data, h = ci.data, b.header(CHAIN_ID)
    roots = collect.orders_roots(b.witnesses)
    diff = state_diff_hash(collect.public_data(Mode.ROLLUP, b.records, roots, g0, shape.slots))
    prog = program(shape)
    solved = prog.solve(ci.inputs)
    proof = prove(fixed_zkey(shape, prog), solved.to_wtns()).proof
    d = deployed(ch, Proven(shape, h, data, diff, proof, traders, recipient))
    d.submit()
    l1 = L1(ch.w3, d.rollup.address)
    res = verify_batch(l1, 0, [committed_vk(shape)])
    assert (res.mode, res.slots, res.header, res.public_input) == (
        Mode.VALIDIUM,
        shape.slots,
        h,
        ci.public_input,
    )
    assert verify_chain(l1, [committed_vk(shape)], None).rebuilder is None
    with pytest.raises(Invalid, match="batch 0: verifier"):
        verify_batch(l1, 0, [committed_vk(SHAPE)])
