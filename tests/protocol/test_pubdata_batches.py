"""Public data of real batches from the exchange core (protocol.md section 7): the records-only
helper (`protocol.pubdata.collect`) gives the slots' account records, withdrawals and queue records; the
rebuild from nothing but the public data and the genesis parameters (protocol.pubdata.rebuild,
what the verifier's CLI runs in rollup mode) gives every batch's new root; and the figures of a typical batch."""

from __future__ import annotations

import pytest

from protocol.messages.order import TimeInForce
from protocol.pubdata import account_diff, collect
from protocol.pubdata.batch import (
    PublicData,
    decode_public_data,
    encode_public_data,
    figures,
    public_input,
    split,
)
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.header import BatchHeader
from protocol.pubdata.rebuild import Genesis, Rebuilder
from protocol.pubdata.steps.deposit import DepositRecord
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalRecord
from protocol.pubdata.withdrawals import Withdrawal
from protocol.records import GlobalState, StepKind
from protocol.slots import slot_count
from sequencer.batches import Batch
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


def close(
    w: World, mode: Mode, g_before: GlobalState, slots: int | None = None
) -> tuple[Batch, PublicData, bytes]:
    """Close the World's batch; its public data with `slots` slots (None: the batch's own count)."""
    b = w.ex.close_batch(witness=True)
    assert b.witnesses is not None
    pd = collect.public_data(mode, b.records, collect.orders_roots(b.witnesses), g_before, slots)
    raw = encode_public_data(pd)
    assert decode_public_data(mode, raw) == pd
    return b, pd, raw


def header(w: World, b: Batch) -> BatchHeader:
    return b.header(w.config.chain_id)


def test_verifier_rebuilds_roots_from_public_data() -> None:
    w = World()
    ex = w.ex
    v = Rebuilder(
        Genesis(w.config.params_hash(), tuple(None if m is None else m.config_hash for m in ex.markets))
    )
    g = ex.global_state()

    # batch 1: deposits (a second one to an existing key), prices, trades, a withdrawal
    w.funded(4)
    assert w.deposit(1, 5 * USD).ok
    w.priced()
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.order(2, ETH, SELL, 300_000, 100).ok
    assert w.order(3, ETH, BUY, 300_000, 50, tif=TimeInForce.IOC).ok
    assert w.withdraw(3, 1_000 * USD, recipient=0xCAFE).ok
    b, pd, raw = close(w, Mode.ROLLUP, g)
    assert v.apply(pd) == b.new_root
    assert [type(q) for q in pd.queue] == [DepositRecord] * 5
    assert [q.account_id for q in pd.queue if isinstance(q, DepositRecord)] == [1, 2, 3, 4, 2]
    assert pd.withdrawals == (Withdrawal(w.aid(3), 0xCAFE, 1_000 * USD),)
    # one record per slot: 5 deposits, the oracle prices' slots (no account), 2 trades, 1 withdrawal
    assert [d.account_id for d in pd.accounts if d.account_id] == [1, 2, 3, 4, 2, 1, 2, 3, 4, 4]
    assert len(pd.accounts) == slot_count(collect.steps_of(b.records))
    assert public_input(Mode.ROLLUP, header(w, b), raw) < 1 << 253
    g = ex.global_state()

    # batch 2: forced withdrawals (paid, wrong owner, no such account), a close, funding, a
    # resting order filled later (its slot changes again); account 1 untouched
    w.tick(3600)
    w.refresh()
    assert w.forced_withdrawal(w.aid(2), 10 * USD, owner=0x1000 + 2).ok
    assert w.forced_withdrawal(w.aid(3), 10 * USD, owner=0xDEAD).ok
    assert w.forced_withdrawal(999, 10 * USD, owner=0xDEAD).ok
    assert w.order(1, BTC, SELL, 5_000_000, 20).ok
    assert w.order(0, BTC, BUY, 5_000_000, 10, tif=TimeInForce.IOC).ok  # account 1 half closes
    assert w.funding().ok
    assert w.order(0, BTC, BUY, 5_000_000, 10, tif=TimeInForce.IOC).ok  # ... and closes: no position left
    b, pd, raw = close(w, Mode.ROLLUP, g, 64)  # padded to a 64-slot shape: empty records after the batch's
    assert v.apply(pd) == b.new_root
    forced = [q for q in pd.queue if isinstance(q, ForcedWithdrawalRecord)]
    assert [(q.entry.account_id, q.paid) for q in forced] == [(w.aid(2), 10 * USD), (w.aid(3), 0), (999, 0)]
    assert len(pd.accounts) == 64 and len(split(Mode.ROLLUP, raw).accounts or b"") == 64 * 84
    used = slot_count(collect.steps_of(b.records))
    assert all(d == account_diff.EMPTY for d in pd.accounts[used:])
    # forced withdrawals (after the refresh's oracle slots): account 2 paid, account 3 refused (its
    # leaf unchanged but published), the empty leaf 999 publishes an empty record
    kinds = [s.kind for s in collect.steps_of(b.records)]
    first = slot_count(collect.steps_of(b.records)[: kinds.index(StepKind.FORCED_WITHDRAWAL)])
    assert [d.account_id for d in pd.accounts[first : first + 3]] == [w.aid(2), w.aid(3), 0]
    acct1 = [d for d in pd.accounts if d.account_id == w.aid(0)]
    assert acct1[-1].market_id == BTC and acct1[-1].size == 0 and acct1[-1].cost == 0  # closed
    g = ex.global_state()

    # batch 3: no step at all: the global state is republished, empty records only
    b, pd, raw = close(w, Mode.ROLLUP, g, 4)
    assert (
        pd.accounts == (account_diff.EMPTY,) * 4
        and pd.queue == ()
        and v.apply(pd) == b.new_root == b.old_root
    )
    assert w.withdraw(3, 1 * USD, recipient=0xBEEF).ok
    assert w.withdraw(3, 1 * USD, recipient=0xBEEF).ok
    with pytest.raises(PubdataError, match="the batch needs 2 slots, the shape has 1"):
        close(w, Mode.ROLLUP, g, 1)  # a batch larger than its shape has no public data
    g = ex.global_state()

    # validium: the same kind of batch publishes the queue and withdrawals only
    assert w.withdraw(3, 1 * USD, recipient=0xBEEF).ok
    b, pd, raw = close(w, Mode.VALIDIUM, g)
    assert pd == PublicData(Mode.VALIDIUM, (), (Withdrawal(w.aid(3), 0xBEEF, USD),), None, ())
    assert len(raw) == 1 + 3 + 3 + 31


def test_figures_of_a_typical_batch() -> None:
    """Two market makers quote BTC and ETH; 40 takers trade once each against them (a batch of
    40 trades, 80 slots, one 84-byte record each; plus the global section).  Printed with -s."""
    w = World()
    g = w.ex.global_state()
    w.funded(42)
    w.priced()
    close(w, Mode.ROLLUP, g)
    g = w.ex.global_state()
    assert w.order(0, BTC, SELL, 5_000_000, 10_000).ok
    assert w.order(1, ETH, SELL, 300_000, 10_000).ok
    for t in range(2, 42):
        market, price = (BTC, 5_000_000) if t % 2 else (ETH, 300_000)
        assert w.order(t, market, BUY, price, 10, tif=TimeInForce.IOC).ok
    b, pd, raw = close(w, Mode.ROLLUP, g)
    trades = sum(1 for r in b.records for s in r.steps if s.kind.name == "TRADE")
    assert trades == 40 and len(pd.accounts) == 80
    f = figures(Mode.ROLLUP, raw)
    assert f.hashed_bytes == 546 + 80 * 84
    assert f.framed_bytes == f.hashed_bytes + 7
    assert f.commitment_blocks == 4
    per_trade = 80 * 84 / trades
    print(
        f"\ntypical batch: {trades} trades, {len(pd.accounts)} slot records: {f.framed_bytes} bytes of public data, "
        f"{f.blocks} SHA-256 blocks ({f.section_blocks} over sections, {f.commitment_blocks} outer); "
        f"account diff {per_trade:.1f} bytes and {per_trade / 64:.2f} blocks per trade; "
        f"with the global section {f.framed_bytes / trades:.1f} bytes and {f.blocks / trades:.2f} blocks per trade"
    )
    assert 2.9 < f.blocks / trades < 3.1  # 2.63 blocks of records per trade (two slots)
    vf = figures(
        Mode.VALIDIUM, encode_public_data(pd._replace(mode=Mode.VALIDIUM, global_state=None, accounts=()))
    )
    assert vf.blocks == 2 + 3 and vf.framed_bytes == 7  # empty queue and withdrawals: 1 block each, outer 3
