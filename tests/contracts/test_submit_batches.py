"""Several consecutive batches in one call, their proofs checked with one pairing product
(Rollup.submitBatches, AggregateGroth16; protocol.md 7.12, issue 16).

Three consecutive rollup batches of the exchange core (test_submit_batch's batch, then two more
trades and withdrawals) are proven with our prover under the committed 8-slot test key. k = 1, 2
and 3 of them are accepted in one call and recorded in order (roots, numbers, times, events,
withdrawals). One bad proof among k (a moved point, a coordinate not below q, valid proofs in the
wrong positions) rejects the whole call; so do batches of different sizes and another sender.
The weights are the contract's Fiat-Shamir hash of all proofs and public inputs: two proofs
tampered so that they cancel under the weights of the untampered ones are refused (the weights
move with them). Gas (pytest -s): submitBatches for k = 1, 2, 3 against submitBatch, and the
aggregated check alone for k = 1..8 against verifyProof."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from eth_utils import keccak
from web3.logs import DISCARD

from contracts.deploy import deploy
from native.constants import Q, R
from native.engine import get_engine
from protocol.messages.order import TimeInForce
from protocol.pubdata.batch import public_input
from protocol.pubdata.fields import Mode
from prover.evm import proof_calldata
from sequencer.batch_keys import SHAPES
from tests.contracts.conftest import CHAIN_ID, Chain
from tests.contracts.test_submit_batch import (
    DEPOSIT,
    REFUSED,
    WITHDRAWN,
    Deployed,
    Proven,
    batch_start,
    deployed,
    flat,
    prove_next,
)
from tests.sequencer.world import BTC, BUY, SELL, World

SHAPE = next(s for s in SHAPES if s.mode is Mode.ROLLUP)


@pytest.fixture(scope="module")
def batches(_chain: Chain) -> list[Proven]:
    """Three consecutive proven rollup batches; batch i's withdrawal pays recipients[i]."""
    traders, recipients = _chain.users[:2], [_chain.users[4], _chain.users[5], _chain.users[3]]
    w = World()
    assert w.config.chain_id == CHAIN_ID
    out = []
    start = batch_start(w)
    for i, u in enumerate(traders):
        assert w.deposit(i, DEPOSIT, owner=int(u, 16)).ok
    assert w.oracle(BTC, 5_000_000).ok
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.withdraw(1, WITHDRAWN, recipient=int(recipients[0], 16)).ok
    out.append(prove_next(SHAPE, w, start, traders, recipients[0]))
    for i, price in ((1, 5_010_000), (2, 4_990_000)):
        start = batch_start(w)
        assert w.oracle(BTC, price).ok
        assert w.order(1, BTC, SELL, price, 10).ok
        assert w.order(0, BTC, BUY, price, 10, tif=TimeInForce.IOC).ok
        assert w.withdraw(i - 1, WITHDRAWN, recipient=int(recipients[i], 16)).ok
        out.append(prove_next(SHAPE, w, start, traders, recipients[i]))
    for a, b in itertools.pairwise(out):  # consecutive
        assert (b.header.old_root, b.header.batch_number) == (a.header.new_root, a.header.batch_number + 1)
        assert (b.header.queue_start, b.header.time_start) == (a.header.queue_end, a.header.time_end)
    return out


def item(p: Proven, proof: list[int] | None = None) -> list[int]:
    """AggregateGroth16's 9 words of a proof: public input, then the proof (flat)."""
    return [public_input(p.mode, p.header, p.data), *(flat(p.proof) if proof is None else proof)]


def weights(items: list[int]) -> list[int]:
    """AggregateGroth16.weights: r_0 = 1, r_i = keccak256(seed, i) mod r, seed = keccak256(items)."""
    k = len(items) // 9
    seed = keccak(b"".join(x.to_bytes(32, "big") for x in items))
    return [1] + [int.from_bytes(keccak(seed + i.to_bytes(32, "big")), "big") % R for i in range(1, k)]


def args(bs: list[Proven], proofs: list[list[int]] | None = None) -> list[tuple[Any, ...]]:
    proofs = proofs or [flat(b.proof) for b in bs]
    return [
        (b.header.new_root.to_bytes(32, "big"), b.header.queue_end, b.header.time_end, b.data, pr)
        for b, pr in zip(bs, proofs, strict=True)
    ]


def submit(d: Deployed, bs: list[Proven], proofs: list[list[int]] | None = None) -> Any:
    return d.ch.tx(d.rollup.functions.submitBatches(args(bs, proofs)), d.ch.sequencer, gas=10_000_000)


def refused(
    d: Deployed, reason: str, bs: list[Proven], proofs: list[list[int]] | None = None, **kw: Any
) -> None:
    with pytest.raises(REFUSED, match=reason):
        d.rollup.functions.submitBatches(args(bs, proofs)).call({"from": kw.get("sender", d.ch.sequencer)})


@pytest.mark.parametrize("k", [1, 2, 3])
def test_k_consecutive_batches_in_one_call(chain: Chain, batches: list[Proven], k: int) -> None:
    bs = batches[:k]
    d = deployed(chain, bs[0])
    r = d.rollup.functions
    rc = submit(d, bs)
    ev = d.rollup.events.BatchProven().process_receipt(rc, errors=DISCARD)
    assert [(e.args.batchNumber, int.from_bytes(e.args.newRoot, "big")) for e in ev] == [
        (b.header.batch_number, b.header.new_root) for b in bs
    ]
    last = bs[-1].header
    assert int.from_bytes(r.stateRoot().call(), "big") == last.new_root
    assert (r.batchNumber().call(), r.batchTimeEnd().call(), r.queueConsumed().call()) == (
        k,
        last.time_end,
        2,
    )
    for b in bs:
        assert r.claimable(b.recipient).call() == WITHDRAWN
    # the same batches again: the header now starts after them
    refused(d, "queue range|time range", bs)
    # submitBatch, one at a time, for comparison
    d1 = deployed(chain, bs[0])
    single = [d1.ch.tx(d1.rollup.functions.submitBatch(*args([b])[0]), chain.sequencer).gasUsed for b in bs]
    assert d1.rollup.functions.stateRoot().call() == r.stateRoot().call()
    print(
        f"\nsubmitBatches k={k}: {rc.gasUsed} gas, {rc.gasUsed // k} per batch; "
        f"submitBatch one at a time: {sum(single)} ({single})"
    )


def test_one_bad_proof_rejects_the_call(chain: Chain, batches: list[Proven]) -> None:
    d = deployed(chain, batches[0])
    good = [flat(b.proof) for b in batches]
    G1 = get_engine().G1
    for i in range(3):
        p = good[i]
        moved = G1.add(batches[i].proof.a, G1.generator)
        for bad in (
            [*moved, *p[2:]],  # A on the curve, not the proof's
            [*p[:6], *G1.add(batches[i].proof.c, G1.generator)],  # C moved
            [p[0], p[1] + Q, *p[2:]],  # a coordinate not below q (same residue)
            [*p[:6], p[6], (Q - p[7]) % Q],  # -C
            [*p[:2], p[3], p[2], *p[4:]],  # B's coordinates swapped
        ):
            refused(d, "invalid proof", batches, [bad if j == i else good[j] for j in range(3)])
    refused(d, "invalid proof", batches, [good[1], good[0], good[2]])  # valid proofs, wrong positions
    refused(d, "invalid proof", batches, [good[0], good[2], good[1]])
    refused(d, "invalid proof", batches[:2], [good[0], good[0]])  # the first proof twice
    bad_data = bytearray(batches[1].data)
    bad_data[-1] ^= 1
    with pytest.raises(REFUSED, match="invalid proof"):
        a = args(batches)
        a[1] = (*a[1][:3], bytes(bad_data), a[1][4])
        d.rollup.functions.submitBatches(a).call({"from": chain.sequencer})
    with pytest.raises(REFUSED, match="batches of different sizes"):
        a = args(batches)
        a[1] = (*a[1][:3], a[1][3][:-84], a[1][4])
        d.rollup.functions.submitBatches(a).call({"from": chain.sequencer})
    refused(d, "no batches", [])
    refused(d, "only the sequencer", batches, sender=chain.users[3])
    assert d.rollup.functions.batchNumber().call() == 0  # nothing above changed the state
    submit(d, batches)


def test_the_weights_are_bound_to_the_proofs(chain: Chain, batches: list[Proven]) -> None:
    """C_0 + r_1 G and C_1 - G leave sum r_i C_i unchanged under the untampered proofs' weights,
    so with weights fixed in advance the check would pass; the contract's weights hash the
    tampered proofs and move: refused."""
    h = deploy(chain.w3, "AggregateHarness", sender=chain.admin)
    d = deployed(chain, batches[0])
    bs = batches[:2]
    items = [x for b in bs for x in item(b)]
    r = weights(items)
    assert h.functions.weights(items).call() == r
    assert h.functions.verify(d.verifier.address, items).call()
    G1 = get_engine().G1
    c0 = G1.add(bs[0].proof.c, G1.mul(G1.generator, r[1]))
    c1 = G1.add(bs[1].proof.c, G1.neg(G1.generator))
    p0, p1 = flat(bs[0].proof), flat(bs[1].proof)
    t0, t1 = [*p0[:6], *c0], [*p1[:6], *c1]
    # the weighted sum of C under the old weights is unchanged
    old = G1.add(bs[0].proof.c, G1.mul(bs[1].proof.c, r[1]))
    assert G1.add(c0, G1.mul(c1, r[1])) == old
    tampered = [*item(bs[0], t0), *item(bs[1], t1)]
    r2 = h.functions.weights(tampered).call()
    assert r2 == weights(tampered) and r2[1] != r[1]
    assert not h.functions.verify(d.verifier.address, tampered).call()
    refused(d, "invalid proof", bs, [t0, t1])
    # changing any one word of any proof changes the weights
    for at in range(len(items)):
        changed = list(items)
        changed[at] += 1
        assert weights(changed)[1] != r[1]


def test_gas_of_the_aggregated_check(chain: Chain, batches: list[Proven]) -> None:
    """The aggregated check alone (AggregateHarness.verifyTx: transaction totals) for k = 1..8
    proofs (the three batches' proofs repeated), against verifyProof alone."""
    h = deploy(chain.w3, "AggregateHarness", sender=chain.admin)
    d = deployed(chain, batches[0])
    b = batches[0]
    a, bb, c, pub = proof_calldata(b.proof, [public_input(b.mode, b.header, b.data)])
    single = chain.tx(d.verifier.functions.verifyProof(a, bb, c, pub), chain.sequencer).gasUsed
    lines = [f"verifyProof alone: {single}"]
    for k in range(1, 9):
        items = [x for i in range(k) for x in item(batches[i % 3])]
        assert h.functions.verify(d.verifier.address, items).call()
        gas = chain.tx(
            h.functions.verifyTx(d.verifier.address, items), chain.sequencer, gas=10_000_000
        ).gasUsed
        lines.append(f"k={k}: {gas} ({gas // k} per proof)")
    print("\naggregated check, transaction totals: " + "; ".join(lines))
