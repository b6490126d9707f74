"""The batch time range on L1 (protocol.md 7.1, Rollup._batchHeader / _recordBatch): the header's
time_start is the last proven batch's time_end from storage, a time_end before it or more than
MAX_FUTURE after the block time is refused, and recording a batch advances the stored time."""

from __future__ import annotations

from typing import Any

import pytest
from eth_tester.exceptions import TransactionFailed
from web3.exceptions import ContractLogicError

from protocol.pubdata.batch import public_input
from protocol.pubdata.fields import Mode
from protocol.pubdata.header import BatchHeader
from tests.contracts.conftest import CHAIN_ID, Chain
from tests.protocol.test_pubdata_vector import VALIDIUM_HEX

MAX_FUTURE = 15 * 60
REFUSED = (ContractLogicError, TransactionFailed)


def now(ch: Chain) -> int:
    return int(ch.w3.eth.get_block("latest")["timestamp"])


def header(ch: Chain, new_root: int, queue_end: int, time_end: int) -> BatchHeader:
    h = ch.rollup.functions.testBatchHeader(new_root.to_bytes(32, "big"), queue_end, time_end).call()
    return BatchHeader(int.from_bytes(h[0], "big"), int.from_bytes(h[1], "big"), *h[2:])


def record(ch: Chain, h: BatchHeader) -> None:
    t: tuple[Any, ...] = (h.old_root.to_bytes(32, "big"), h.new_root.to_bytes(32, "big"), *h[2:])
    ch.tx(ch.rollup.functions.testRecordBatch(t), ch.sequencer)


def test_header_from_storage_and_submission(chain: Chain) -> None:
    ch = chain
    t = now(ch) - 60
    h = header(ch, 77, 2, t)
    assert h == BatchHeader(12345, 77, 0, CHAIN_ID, 0, 2, 0, t)  # the first batch starts at 0
    # the contract's header hashes to the protocol's public input (the 112 bytes agree)
    data = bytes.fromhex(VALIDIUM_HEX)
    hdr = ch.rollup.functions.testBatchHeader((77).to_bytes(32, "big"), 2, t).call()
    assert ch.rollup.functions.testPublicInput(int(Mode.VALIDIUM), hdr, data).call() == public_input(
        Mode.VALIDIUM, h, data
    )


def test_time_end_beyond_the_bound_is_refused(chain: Chain) -> None:
    ch = chain
    t = now(ch)
    assert header(ch, 1, 0, t + MAX_FUTURE - 60).time_end == t + MAX_FUTURE - 60  # drift allowed
    with pytest.raises(REFUSED, match="time_end in the future"):
        header(ch, 1, 0, t + MAX_FUTURE + 60)
    with pytest.raises(REFUSED, match="time_end in the future"):
        header(ch, 1, 0, 2**64 - 1)


def test_stored_time_advances_and_binds_the_next_batch(chain: Chain) -> None:
    ch = chain
    t1 = now(ch) - 100
    h1 = header(ch, 5, 0, t1)
    record(ch, h1)
    assert ch.rollup.functions.batchTimeEnd().call() == t1
    assert ch.rollup.functions.batchNumber().call() == 1
    assert int.from_bytes(ch.rollup.functions.stateRoot().call(), "big") == 5
    h2 = header(ch, 6, 0, t1)  # a batch without steps: time_end = time_start
    assert (h2.old_root, h2.batch_number, h2.time_start, h2.time_end) == (5, 1, t1, t1)
    with pytest.raises(REFUSED, match="time range"):
        header(ch, 6, 0, t1 - 1)  # before the previous batch's last operation
    ch.time_travel(3600)
    t2 = now(ch)
    record(ch, header(ch, 6, 0, t2))
    assert ch.rollup.functions.batchTimeEnd().call() == t2
    assert header(ch, 7, 0, t2 + 1).time_start == t2
