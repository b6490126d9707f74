"""The committed state: leaf and root layouts against the pure-Python Poseidon twin, Merkle
witnesses of every step chaining the roots, batched roots equal to sequential ones."""

from __future__ import annotations

import pytest

from circuits.primitives.merkle import merkle_root
from circuits.primitives.poseidon import poseidon as ref_poseidon
from protocol import hashing as H
from protocol.constants import FIELD_MODULUS as R
from protocol.constants import MAX_MARKETS, ORDER_TREE_DEPTH, Tag
from protocol.messages.order import TimeInForce
from sequencer.exchange import Exchange
from sequencer.state_tree import AccountProof
from sequencer.tree import empty_hashes
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


def busy_world() -> World:
    w = World().funded(3).priced()
    assert w.order(0, BTC, SELL, 5_000_000, 3_000).ok
    assert w.order(1, BTC, BUY, 5_000_000, 2_000, tif=TimeInForce.IOC).ok
    assert w.order(1, ETH, BUY, 300_000, 1_000).ok
    assert w.order(2, ETH, SELL, 300_000, 500).ok
    assert w.transfer(2, 0, 5 * USD).ok
    assert w.withdraw(0, USD).ok
    assert w.funding().ok
    return w


def test_account_leaf_layout_matches_the_reference() -> None:
    w = busy_world()
    acct = w.acct(1)
    st = acct.state()
    pos = [
        ref_poseidon([Tag.POSITION, st.sizes[m] % R, st.costs[m] % R, st.fsnaps[m] % R])
        for m in range(MAX_MARKETS)
    ]
    ph = ref_poseidon([Tag.POSITIONS, *pos])
    w.ex.close_batch()
    orders_root = w.ex.trees.orders_root(acct.id)
    leaf = ref_poseidon(
        [Tag.ACCOUNT, st.pub_x, st.pub_y, st.owner, st.collateral % R, st.nonce, ph, orders_root, 0]
    )
    assert w.ex.trees.accounts.leaf(acct.id) == leaf
    # the order slot tree holds Poseidon([TAG_ORDER_SLOT, order_id, filled]) at slot id mod 1024
    slot_leaf = ref_poseidon([Tag.ORDER_SLOT, 1, 2_000])
    assert w.ex.trees.orders[acct.id].leaf(1) == slot_leaf
    assert H.position_hash(0, 0, 0) == ref_poseidon([Tag.POSITION, 0, 0, 0])


def test_witness_paths_chain_every_root() -> None:
    w = busy_world()
    ex = w.ex
    batch = ex.close_batch()
    assert batch.witnesses is not None
    root = batch.old_root
    for rec, wits in zip(batch.records, batch.witnesses, strict=True):
        for step, sw in zip(rec.steps, wits, strict=True):
            assert sw.state_root_before == root
            acc_root = sw.accounts_root_before
            assert root == ref_poseidon([Tag.STATE, acc_root, sw.global_hash_before])
            for u, lw in zip(step.updates, sw.leaves, strict=True):
                assert lw.account_id == u.account_id
                assert len(lw.account_siblings) == 36
                assert merkle_root(lw.leaf_before, list(lw.account_siblings), u.account_id) == acc_root
                acc_root = merkle_root(lw.leaf_after, list(lw.account_siblings), u.account_id)
                assert acc_root == lw.accounts_root_after
                if u.slot is not None:
                    sib = list(lw.slot_siblings)
                    assert len(sib) == 15
                    assert (
                        merkle_root(H.order_slot_leaf(*u.slot.before), sib, u.slot.slot)
                        == lw.orders_root_before
                    )
                    assert (
                        merkle_root(H.order_slot_leaf(*u.slot.after), sib, u.slot.slot)
                        == lw.orders_root_after
                    )
                if u.after is not None:
                    assert lw.leaf_after == H.account_leaf(
                        u.after, lw.positions_hash_after, lw.orders_root_after
                    )
            root = ref_poseidon([Tag.STATE, acc_root, sw.global_hash_after])
            assert sw.state_root_after == root
    assert root == batch.new_root == ex.state_root


def test_batched_root_equals_the_witnessed_root_and_replay() -> None:
    w = busy_world()
    root_now = w.ex.current_root()
    b1 = w.ex.close_batch()
    assert b1.new_root == root_now
    ex2 = Exchange.replay(w.config, w.journal)
    b2 = ex2.close_batch(witness=False)
    assert b2.new_root == b1.new_root and b2.old_root == b1.old_root
    assert ex2.digest() == w.ex.digest()


def test_genesis_root() -> None:
    w = World()
    empty_accounts = 0
    for _ in range(12):  # 4-ary, depth 12: 2^24 account slots
        empty_accounts = ref_poseidon([empty_accounts] * 4)
    assert empty_accounts == empty_hashes(12)[12]
    assert w.ex.state_root == ref_poseidon([Tag.STATE, empty_accounts, w.ex.trees.global_hash])
    assert w.ex.trees.orders_root(1) == empty_hashes(ORDER_TREE_DEPTH)[ORDER_TREE_DEPTH]


def check_proof(proof: AccountProof, root: int) -> None:
    assert proof.root == root
    assert len(proof.siblings) == 36
    assert merkle_root(proof.leaf, list(proof.siblings), proof.account_id) == proof.accounts_root
    assert ref_poseidon([Tag.STATE, proof.accounts_root, proof.global_hash]) == root
    if proof.state is None:
        assert proof.leaf == 0
    else:
        assert proof.leaf == H.account_leaf(proof.state, proof.positions_hash, proof.orders_root)


def test_account_proofs_at_older_batches() -> None:
    w = World().funded(3).priced()
    genesis_root = World().ex.state_root
    b0 = w.ex.close_batch()
    aid = w.aid(1)
    p0 = w.ex.account_proof(aid)
    check_proof(p0, b0.new_root)
    assert p0.state.collateral == 100_000 * USD and p0.batch == 0
    assert w.order(0, BTC, SELL, 5_000_000, 3_000).ok
    assert w.order(1, BTC, BUY, 5_000_000, 2_000, tif=TimeInForce.IOC).ok
    b1 = w.ex.close_batch(witness=False)
    assert w.withdraw(1, 10 * USD).ok
    b2 = w.ex.close_batch()
    for batch, root in ((-1, genesis_root), (0, b0.new_root), (1, b1.new_root), (2, b2.new_root)):
        check_proof(w.ex.account_proof(aid, batch), root)
    assert w.ex.account_proof(aid, 0) == p0
    assert w.ex.account_proof(aid, -1).state is None  # no account yet at genesis
    assert w.ex.account_proof(aid, 1).state.sizes[BTC] == 2_000
    # the history survives a snapshot, and can be dropped once proven
    twin = Exchange.restore(w.ex.snapshot())
    assert twin.account_proof(aid, 0) == p0
    w.ex.trees.forget_before(1)
    check_proof(w.ex.account_proof(aid, 1), b1.new_root)
    with pytest.raises(KeyError):
        w.ex.account_proof(aid, 0)
