"""Public data of real batches from the exchange core (protocol.md section 7): the records-only
helper (`protocol.pubdata.collect`) gives the touched accounts, withdrawals and queue records; a
verifier that reads nothing but the public data (and the genesis parameters) rebuilds every
batch's new root, as the verifier's CLI must in rollup mode; and the figures of a typical batch."""

from __future__ import annotations

from circuits.primitives.smt import SparseMerkleTree
from protocol import hashing as H
from protocol.constants import ACCOUNT_TREE_DEPTH
from protocol.messages.order import TimeInForce
from protocol.pubdata import collect
from protocol.pubdata.batch import (
    PublicData,
    decode_public_data,
    encode_public_data,
    figures,
    public_input,
    split,
)
from protocol.pubdata.fields import Mode
from protocol.pubdata.header import BatchHeader
from protocol.pubdata.steps.deposit import DepositRecord
from protocol.pubdata.steps.forced_withdrawal import ForcedWithdrawalRecord
from protocol.pubdata.withdrawals import Withdrawal
from protocol.records import GlobalState
from sequencer.batches import Batch
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


class Verifier:
    """Rebuilds the state root from L1 data alone: the genesis parameters (params_hash, config
    hashes) and each batch's rollup public data."""

    def __init__(self, params_hash: int, config_hashes: tuple[int | None, ...]) -> None:
        self.params_hash = params_hash
        self.config_hashes = config_hashes
        self.keys: dict[int, tuple[int, int, int]] = {}  # account id -> (pub_x, pub_y, owner)
        self.tree = SparseMerkleTree(ACCOUNT_TREE_DEPTH)

    def apply(self, pd: PublicData) -> int:
        for rec in pd.queue:
            if isinstance(rec, DepositRecord) and rec.account_id not in self.keys:
                e = rec.entry  # the deposit that found the leaf empty created the account
                self.keys[rec.account_id] = (e.pub_x, e.pub_y, e.owner)
        leaves = {}
        for d in pd.accounts:
            st = d.state(*self.keys[d.account_id])
            leaves[d.account_id] = H.account_leaf(st, H.positions_hash(H.position_hashes(st)), d.orders_root)
        self.tree.set_many(leaves)
        assert pd.global_state is not None
        return H.state_root(
            self.tree.root, H.global_hash(self.params_hash, self.config_hashes, pd.global_state)
        )


def close(w: World, mode: Mode, g_before: GlobalState) -> tuple[Batch, PublicData, bytes]:
    b = w.ex.close_batch(witness=True)
    assert b.witnesses is not None
    pd = collect.public_data(mode, b.records, collect.orders_roots(b.witnesses), g_before)
    raw = encode_public_data(pd)
    assert decode_public_data(mode, raw) == pd
    return b, pd, raw


def header(w: World, b: Batch) -> BatchHeader:
    return BatchHeader(b.old_root, b.new_root, b.number, w.config.chain_id, b.queue_start, b.queue_end)


def test_verifier_rebuilds_roots_from_public_data() -> None:
    w = World()
    ex = w.ex
    v = Verifier(w.config.params_hash(), tuple(None if m is None else m.config_hash for m in ex.markets))
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
    assert [d.account_id for d in pd.accounts] == [1, 2, 3, 4]
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
    b, pd, raw = close(w, Mode.ROLLUP, g)
    assert v.apply(pd) == b.new_root
    forced = [q for q in pd.queue if isinstance(q, ForcedWithdrawalRecord)]
    assert [(q.entry.account_id, q.paid) for q in forced] == [(w.aid(2), 10 * USD), (w.aid(3), 0), (999, 0)]
    assert [d.account_id for d in pd.accounts] == [1, 2, 3]  # 3: its forced request was refused
    acct1 = next(d for d in pd.accounts if d.account_id == w.aid(0))
    assert acct1.sizes[BTC] == 0 and acct1.costs[BTC] == 0  # a closed position is not listed
    s = split(Mode.ROLLUP, raw)
    # positions of the listed accounts only: account 3's ETH short (account 4's long is untouched)
    assert s.positions is not None and len(s.positions) == 32
    g = ex.global_state()

    # batch 3: no step at all: the global state is republished, no account
    b, pd, raw = close(w, Mode.ROLLUP, g)
    assert pd.accounts == () and pd.queue == () and v.apply(pd) == b.new_root == b.old_root

    # validium: the same kind of batch publishes the queue and withdrawals only
    assert w.withdraw(3, 1 * USD, recipient=0xBEEF).ok
    b, pd, raw = close(w, Mode.VALIDIUM, g)
    assert pd == PublicData(Mode.VALIDIUM, (), (Withdrawal(w.aid(3), 0xBEEF, USD),), None, ())
    assert len(raw) == 1 + 3 + 3 + 31


def test_figures_of_a_typical_batch() -> None:
    """Two market makers quote BTC and ETH; 40 takers trade once each against them (a batch of
    40 trades, 42 touched accounts, 42 positions; plus the global section).  Printed with -s."""
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
    assert trades == 40 and len(pd.accounts) == 42
    f = figures(Mode.ROLLUP, raw)
    assert f.hashed_bytes == 546 + 42 * 55 + 42 * 32
    assert f.framed_bytes == f.hashed_bytes + 13
    assert f.commitment_blocks == 5
    per_trade = (42 * 55 + 42 * 32) / trades
    print(
        f"\ntypical batch: {trades} trades, {len(pd.accounts)} accounts: {f.framed_bytes} bytes of public data, "
        f"{f.blocks} SHA-256 blocks ({f.section_blocks} over sections, {f.commitment_blocks} outer); "
        f"account diff {per_trade:.1f} bytes and {per_trade / 64:.2f} blocks per trade; "
        f"with the global section {f.framed_bytes / trades:.1f} bytes and {f.blocks / trades:.2f} blocks per trade"
    )
    assert 1.5 < f.blocks / trades < 2.0
    vf = figures(
        Mode.VALIDIUM, encode_public_data(pd._replace(mode=Mode.VALIDIUM, global_state=None, accounts=()))
    )
    assert vf.blocks == 2 + 3 and vf.framed_bytes == 7  # empty queue and withdrawals: 1 block each, outer 3
