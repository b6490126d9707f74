"""The generic batch verifier (GenericBatchVerifier: the key given at deploy time, kept in
immutables) answers exactly as the generated verifier of the same key: a real batch proven under the
committed 8-slot validium test key is accepted by both, and each tampered proof, a changed public
input and a public input not below r is refused by both. Its vkPoints() is the generated one's, its
deployed code is contracts.generic_verifier.runtime_code(key), a key coordinate not below q is
refused at deploy, and its verifyProof costs the generated one's gas class (pytest -s prints both)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.artifacts import artifact
from contracts.deploy import deploy
from contracts.generic_verifier import (
    NAME,
    UnsupportedKey,
    deploy_generic_verifier,
    runtime_code,
    vk_points,
)
from native.constants import Q, R
from native.engine import get_engine
from protocol.messages.order import TimeInForce
from protocol.pubdata.batch import public_input
from protocol.pubdata.fields import Mode
from prover.evm import proof_calldata
from prover.formats.json_files import VerifyingKey
from sequencer.batch_keys import SHAPES, committed_vk, verifier_name
from tests.contracts.conftest import CHAIN_ID, Chain
from tests.contracts.test_submit_batch import (
    DEPOSIT,
    REFUSED,
    WITHDRAWN,
    Proven,
    batch_start,
    flat,
    prove_next,
)
from tests.sequencer.world import BTC, BUY, SELL, World

SHAPE = next(s for s in SHAPES if s.mode is Mode.VALIDIUM)


@pytest.fixture(scope="module")
def proven(_chain: Chain) -> Proven:
    """test_submit_batch's batch (two deposits, a price, a trade, a withdrawal), proven."""
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
    return prove_next(SHAPE, w, start, traders, recipient)


@pytest.fixture(scope="module")
def verifiers(_chain: Chain) -> tuple[Any, Any]:
    """(generated, generic) verifiers of the committed key."""
    ch = _chain
    return (
        deploy(ch.w3, verifier_name(SHAPE), sender=ch.admin),
        deploy_generic_verifier(ch.w3, committed_vk(SHAPE), sender=ch.admin),
    )


def _answers(verifiers: tuple[Any, Any], proof: list[int], pub: int) -> tuple[bool, bool]:
    a, b, c = proof[:2], [proof[2:4], proof[4:6]], proof[6:]
    out = tuple(v.functions.verifyProof(a, b, c, [pub]).call() for v in verifiers)
    return out[0], out[1]


def test_same_answers_as_the_generated_verifier(verifiers: tuple[Any, Any], proven: Proven) -> None:
    pub = public_input(proven.mode, proven.header, proven.data)
    p = flat(proven.proof)
    assert _answers(verifiers, p, pub) == (True, True)
    G1 = get_engine().G1
    moved = G1.add(proven.proof.a, G1.generator)
    for proof, signal in (
        ([p[0], p[1] + 1, *p[2:]], pub),  # a off the curve
        ([*moved, *p[2:]], pub),  # a on the curve, not the proof's
        ([p[0] + Q, *p[1:]], pub),  # a coordinate not below q
        ([*p[:2], p[3], p[2], *p[4:]], pub),  # b's coordinates swapped
        ([*p[:6], p[6], (Q - p[7]) % Q], pub),  # -c
        ([*p[:7], p[7] + Q], pub),  # c.y not below q
        (p, pub + 1),  # another public input
        (p, pub + R),  # the same input plus r: not below r
        (p, 2**256 - 1),
    ):
        assert _answers(verifiers, proof, signal) == (False, False), (proof, signal)


def test_key_code_and_gas(_chain: Chain, verifiers: tuple[Any, Any], proven: Proven) -> None:
    generated, generic = verifiers
    vk = committed_vk(SHAPE)
    assert generic.functions.vkPoints().call() == generated.functions.vkPoints().call()
    assert bytes(_chain.w3.eth.get_code(generic.address)) == runtime_code(vk)
    a, b, c, pub = proof_calldata(proven.proof, [public_input(proven.mode, proven.header, proven.data)])
    gas = [_chain.tx(v.functions.verifyProof(a, b, c, pub), _chain.sequencer).gasUsed for v in verifiers]
    print(f"\nverifyProof gas (transaction total): generated {gas[0]}, generic {gas[1]}")
    # the same class: both are the four pairings plus one scalar multiplication
    assert abs(gas[1] - gas[0]) < 5_000


def test_bad_keys_are_refused(_chain: Chain) -> None:
    vk = committed_vk(SHAPE)
    alpha, beta, gamma, delta, ic = vk_points(vk)
    with pytest.raises(REFUSED, match="vk coordinate not below q"):
        art = artifact(NAME)
        factory = _chain.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        factory.constructor((alpha[0] + Q, alpha[1]), beta, gamma, delta, ic).estimate_gas(
            {"from": _chain.admin}
        )
    two = VerifyingKey(vk.alpha1, vk.beta2, vk.gamma2, vk.delta2, (*vk.ic, vk.ic[1]))
    with pytest.raises(UnsupportedKey, match="one public input"):
        vk_points(two)
