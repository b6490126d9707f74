"""A real batch of the exchange core proven with our prover and accepted on L1 (Rollup.submitBatch,
submitValidiumBatch; protocol.md 7.12): two traders' deposits queued through the contract's deposit
path, an oracle price, a trade and a withdrawal, proven under the committed test verifier of the
8-slot shape (sequencer/batch_keys.py: deterministic test key); the batch is recorded and the
withdrawal becomes claimable. Each of these is refused: the same submission again, a proof for
another batch number or old root, a changed public-data byte, a changed proof point, another
batch size, a submitter other than the sequencer, a submission while frozen, a time_end in the
future, a validium batch without the committee's quorum. The gas of one submission is printed
(pytest -s)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account import Account
from eth_tester.exceptions import TransactionFailed
from web3.exceptions import ContractLogicError

from circuits.batch.batch import BatchShape
from contracts.deploy import MODE_ROLLUP, MODE_VALIDIUM, deploy, deploy_rollup
from native.constants import Q
from native.engine import get_engine
from protocol.messages.order import TimeInForce
from protocol.pubdata import collect
from protocol.pubdata.batch import public_input, split, state_diff_hash
from protocol.pubdata.dac import dac_hash
from protocol.pubdata.fields import Mode
from protocol.pubdata.header import BatchHeader
from protocol.records import GlobalState
from prover.evm import proof_calldata
from prover.formats.json_files import Proof
from prover.formats.zkey import ZKey
from prover.prove import prove
from prover.setup.phase2 import export_vk
from prover.solidity import pairing_library_body, render_pairing_library, render_verifier, vk_digest
from sequencer.batch_keys import SHAPES, committed_vk, fixed_zkey, verifier_name, verifier_path
from sequencer.batches import Batch
from sequencer.config import ExchangeConfig
from sequencer.prover_inputs import CircuitInputs, circuit_inputs
from tests.circuits.batch.batch_lib import program
from tests.contracts.conftest import CHAIN_ID, DEADLINE, Chain
from tests.sequencer.world import BTC, BUY, SELL, USD, World, trader_signer

REFUSED = (ContractLogicError, TransactionFailed)
DEPOSIT = 100_000 * USD
WITHDRAWN = 1_000 * USD
MEMBERS = sorted((Account.from_key(bytes([i + 1]) * 32) for i in range(3)), key=lambda a: int(a.address, 16))


@dataclass
class Proven:
    shape: BatchShape
    header: BatchHeader
    data: bytes  # the public data of the shape's mode
    diff_hash: bytes  # state_diff_hash (what the committee signs in validium mode)
    proof: Proof
    traders: list[str]  # L1 addresses of the two depositors
    recipient: str  # the withdrawal's recipient

    @property
    def mode(self) -> Mode:
        return self.shape.mode


def flat(p: Proof) -> list[int]:
    """submitBatch's uint256[8]: a, b (EIP-197 order), c."""
    a, b, c, _ = proof_calldata(p, [])
    return [*a, *b[0], *b[1], *c]


@pytest.fixture(scope="module", params=[s.mode for s in SHAPES], ids=lambda m: m.name.lower())
def proven(request: pytest.FixtureRequest, _chain: Chain) -> Proven:
    shape = next(s for s in SHAPES if s.mode is request.param)
    traders, recipient = _chain.users[:2], _chain.users[4]
    w = World()
    assert w.config.chain_id == CHAIN_ID
    start = batch_start(w)
    for i, u in enumerate(traders):
        assert w.deposit(i, DEPOSIT, owner=int(u, 16)).ok
    assert w.oracle(BTC, 5_000_000).ok
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.withdraw(1, WITHDRAWN, recipient=int(recipient, 16)).ok
    return prove_next(shape, w, start, traders, recipient)


def batch_start(w: World) -> tuple[GlobalState, int]:
    """The global state and accounts root at the start of the World's next batch (before its
    operations: the global state is the live one)."""
    return w.ex.global_state(), w.ex.trees.accounts.root


def prove_next(
    shape: BatchShape, w: World, start: tuple[GlobalState, int], traders: list[str], recipient: str
) -> Proven:
    """Closes the World's batch (begun at `start`, batch_start) and proves it under the shape's
    committed test key."""
    b = w.ex.close_batch(witness=True)
    return prove_batch(
        shape, w.ex.config, b, start, traders, recipient, lambda ci: prove_committed(shape, ci)
    )


def prove_batch(
    shape: BatchShape,
    config: ExchangeConfig,
    b: Batch,
    start: tuple[GlobalState, int],
    traders: list[str],
    recipient: str,
    proof_of: Callable[[CircuitInputs], Proof],
) -> Proven:
    """A batch closed with witnesses (begun at `start`) under the shape: its public data, header
    and state-diff hash, proven by `proof_of` (given the circuit's inputs)."""
    assert b.witnesses is not None
    g0, acc0 = start
    ci = circuit_inputs(config, shape, b, acc0, g0)
    roots = collect.orders_roots(b.witnesses)
    diff = state_diff_hash(collect.public_data(Mode.ROLLUP, b.records, roots, g0, shape.slots))
    return Proven(shape, b.header(CHAIN_ID), ci.data, diff, proof_of(ci), traders, recipient)


def prove_committed(shape: BatchShape, ci: CircuitInputs, zk: ZKey | None = None) -> Proof:
    """A proof of the circuit inputs under `zk`, by default the shape's committed test key."""
    prog = program(shape)
    solved = prog.solve(ci.inputs)
    if zk is None:
        zk = fixed_zkey(shape, prog)
        # a changed circuit makes another key: the committed verifier would refuse its proofs
        assert vk_digest(export_vk(zk)) == vk_digest(committed_vk(shape)), (
            "run scripts/gen_batch_verifiers.py"
        )
    res = prove(zk, solved.to_wtns())
    assert res.public == [ci.public_input]
    return res.proof


@dataclass
class Deployed:
    ch: Chain
    rollup: Any
    verifier: Any
    p: Proven

    def args(
        self,
        *,
        data: bytes | None = None,
        proof: list[int] | None = None,
        time_end: int | None = None,
        slots: int | None = None,
        sigs: bytes | None = None,
    ) -> Any:
        p, h = self.p, self.p.header
        base = (
            h.new_root.to_bytes(32, "big"),
            h.queue_end,
            h.time_end if time_end is None else time_end,
            p.data if data is None else data,
            flat(p.proof) if proof is None else proof,
        )
        f = self.rollup.functions
        if p.mode is Mode.ROLLUP:
            return f.submitBatch(*base)
        if sigs is None:  # the quorum signs the header the contract builds (its batch number, root)
            try:
                c = f.testBatchHeader(base[0], base[1], base[2]).call()
                hh = BatchHeader(int.from_bytes(c[0], "big"), int.from_bytes(c[1], "big"), *c[2:])
            except REFUSED:
                hh = h._replace(time_end=base[2])
            digest = dac_hash(int(self.rollup.address, 16), hh, p.diff_hash)
            sigs = b"".join(_sign(m, digest) for m in MEMBERS[:2])
        return f.submitValidiumBatch(*base, p.shape.slots if slots is None else slots, p.diff_hash, sigs)

    def submit(self, sender: str | None = None, **kw: Any) -> Any:
        return self.ch.tx(self.args(**kw), sender or self.ch.sequencer, gas=3_000_000)

    def refused(self, reason: str, sender: str | None = None, **kw: Any) -> None:
        with pytest.raises(REFUSED, match=reason):
            self.args(**kw).call({"from": sender or self.ch.sequencer})


def _sign(acct: Any, digest: bytes) -> bytes:
    sig = acct.unsafe_sign_hash(digest)
    return sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v])


def deployed(ch: Chain, p: Proven, *, genesis: int | None = None) -> Deployed:
    """A fresh rollup of the proof's mode at the batch's old root (or `genesis`) with the 8-slot
    verifier, and the batch's two deposits queued on it by their owners."""
    verifier = deploy(ch.w3, verifier_name(p.shape), sender=ch.admin)
    params = ch.params(p.header.old_root if genesis is None else genesis)
    params.mode = MODE_ROLLUP if p.mode is Mode.ROLLUP else MODE_VALIDIUM
    if p.mode is Mode.VALIDIUM:
        params.dac_members, params.dac_quorum = [a.address for a in MEMBERS], 2
    params.verifiers = {p.shape.slots: verifier.address}
    rollup = deploy_rollup(ch.w3, params, name="RollupHarness", sender=ch.admin)
    for i, u in enumerate(p.traders):
        ch.fund(u, 10**12)
        ch.tx(ch.token.functions.approve(rollup.address, 2**256 - 1), u)
        x, y = trader_signer(i).pub
        ch.tx(rollup.functions.deposit(int(x), int(y), DEPOSIT), u)
    return Deployed(ch, rollup, verifier, p)


def test_committed_verifiers_are_those_of_the_committed_keys() -> None:
    for s in SHAPES:
        text = verifier_path(s).read_text()
        assert text.splitlines()[1] == "// GENERATED FILE - DO NOT EDIT."
        assert text == render_verifier(committed_vk(s), verifier_name(s))
        assert pairing_library_body() in text  # the library GenericBatchVerifier imports
    library = verifier_path(SHAPES[0]).parent.parent / "Groth16Pairing.sol"
    assert library.read_text() == render_pairing_library(), "run scripts/gen_batch_verifiers.py"


def test_a_proven_batch_is_accepted_and_pays(chain: Chain, proven: Proven) -> None:
    d = deployed(chain, proven)
    r, h = d.rollup.functions, proven.header
    a, b, c, pub = proof_calldata(proven.proof, [public_input(proven.mode, h, proven.data)])
    assert d.verifier.functions.verifyProof(a, b, c, pub).call()
    verify = chain.tx(d.verifier.functions.verifyProof(a, b, c, pub), chain.sequencer).gasUsed
    rc = d.submit()
    print(f"\nverifyProof alone: {verify} gas (transaction total); public data {len(proven.data)} bytes")
    print(
        f"\nsubmit{'' if proven.mode is Mode.ROLLUP else 'Validium'}Batch gas ({proven.shape.name}): {rc.gasUsed}"
    )
    assert int.from_bytes(r.stateRoot().call(), "big") == h.new_root
    assert (r.batchNumber().call(), r.batchTimeEnd().call()) == (1, h.time_end)
    assert (r.queueConsumed().call(), r.unconsumedDeposits().call()) == (2, 0)
    assert r.claimable(proven.recipient).call() == WITHDRAWN
    before = chain.token.functions.balanceOf(proven.recipient).call()
    chain.tx(r.claim(), proven.recipient)
    assert chain.token.functions.balanceOf(proven.recipient).call() == before + WITHDRAWN
    # the same submission again: the header now starts at the next batch and queue position
    d.refused("queue range")


def test_proof_of_another_batch_number_or_root_is_refused(chain: Chain, proven: Proven) -> None:
    d = deployed(chain, proven)
    h = proven.header
    # batch number 1 at the same root, queue position and time: only the number differs
    t = (h.old_root.to_bytes(32, "big"), h.old_root.to_bytes(32, "big"), 0, CHAIN_ID, 0, 0, 0, 0)
    chain.tx(d.rollup.functions.testRecordBatch(t), chain.admin)
    assert d.rollup.functions.batchNumber().call() == 1
    d.refused("invalid proof")
    d2 = deployed(chain, proven, genesis=h.old_root + 1)
    d2.refused("invalid proof")


def test_changed_data_proof_or_size_is_refused(chain: Chain, proven: Proven) -> None:
    d = deployed(chain, proven)
    s = split(proven.mode, proven.data)
    w_at = 7 + len(s.queue)  # the withdrawal record
    for at in (w_at + 30, 7 + 61, len(proven.data) - 1):  # its amount, a deposit's account id, the last byte
        bad = bytearray(proven.data)
        bad[at] ^= 1
        d.refused("invalid proof", data=bytes(bad))
    p = flat(proven.proof)
    G1 = get_engine().G1
    moved = G1.add(proven.proof.a, G1.generator)
    for proof in (
        [p[0], p[1] + 1, *p[2:]],  # a off the curve
        [*moved, *p[2:]],  # a on the curve, not the proof's
        [p[0] + Q, *p[1:]],  # a coordinate not below q
        [*p[:2], p[3], p[2], *p[4:]],  # b's coordinates swapped
        [*p[:6], p[6], (Q - p[7]) % Q],  # -c
    ):
        d.refused("invalid proof", proof=proof)
    if proven.mode is Mode.VALIDIUM:
        d.refused("no verifier for this batch size", slots=proven.shape.slots * 2)
        d.refused("no committee quorum", sigs=b"")
    d.submit()  # nothing above changed the state


def test_only_the_sequencer_in_time_and_not_frozen(chain: Chain, proven: Proven) -> None:
    d = deployed(chain, proven)
    d.refused("only the sequencer", sender=chain.users[3])
    now = int(chain.w3.eth.get_block("latest")["timestamp"])
    d.refused("time_end in the future", time_end=now + 3600)
    chain.tx(d.rollup.functions.requestForcedWithdrawal(1, 5), chain.users[3])
    chain.time_travel(DEADLINE + 10)
    chain.tx(d.rollup.functions.freeze(2), chain.users[3])
    d.refused("frozen")
