"""The rollup's priority queue, claims, freeze, deposit reclaim and delayed admin path, on the
in-process EVM: entries are byte-for-byte protocol.md 7.3's encoding (protocol.pubdata) with the
keccak hash chain; keys off the curve or of small order are refused; claims are pull-only and
survive a reentrant or refusing token."""

from __future__ import annotations

import pytest
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from contracts.artifacts import artifact
from contracts.deploy import RollupParams, deploy, deploy_rollup
from native import babyjub
from protocol.constants import FIELD_MODULUS as R
from protocol.pubdata.queue import encode_entry
from protocol.pubdata.steps.deposit import DepositEntry, pack_key
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalEntry
from protocol.signing import Signer
from tests.contracts.conftest import CHAIN_ID, DEADLINE, DELAY, Chain

A = 168700


def sqrt_mod(n: int, p: int = R) -> int:
    """Tonelli-Shanks."""
    q, s = p - 1, 0
    while q % 2 == 0:
        q, s = q // 2, s + 1
    z = 2
    while pow(z, (p - 1) // 2, p) != p - 1:
        z += 1
    m, c, t, r = s, pow(z, q, p), pow(n, q, p), pow(n, (q + 1) // 2, p)
    while t != 1:
        i, t2 = 0, t
        while t2 != 1:
            t2, i = t2 * t2 % p, i + 1
        b = pow(c, 1 << (m - i - 1), p)
        m, c, t, r = i, b * b % p, t * b * b % p, r * b % p
    assert r * r % p == n % p
    return r


def key(i: int) -> tuple[int, int]:
    x, y = Signer(f"zkclear contract test key {i}".encode()).pub
    return int(x), int(y)


def reverts(ch: Chain, fn: object, sender: str, reason: str) -> None:
    with pytest.raises((ContractLogicError, TransactionFailed), match=reason):
        fn.call({"from": sender})  # type: ignore[attr-defined]
    with pytest.raises((ContractLogicError, TransactionFailed)):  # and no transaction gets through
        ch.tx(fn, sender)


def queue_events(ch: Chain, receipt: object) -> list[dict]:
    return [dict(e["args"]) for e in ch.rollup.events.QueueEntry().process_receipt(receipt, errors=DISCARD)]


def test_deposits_queue_the_protocol_encoding_and_hash_chain(chain: Chain) -> None:
    ch, r = chain, chain.rollup
    user = ch.users[0]
    ch.fund(user, 10**12)
    prev = b"\0" * 32
    large = False
    for i in range(6):
        x, y = key(i)
        large |= x > (R - 1) // 2
        amount = 1_000_000 * (i + 1)
        rc = ch.tx(r.functions.deposit(x, y, amount), user)
        (ev,) = queue_events(ch, rc)
        entry = encode_entry(DepositEntry(int(user, 16), x, y, amount))
        assert ev["index"] == i and ev["entry"] == entry
        prev = keccak(prev + entry)
        assert ev["hashAfter"] == prev == r.functions.queueHash(i + 1).call()
    assert large  # the packed key's sign bit was exercised
    assert r.functions.queueEnd().call() == 6
    assert r.functions.unconsumedDeposits().call() == 21_000_000
    assert ch.token.functions.balanceOf(r.address).call() == 21_000_000
    rc = ch.tx(r.functions.requestForcedWithdrawal(3, 5_000_000), user)
    (ev,) = queue_events(ch, rc)
    assert ev["entry"] == encode_entry(ForcedWithdrawalEntry(int(user, 16), 3, 5_000_000))
    assert ev["hashAfter"] == keccak(prev + ev["entry"])


def test_deposit_refuses_unusable_keys(chain: Chain) -> None:
    ch, r = chain, chain.rollup
    user = ch.users[0]
    ch.fund(user, 10**9)
    x, y = key(0)
    x4 = sqrt_mod(pow(A, -1, R))  # a x^2 = 1, y = 0: a point of order 4
    bad = {
        "key not on the curve": [(1, 2), (x, y + 1), (x + R, y), (x, y + R)],
        "key of small order": [(0, 1), (0, R - 1), (x4, 0), (R - x4, 0)],
    }
    for reason, keys in bad.items():
        for bx, by in keys:
            reverts(ch, r.functions.deposit(bx, by, 1), user, reason)
    reverts(ch, r.functions.deposit(x, y, 0), user, "amount")
    # a valid key plus a small-order point is not of small order (8(A + T) = 8A): accepted
    mixed = babyjub.add((x, y), (0, R - 1))
    ch.tx(r.functions.deposit(int(mixed[0]), int(mixed[1]), 1), user)
    assert r.functions.queueEnd().call() == 1


def test_claim_pays_once_and_only_credits(chain: Chain) -> None:
    ch, r = chain, chain.rollup
    payer, alice, bob = ch.users[:3]
    ch.fund(payer, 10**9)
    ch.tx(r.functions.deposit(*key(0), 10**8), payer)
    ch.tx(r.functions.testCreditWithdrawal(alice, 3 * 10**7), payer)
    assert r.functions.claimable(alice).call() == 3 * 10**7
    reverts(ch, r.functions.claim(), bob, "nothing to claim")
    ch.tx(r.functions.claim(), alice)
    assert ch.token.functions.balanceOf(alice).call() == 3 * 10**7
    assert r.functions.claimable(alice).call() == 0 and r.functions.totalClaimable().call() == 0
    reverts(ch, r.functions.claim(), alice, "nothing to claim")
    ch.tx(r.functions.testCreditWithdrawal(alice, 5), payer)
    ch.tx(r.functions.claimTo(bob), alice)
    assert ch.token.functions.balanceOf(bob).call() == 5


@pytest.fixture
def evil(chain: Chain) -> tuple[Chain, object, object]:
    """A rollup over ReentrantToken, funded by one deposit."""
    ch = chain
    token = deploy(ch.w3, "ReentrantToken", sender=ch.admin)
    rollup = deploy_rollup(ch.w3, ch.params(1, token.address), name="RollupHarness", sender=ch.admin)
    u = ch.users[0]
    ch.tx(token.functions.faucet(u, 10**9), u)
    ch.tx(token.functions.approve(rollup.address, 10**9), u)
    ch.tx(rollup.functions.deposit(*key(0), 10**9), u)
    return ch, token, rollup


def test_reentrant_token_cannot_claim_twice(evil: tuple[Chain, object, object]) -> None:
    ch, token, rollup = evil
    t, r = token.functions, rollup.functions  # type: ignore[attr-defined]
    alice = ch.users[1]
    ch.tx(r.testCreditWithdrawal(alice, 100), alice)
    # the token re-enters claimTo during the payment; the lock refuses it, the claim itself pays once
    ch.tx(t.setCallback(rollup.address, r.claimTo(alice)._encode_transaction_data()), alice)  # type: ignore[attr-defined]
    ch.tx(r.claim(), alice)
    assert t.lastCallbackOk().call() is False
    assert b"reentrant call" in t.lastCallbackReturn().call()
    assert t.balanceOf(alice).call() == 100 and r.claimable(alice).call() == 0
    reverts(ch, r.claim(), alice, "nothing to claim")


def test_refusing_token_keeps_the_credit(evil: tuple[Chain, object, object]) -> None:
    ch, token, rollup = evil
    t, r = token.functions, rollup.functions  # type: ignore[attr-defined]
    alice, bob = ch.users[1:3]
    ch.tx(r.testCreditWithdrawal(alice, 100), alice)
    ch.tx(r.testCreditWithdrawal(bob, 7), bob)
    ch.tx(t.setFailTransfers(True), alice)
    reverts(ch, r.claim(), alice, "token transfer failed")
    assert r.claimable(alice).call() == 100  # nothing lost, nobody else blocked
    ch.tx(t.setFailTransfers(False), alice)
    ch.tx(r.claim(), bob)
    ch.tx(r.claim(), alice)
    assert t.balanceOf(alice).call() == 100 and t.balanceOf(bob).call() == 7


def test_freeze_after_an_unserved_forced_request_and_reclaim(chain: Chain) -> None:
    ch, r = chain, chain.rollup
    alice, bob, anyone = ch.users[:3]
    ch.fund(alice, 10**9)
    xa, ya = key(0)
    ch.tx(r.functions.deposit(xa, ya, 400), alice)  # index 0, consumed below
    ch.tx(r.functions.deposit(xa, ya, 500), alice)  # index 1, never consumed
    ch.tx(r.functions.requestForcedWithdrawal(1, 100), bob)  # index 2
    reverts(ch, r.functions.freeze(1), anyone, "not a pending forced request")
    reverts(ch, r.functions.freeze(2), anyone, "deadline not passed")
    reverts(ch, r.functions.reclaimDeposit(1, alice, pack_key(xa, ya), 500), alice, "not frozen")
    ch.tx(r.functions.testConsumeQueue(1, 400), anyone)
    ch.time_travel(DEADLINE + 1)
    ch.tx(r.functions.freeze(2), anyone)
    assert r.functions.frozen().call()
    reverts(ch, r.functions.deposit(xa, ya, 1), alice, "frozen")
    reverts(ch, r.functions.requestForcedWithdrawal(1, 1), bob, "frozen")
    reverts(ch, r.functions.freeze(2), anyone, "frozen")
    # a consumed deposit is on L2 (its account escapes); a wrong entry is refused
    reverts(
        ch, r.functions.reclaimDeposit(0, alice, pack_key(xa, ya), 400), anyone, "not an unconsumed entry"
    )
    reverts(ch, r.functions.reclaimDeposit(1, alice, pack_key(xa, ya), 501), anyone, "not this entry")
    reverts(ch, r.functions.reclaimDeposit(1, bob, pack_key(xa, ya), 500), anyone, "not this entry")
    reverts(ch, r.functions.reclaimDeposit(2, bob, pack_key(xa, ya), 100), anyone, "not this entry")
    before = ch.token.functions.balanceOf(alice).call()
    ch.tx(r.functions.reclaimDeposit(1, alice, pack_key(xa, ya), 500), anyone)  # anyone may trigger it
    assert ch.token.functions.balanceOf(alice).call() == before + 500
    reverts(ch, r.functions.reclaimDeposit(1, alice, pack_key(xa, ya), 500), anyone, "already reclaimed")
    assert r.functions.unconsumedDeposits().call() == 0


def test_admin_path_waits_longer_than_the_forced_deadline(chain: Chain) -> None:
    ch, r = chain, chain.rollup
    new_seq = ch.users[4]
    data = r.functions.setSequencer(new_seq)._encode_transaction_data()
    reverts(ch, r.functions.setSequencer(new_seq), ch.admin, "only through the delayed admin path")
    reverts(ch, r.functions.schedule(data), ch.users[0], "admin")
    ch.tx(r.functions.schedule(data), ch.admin)
    reverts(ch, r.functions.execute(data), ch.admin, "not yet")
    ch.time_travel(DEADLINE + 1)  # past the forced deadline: users could have left or frozen
    reverts(ch, r.functions.execute(data), ch.admin, "not yet")
    ch.time_travel(DELAY - DEADLINE)
    reverts(ch, r.functions.execute(data), ch.users[0], "admin")
    ch.tx(r.functions.execute(data), ch.admin)
    assert r.functions.sequencer().call() == new_seq
    reverts(ch, r.functions.execute(data), ch.admin, "not yet")  # one schedule, one execution
    verifier = Web3.to_checksum_address("0x" + "11" * 20)
    vdata = r.functions.setVerifier(8, verifier)._encode_transaction_data()
    ch.tx(r.functions.schedule(vdata), ch.admin)
    ch.time_travel(DELAY)
    ch.tx(r.functions.execute(vdata), ch.admin)
    assert r.functions.verifiers(8).call() == verifier
    bad = RollupParams(
        ch.token.address, CHAIN_ID, ch.sequencer, ch.admin, 1, forced_deadline=10, upgrade_delay=10
    )
    factory = ch.w3.eth.contract(abi=artifact("Rollup")["abi"], bytecode=artifact("Rollup")["bytecode"])
    with pytest.raises((ContractLogicError, TransactionFailed), match="upgrade delay must exceed"):
        factory.constructor(bad.as_tuple()).estimate_gas({"from": ch.admin})
    with pytest.raises(RuntimeError):
        deploy_rollup(ch.w3, bad)
