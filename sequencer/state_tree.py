"""The committed state: the account tree, each account's order-slot tree and the global hash, as of
the last closed batch.  Records of the pending batch are applied to it when the batch closes:

- `apply_sequential(steps)`: step by step, leaf by leaf, exactly as the batch circuit re-checks them;
  returns one `StepWitness` per step (Merkle paths, leaf hashes, intermediate roots).
- `apply_batched(steps)`: only the final values of every touched leaf, hashed level by level with
  each distinct node hashed once, every hash of the batch in one native call (`tree.HashPlan`,
  `native.poseidon.poseidon_dag`); returns nothing but the same final root.  For a node that needs the root fast and the witness later (or never).

Both check that each update's `before` preimage is the committed one, so a record that does not
chain onto the committed state is caught here instead of producing an unprovable batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from protocol import hashing as H
from protocol.constants import ACCOUNT_TREE_DEPTH, MAX_MARKETS, ORDER_TREE_DEPTH, Tag
from protocol.constants import FIELD_MODULUS as R
from protocol.records import AccountState, GlobalState, LeafWitness, MarketState, Step, StepWitness
from sequencer.tree import HashPlan, SparseMerkleTree, empty_hashes, plan_update, sibling_keys


class StateMismatch(AssertionError):
    """A record's `before` does not match the committed state (a bug, never a user error)."""


@dataclass(slots=True)
class AccountProof:
    """An account against the root of a closed batch: everything an escape or a client needs to
    check `root == Poseidon([TAG_STATE, accounts_root, global_hash])` and the leaf in it."""

    account_id: int
    batch: int  # -1: genesis
    root: int
    accounts_root: int
    global_hash: int
    global_state: GlobalState
    leaf: int  # 0 for an empty leaf
    siblings: tuple[int, ...]  # 3 * ACCOUNT_TREE_DEPTH, leaf to root (protocol.md section 3)
    state: AccountState | None  # the leaf preimage (None: empty)
    position_hashes: tuple[int, ...]
    positions_hash: int
    orders_root: int


class StateTrees:
    _root: tuple[int, int, int] = (-1, -1, 0)  # (accounts root, global hash, state root) last computed

    def __init__(self, params_hash: int, config_hashes: tuple[int | None, ...], genesis: GlobalState) -> None:
        self.params_hash = params_hash
        self.config_hashes = config_hashes
        self.accounts = SparseMerkleTree(ACCOUNT_TREE_DEPTH)
        self.accounts.log = {}
        self.orders: dict[int, SparseMerkleTree] = {}
        # committed account preimage, its position hashes (so unchanged ones are not rehashed),
        # positions hash and orders root
        self.committed: dict[int, tuple[AccountState, list[int], int, int]] = {}
        # history for proofs at older roots: per closed batch, the account-tree nodes and committed
        # entries as they were before that batch changed them; the global state after each batch
        self.batch = -1  # last closed batch (-1: genesis)
        self.committed_log: dict[int, tuple[AccountState, list[int], int, int] | None] = {}
        self.history: list[tuple[int, dict[tuple[int, int], int], dict[int, Any]]] = []
        self._market_hash_cache: dict[tuple[int, MarketState], int] = {}
        self.global_state = genesis
        self.global_hash = self._global_hash(genesis)
        self.globals_at: dict[int, tuple[GlobalState, int]] = {-1: (genesis, self.global_hash)}

    # ---- hashing helpers ---------------------------------------------------------------------------
    def _market_hash(self, m: int, ms: MarketState | None) -> int:
        if ms is None:
            return 0
        ch = self.config_hashes[m]
        assert ch is not None
        key = (m, ms)
        h = self._market_hash_cache.get(key)
        if h is None:
            if len(self._market_hash_cache) > 4096:
                self._market_hash_cache.clear()
            h = H.market_hash(ch, ms)
            self._market_hash_cache[key] = h
        return h

    def _global_hash(self, g: GlobalState) -> int:
        mhs = [self._market_hash(m, ms) for m, ms in enumerate(g.markets)]
        return H.global_hash(self.params_hash, self.config_hashes, g, market_hashes=mhs)

    def _set_global(self, g: GlobalState) -> None:
        if g != self.global_state:
            self.global_state = g
            self.global_hash = self._global_hash(g)

    @property
    def root(self) -> int:
        key = (self.accounts.root, self.global_hash)
        if self._root[:2] != key:  # the last root computed, for (accounts root, global hash)
            self._root = (*key, H.state_root(*key))
        return self._root[2]

    def _plan_global(self, plan: HashPlan, g: GlobalState) -> tuple[int, list[tuple[int, MarketState, int]]]:
        """Plan the global hash of `g`: its reference and the market hashes that were not cached
        (market id, state, reference)."""
        mhs: list[int] = []
        new: list[tuple[int, MarketState, int]] = []
        for m, ms in enumerate(g.markets):
            if ms is None:
                mhs.append(0)
                continue
            h = self._market_hash_cache.get((m, ms))
            if h is None:
                ch = self.config_hashes[m]
                assert ch is not None
                h = plan.row(H.market_row(ch, ms))
                new.append((m, ms, h))
            mhs.append(h)
        markets = plan.row([Tag.MARKETS, *mhs])
        gh = plan.row([Tag.GLOBAL, self.params_hash, markets, g.insurance_fund, g.fee_pool, g.funding_time])
        return gh, new

    def _store_global(
        self, plan: HashPlan, g: GlobalState, planned: tuple[int, list[tuple[int, MarketState, int]]]
    ) -> None:
        """After the plan ran: `g` is the committed global state and its market hashes are cached."""
        gh, new = planned
        if len(self._market_hash_cache) > 4096:
            self._market_hash_cache.clear()
        for m, ms, ref in new:
            self._market_hash_cache[(m, ms)] = plan.value(ref)
        self.global_state = g
        self.global_hash = plan.value(gh)

    def order_tree(self, account_id: int) -> SparseMerkleTree:
        t = self.orders.get(account_id)
        if t is None:
            t = self.orders[account_id] = SparseMerkleTree(ORDER_TREE_DEPTH)
        return t

    def orders_root(self, account_id: int) -> int:
        t = self.orders.get(account_id)
        return t.root if t is not None else empty_hashes(ORDER_TREE_DEPTH)[ORDER_TREE_DEPTH]

    def _commit(self, account_id: int, entry: tuple[AccountState, list[int], int, int]) -> None:
        if account_id not in self.committed_log:
            self.committed_log[account_id] = self.committed.get(account_id)
        self.committed[account_id] = entry

    def _check_before(self, account_id: int, before: AccountState | None) -> None:
        have = self.committed.get(account_id)
        if (have[0] if have else None) != before:
            raise StateMismatch(f"account {account_id}: record 'before' is not the committed leaf preimage")

    # ---- sequential (witness) ---------------------------------------------------------------------
    def apply_sequential(self, steps: Sequence[Step]) -> list[StepWitness]:
        out: list[StepWitness] = []
        for step in steps:
            root_before, acc_before, gh_before = self.root, self.accounts.root, self.global_hash
            leaves = []
            for u in step.updates:
                self._check_before(u.account_id, u.before)
                if u.after is None:  # a proof that the leaf is empty (nothing changes)
                    leaves.append(self._empty_leaf_witness(u.account_id))
                    continue
                have = self.committed.get(u.account_id)
                ph_list = list(have[1]) if have else [H.empty_position_hash()] * MAX_MARKETS
                ph_before = have[2] if have else H.positions_hash(ph_list)
                otree = self.order_tree(u.account_id)
                or_before = otree.root
                slot_sib = None
                if u.slot is not None:
                    if otree.leaf(u.slot.slot) != H.order_slot_leaf(*u.slot.before):
                        raise StateMismatch(f"account {u.account_id}: slot {u.slot.slot} 'before' mismatch")
                    slot_sib = tuple(otree.update(u.slot.slot, H.order_slot_leaf(*u.slot.after)))
                b, a = u.before, u.after
                changed = False
                for m in range(MAX_MARKETS):
                    if b is None or (b.sizes[m], b.costs[m], b.fsnaps[m]) != (
                        a.sizes[m],
                        a.costs[m],
                        a.fsnaps[m],
                    ):
                        ph_list[m] = H.position_hash(a.sizes[m], a.costs[m], a.fsnaps[m])
                        changed = True
                ph_after = H.positions_hash(ph_list) if changed else ph_before
                leaf_before = self.accounts.leaf(u.account_id)
                leaf_after = H.account_leaf(a, ph_after, otree.root)
                sib = tuple(self.accounts.update(u.account_id, leaf_after))
                self._commit(u.account_id, (a, ph_list, ph_after, otree.root))
                leaves.append(
                    LeafWitness(
                        account_id=u.account_id,
                        account_siblings=sib,
                        leaf_before=leaf_before,
                        leaf_after=leaf_after,
                        positions_hash_before=ph_before,
                        positions_hash_after=ph_after,
                        orders_root_before=or_before,
                        orders_root_after=otree.root,
                        slot_siblings=slot_sib,
                        accounts_root_after=self.accounts.root,
                    )
                )
            if step.global_before != self.global_state:
                raise StateMismatch("step 'global_before' is not the committed global state")
            self._set_global(step.global_after)
            out.append(
                StepWitness(
                    state_root_before=root_before,
                    state_root_after=self.root,
                    accounts_root_before=acc_before,
                    global_hash_before=gh_before,
                    global_hash_after=self.global_hash,
                    leaves=tuple(leaves),
                )
            )
        return out

    def _empty_leaf_witness(self, account_id: int) -> LeafWitness:
        if self.accounts.leaf(account_id) != 0:
            raise StateMismatch(f"account {account_id}: expected an empty leaf")
        empty_orders = empty_hashes(ORDER_TREE_DEPTH)[ORDER_TREE_DEPTH]
        return LeafWitness(
            account_id=account_id,
            account_siblings=tuple(self.accounts.siblings(account_id)),
            leaf_before=0,
            leaf_after=0,
            positions_hash_before=0,
            positions_hash_after=0,
            orders_root_before=empty_orders,
            orders_root_after=empty_orders,
            slot_siblings=None,
            accounts_root_after=self.accounts.root,
        )

    # ---- batched (root only) -----------------------------------------------------------------------
    def apply_batched(self, steps: Sequence[Step]) -> None:
        final: dict[int, AccountState] = {}
        slots: dict[int, dict[int, tuple[int, int]]] = {}
        g = self.global_state
        for step in steps:
            if step.global_before != g:
                raise StateMismatch("step 'global_before' does not chain")
            g = step.global_after
            for u in step.updates:
                if u.after is None:
                    continue
                prev = final.get(u.account_id)
                if prev is None:
                    self._check_before(u.account_id, u.before)
                elif prev != u.before:
                    raise StateMismatch(f"account {u.account_id}: updates do not chain")
                final[u.account_id] = u.after
                if u.slot is not None:
                    slots.setdefault(u.account_id, {})[u.slot.slot] = u.slot.after
        # every hash of the batch in one native call (tree.HashPlan): order-slot leaves, the touched
        # order trees level by level, changed positions, positions hashes, account leaves, the
        # account tree; each refers to the rows it depends on
        plan = HashPlan()
        order_ids = list(slots)
        order_jobs = [
            (
                self.order_tree(aid),
                {
                    s: 0 if v == (0, 0) else plan.row([Tag.ORDER_SLOT, v[0], v[1]])
                    for s, v in slots[aid].items()
                },
            )
            for aid in order_ids
        ]
        order_roots = dict(zip(order_ids, plan_update(plan, order_jobs), strict=True))
        # positions: only changed positions are rehashed, and the positions hash only if one changed
        ids = sorted(final)
        ph_lists: dict[int, list[int]] = {}
        ph_of: dict[int, int] = {}
        leaves: dict[int, int] = {}
        for aid in ids:
            have = self.committed.get(aid)
            ph_list = list(have[1]) if have else [H.empty_position_hash()] * MAX_MARKETS
            a, b = final[aid], have[0] if have else None
            changed = have is None
            for m in range(MAX_MARKETS):
                if b is None or (b.sizes[m], b.costs[m], b.fsnaps[m]) != (
                    a.sizes[m],
                    a.costs[m],
                    a.fsnaps[m],
                ):
                    changed = True
                    if a.sizes[m] or a.costs[m] or a.fsnaps[m]:
                        ph_list[m] = plan.row(H.position_row(a.sizes[m], a.costs[m], a.fsnaps[m]))
                    else:
                        ph_list[m] = H.empty_position_hash()
            ph_lists[aid] = ph_list
            ph = have[2] if have is not None and not changed else plan.row([Tag.POSITIONS, *ph_list])
            ph_of[aid] = ph
            orders_root = order_roots[aid] if aid in order_roots else self.orders_root(aid)
            leaves[aid] = plan.row(H.account_leaf_row(a, ph, orders_root))
        [accounts_root] = plan_update(plan, [(self.accounts, leaves)])
        new_global = self._plan_global(plan, g) if g != self.global_state else None
        root = plan.row([Tag.STATE, accounts_root, self.global_hash if new_global is None else new_global[0]])
        plan.run()
        value = plan.value
        for aid in ids:
            ph_list = [value(x) for x in ph_lists[aid]]
            self._commit(aid, (final[aid], ph_list, value(ph_of[aid]), self.orders_root(aid)))
        if new_global is not None:
            self._store_global(plan, g, new_global)
        self._root = (self.accounts.root, self.global_hash, value(root))

    def scratch_copy(self) -> StateTrees:
        """A copy to apply pending steps to and read the root (no per-batch history)."""
        new = object.__new__(StateTrees)
        new.params_hash = self.params_hash
        new.config_hashes = self.config_hashes
        new.accounts = self.accounts.copy()
        new.orders = {aid: t.copy() for aid, t in self.orders.items()}
        new.committed = dict(self.committed)
        new._market_hash_cache = dict(self._market_hash_cache)
        new.global_state = self.global_state
        new.global_hash = self.global_hash
        new.batch = self.batch
        new.committed_log = {}
        new.history = []
        new.globals_at = dict(self.globals_at)
        return new

    # ---- batches and proofs ------------------------------------------------------------------------
    def end_batch(self, number: int) -> None:
        """The committed state is now batch `number`'s: close its history entry."""
        self.history.append((number, self.accounts.log or {}, self.committed_log))
        self.accounts.log = {}
        self.committed_log = {}
        self.batch = number
        self.globals_at[number] = (self.global_state, self.global_hash)

    def forget_before(self, number: int) -> None:
        """Drop the history that only proofs at batches before `number` need (call it once
        `number` is proven and final on L1)."""
        self.history = [h for h in self.history if h[0] > number]
        self.globals_at = {b: g for b, g in self.globals_at.items() if b >= number}

    def account_proof(self, account_id: int) -> tuple[int, list[int]]:
        """(leaf, siblings) of an account against the committed accounts root."""
        return self.accounts.leaf(account_id), self.accounts.siblings(account_id)

    def proof(self, account_id: int, batch: int | None = None) -> AccountProof:
        """The account against the root of closed batch `batch` (default: the last one); any batch
        since the last `forget_before` (or genesis, -1) is available."""
        if batch is None:
            batch = self.batch
        if batch not in self.globals_at or batch > self.batch:
            raise KeyError(f"no state kept for batch {batch} (kept: {sorted(self.globals_at)})")
        later = [h for h in self.history if h[0] > batch]  # ascending batch numbers

        def node(h: int, i: int) -> int:
            for _, log, _ in later:
                if (h, i) in log:
                    return log[(h, i)]
            return self.accounts.levels[h].get(i, self.accounts.empty[h])

        entry = self.committed.get(account_id)
        for _, _, clog in later:
            if account_id in clog:
                entry = clog[account_id]
                break
        depth = self.accounts.depth
        siblings = tuple(node(h, i) for h, i in sibling_keys(account_id, depth))
        g, gh = self.globals_at[batch]
        accounts_root = node(depth, 0)
        empty_orders = empty_hashes(ORDER_TREE_DEPTH)[ORDER_TREE_DEPTH]
        return AccountProof(
            account_id=account_id,
            batch=batch,
            root=H.state_root(accounts_root, gh),
            accounts_root=accounts_root,
            global_hash=gh,
            global_state=g,
            leaf=node(0, account_id),
            siblings=siblings,
            state=None if entry is None else entry[0],
            position_hashes=tuple(entry[1]) if entry else (),
            positions_hash=entry[2] if entry else 0,
            orders_root=entry[3] if entry else empty_orders,
        )


def signed(v: int) -> int:
    """The signed integer a field element encodes (inverse of v mod r for |v| < r/2)."""
    return v - R if v > R // 2 else v
