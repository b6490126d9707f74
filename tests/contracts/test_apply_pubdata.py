"""The L1 side of a batch's public data (Rollup._applyPublicData, what submitBatch will do besides
the proof): deposits and a forced withdrawal queued on chain, the same operations applied by the
exchange core, its batch's public data consumed: the records match the queue's hash chain, the
forced withdrawal's `paid` and the withdrawals become claimable; a skipped, reordered or altered
record, or a wrong queue end, is refused."""

from __future__ import annotations

import pytest
from eth_tester.exceptions import TransactionFailed
from web3.exceptions import ContractLogicError

from protocol.messages.order import TimeInForce
from protocol.pubdata import collect
from protocol.pubdata.batch import encode_public_data, split
from protocol.pubdata.fields import Mode
from protocol.pubdata.queue import RECORD_BYTES
from tests.contracts.conftest import Chain
from tests.sequencer.world import BTC, BUY, SELL, USD, World, trader_signer


def refused(ch: Chain, end: int, data: bytes, reason: str) -> None:
    with pytest.raises((ContractLogicError, TransactionFailed), match=reason):
        ch.rollup.functions.testApplyPublicData(end, data).call()


@pytest.mark.parametrize("mode", list(Mode))
def test_public_data_consumes_the_queue_and_credits(chain: Chain, mode: Mode) -> None:
    ch, r = chain, chain.rollup.functions
    users = ch.users[:3]
    w = World()
    g = w.ex.global_state()
    for i, u in enumerate(users):
        ch.fund(u, 10**12)
        x, y = trader_signer(i).pub
        ch.tx(r.deposit(int(x), int(y), 100_000 * USD), u)
        assert w.deposit(i, 100_000 * USD, owner=int(u, 16)).ok
    w.priced()
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.withdraw(2, 1_000 * USD, recipient=int(ch.users[4], 16)).ok
    ch.tx(r.requestForcedWithdrawal(w.aid(2), 500 * USD), users[2])
    assert w.forced_withdrawal(w.aid(2), 500 * USD, owner=int(users[2], 16)).ok
    ch.tx(r.requestForcedWithdrawal(w.aid(0), 7 * USD), users[1])  # not the owner: pays nothing
    assert w.forced_withdrawal(w.aid(0), 7 * USD, owner=int(users[1], 16)).ok
    b = w.ex.close_batch(witness=True)
    assert b.witnesses is not None and (b.queue_start, b.queue_end) == (0, 5)
    data = encode_public_data(collect.public_data(mode, b.records, collect.orders_roots(b.witnesses), g))

    # adversarial variants first (calls: nothing changes)
    s = split(mode, data)
    q0 = 7  # both modes: mode byte and two counts
    recs = [s.queue[i : i + RECORD_BYTES] for i in range(0, len(s.queue), RECORD_BYTES)]

    def with_queue(rs: list[bytes]) -> bytes:
        return data[:q0] + b"".join(rs) + data[q0 + len(s.queue) :]

    refused(ch, 4, data, "queue range")
    refused(ch, 5, with_queue([recs[1], recs[0], *recs[2:]]), "do not match the queue")
    refused(ch, 5, with_queue([*recs[:3], recs[4], recs[3]]), "do not match the queue")
    bumped = bytearray(recs[0])
    bumped[60] ^= 1  # the deposit's amount
    refused(ch, 5, with_queue([bytes(bumped), *recs[1:]]), "do not match the queue")
    overpaid = bytearray(recs[4])
    overpaid[32:40] = (7 * USD + 1).to_bytes(8, "big")  # paid above the 7 USD requested
    refused(ch, 5, with_queue([*recs[:4], bytes(overpaid)]), "paid above the request")

    ch.tx(r.testApplyPublicData(5, data), ch.admin)
    assert r.queueConsumed().call() == 5 and r.unconsumedDeposits().call() == 0
    assert r.claimable(users[2]).call() == 500 * USD  # forced withdrawal paid in full
    assert r.claimable(users[1]).call() == 0  # not its account
    assert r.claimable(ch.users[4]).call() == 1_000 * USD  # the signed withdrawal
    ch.tx(r.claim(), users[2])
    assert ch.token.functions.balanceOf(users[2]).call() == 10**12 - 100_000 * USD + 500 * USD
    refused(ch, 5, data, "queue range")  # consumed once
