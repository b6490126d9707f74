"""PublicInput.sol (the public input rebuilt from calldata, protocol.md 7.2 and 7.7) equals
protocol.pubdata.public_input on the public data of real exchange batches in both modes, and on
the test vector of 7.11; it refuses a wrong mode byte, a wrong length, a queue range that does
not match the count and a time range that goes back."""

from __future__ import annotations

import random

import pytest
from eth_tester.exceptions import TransactionFailed
from web3.exceptions import ContractLogicError

from protocol.messages.order import TimeInForce
from protocol.pubdata import collect
from protocol.pubdata.batch import encode_public_data, public_input
from protocol.pubdata.fields import Mode
from protocol.pubdata.header import BatchHeader
from tests.contracts.conftest import Chain
from tests.contracts.test_committee import hdr
from tests.protocol.test_pubdata_vector import (
    HEADER,
    ROLLUP_PUBLIC_INPUT,
    VALIDIUM_HEX,
    VALIDIUM_PUBLIC_INPUT,
    rollup_hex,
)
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


def on_chain(ch: Chain, mode: Mode, h: BatchHeader, data: bytes) -> int:
    return int(ch.rollup.functions.testPublicInput(int(mode), hdr(h), data).call())


def test_vector(chain: Chain) -> None:
    assert on_chain(chain, Mode.VALIDIUM, HEADER, bytes.fromhex(VALIDIUM_HEX)) == VALIDIUM_PUBLIC_INPUT
    assert on_chain(chain, Mode.ROLLUP, HEADER, bytes.fromhex(rollup_hex())) == ROLLUP_PUBLIC_INPUT


def batches() -> list[tuple[BatchHeader, dict[Mode, bytes]]]:
    """Real batches of the exchange core: deposits, trades, withdrawals, forced withdrawals,
    funding, an empty batch, and random trading."""
    w = World()
    rng = random.Random(16)
    out = []

    def close() -> None:
        g = w.ex.global_state()
        b = w.ex.close_batch(witness=True)
        assert b.witnesses is not None
        roots = collect.orders_roots(b.witnesses)
        h = b.header(w.config.chain_id)
        out.append(
            (h, {m: encode_public_data(collect.public_data(m, b.records, roots, g0[0])) for m in Mode})
        )
        g0[0] = g

    g0 = [w.ex.global_state()]
    w.funded(6)
    w.priced()
    close()
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.withdraw(1, 100 * USD, recipient=0xCAFE).ok
    close()
    assert w.forced_withdrawal(w.aid(2), 10 * USD, owner=0x1000 + 2).ok
    assert w.forced_withdrawal(999, 10 * USD, owner=0xDEAD).ok
    close()
    close()  # empty
    for _ in range(30):
        t = rng.randrange(6)
        market, price = (BTC, 5_000_000) if rng.random() < 0.5 else (ETH, 300_000)
        w.order(t, market, rng.choice([BUY, SELL]), price, 10 * rng.randrange(1, 4))
    assert w.withdraw(3, 1 * USD, recipient=0xBEEF).ok
    close()
    return out


def test_public_input_of_real_batches(chain: Chain) -> None:
    seen = set()
    for h, datas in batches():
        for mode, data in datas.items():
            assert on_chain(chain, mode, h, data) == public_input(mode, h, data)
            seen.add((mode, h.queue_end > h.queue_start, len(data)))
    assert len(seen) >= 8


def test_framing_is_checked(chain: Chain) -> None:
    val = bytes.fromhex(VALIDIUM_HEX)
    rol = bytes.fromhex(rollup_hex())
    bad = [
        (Mode.ROLLUP, HEADER, val, "pubdata mode"),
        (Mode.VALIDIUM, HEADER, rol, "pubdata mode"),
        (Mode.VALIDIUM, HEADER, val + b"\0", "pubdata length"),
        (Mode.ROLLUP, HEADER, rol[:-1], "pubdata length"),
        (Mode.VALIDIUM, HEADER._replace(queue_end=7), val, "queue range"),
        (Mode.VALIDIUM, HEADER._replace(queue_start=7), val, "queue range"),
        (Mode.VALIDIUM, HEADER._replace(time_end=HEADER.time_start - 1), val, "time range"),
    ]
    for mode, h, data, reason in bad:
        with pytest.raises((ContractLogicError, TransactionFailed), match=reason):
            on_chain(chain, mode, h, data)
