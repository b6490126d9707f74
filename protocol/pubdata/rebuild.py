"""The state rebuilt from L1 data alone (protocol.md 7.2-7.6, rollup mode): the genesis parameters
(params_hash and the markets' config hashes) and each batch's public data give every account leaf
and the global state, hence every batch's new root, without the sequencer.

A deposit record whose account the rebuild has not seen creates it (the deposit that found the leaf
empty: its key and owner, collateral 0 before the slot's record); each slot record then sets the
account's collateral, nonce, auction start, orders root and its one position in the slot's market
(account_diff.apply), in slot order. The verifier's CLI (client/verify.py) and the tests share it."""

from __future__ import annotations

from typing import Any, NamedTuple

from circuits.primitives.smt import MerkleProof, SparseMerkleTree
from protocol import hashing as H
from protocol.constants import ACCOUNT_TREE_DEPTH, MAX_MARKETS
from protocol.pubdata import account_diff
from protocol.pubdata.batch import PublicData
from protocol.pubdata.fields import PubdataError
from protocol.pubdata.steps.deposit import DepositRecord
from protocol.records import AccountState, GlobalState

_ZERO = (0,) * MAX_MARKETS


class Genesis(NamedTuple):
    """What the root commits to besides the public data: the exchange parameters' hash and each
    market slot's config hash (None: no market), as `GET /v1/params` publishes them."""

    params_hash: int
    config_hashes: tuple[int | None, ...]

    @classmethod
    def from_params_json(cls, body: dict[str, object]) -> Genesis:
        """From a `GET /v1/params` body (or any JSON with `params_hash` and `markets[i].config_hash`)."""
        try:
            ph = int(str(body["params_hash"]))
            markets = body["markets"]
            assert isinstance(markets, list)
            hashes = tuple(None if m is None else int(str(m["config_hash"])) for m in markets)
        except (KeyError, TypeError, ValueError, AssertionError) as e:
            raise PubdataError(f"genesis params: need params_hash and markets[].config_hash ({e!r})") from e
        if len(hashes) > MAX_MARKETS:
            raise PubdataError(f"genesis params: {len(hashes)} markets, at most {MAX_MARKETS}")
        return cls(ph, hashes + (None,) * (MAX_MARKETS - len(hashes)))


class Rebuilder:
    """The account tree and global state after each applied batch."""

    def __init__(self, genesis: Genesis) -> None:
        self.genesis = genesis
        self.states: dict[int, tuple[AccountState, int]] = {}  # account id -> (state, orders_root)
        self.tree = SparseMerkleTree(ACCOUNT_TREE_DEPTH)
        self.global_state: GlobalState | None = None

    def apply(self, pd: PublicData) -> int:
        """Apply one batch's rollup public data; returns the state root after it. PubdataError for
        data no batch could publish (a record of an account no deposit created)."""
        if pd.global_state is None:
            raise PubdataError("validium public data: the state cannot be rebuilt from L1")
        for rec in pd.queue:
            if isinstance(rec, DepositRecord) and rec.account_id not in self.states:
                e = rec.entry  # the deposit that found the leaf empty created the account
                self.states[rec.account_id] = (
                    AccountState(e.pub_x, e.pub_y, e.owner, 0, 0, _ZERO, _ZERO, _ZERO, 0),
                    0,
                )
        touched = set()
        for i, d in enumerate(
            pd.accounts
        ):  # slot order: an account's last record wins, each sets one position
            if d.account_id == 0:
                continue
            if d.account_id not in self.states:
                raise PubdataError(
                    f"accounts section: slot {i} has a record of account {d.account_id}, which no deposit created"
                )
            st, _ = self.states[d.account_id]
            self.states[d.account_id] = (account_diff.apply(st, d), d.orders_root)
            touched.add(d.account_id)
        leaves = {}
        for aid in touched:
            st, oroot = self.states[aid]
            leaves[aid] = H.account_leaf(st, H.positions_hash(H.position_hashes(st)), oroot)
        self.tree.set_many(leaves)
        self.global_state = pd.global_state
        return self.root

    @property
    def global_hash(self) -> int:
        if self.global_state is None:
            raise PubdataError("no batch applied yet: the global state is unknown")
        return H.global_hash(self.genesis.params_hash, self.genesis.config_hashes, self.global_state)

    @property
    def root(self) -> int:
        return H.state_root(self.tree.root, self.global_hash)

    def account(self, account_id: int) -> tuple[AccountState, int] | None:
        """(state, orders_root) of an account, None when its leaf is empty."""
        return self.states.get(account_id)

    def proof(self, account_id: int) -> MerkleProof:
        """The account leaf's 4-ary Merkle path (3 siblings per level, leaf level first, protocol.md
        3): with the global hash, what an exit proves against the last root."""
        return self.tree.prove(account_id)


def account_json(rb: Rebuilder, account_id: int) -> dict[str, Any]:
    """An account's state and its exit path in the rebuilt state, as JSON (decimal strings): what
    `zkclear verify chain --account` prints and a committee member serves."""
    got = rb.account(account_id)
    proof = rb.proof(account_id)
    out: dict[str, Any] = {
        "account_id": account_id,
        "exists": got is not None,
        "leaf": str(proof.leaf),
        "siblings": [str(s) for s in proof.siblings],
        "accounts_root": str(rb.tree.root),
        "global_hash": str(rb.global_hash),
        "state_root": str(rb.root),
    }
    if got is not None:
        st, oroot = got
        out |= {
            "owner": "0x" + st.owner.to_bytes(20, "big").hex(),
            "pub_key": [str(st.pub_x), str(st.pub_y)],
            "collateral": str(st.collateral),
            "nonce": st.nonce,
            "auction_start": st.auction_start,
            "orders_root": str(oroot),
            "positions": [
                {
                    "market_id": m,
                    "size": str(st.sizes[m]),
                    "cost": str(st.costs[m]),
                    "funding_snapshot": str(st.fsnaps[m]),
                }
                for m in range(len(st.sizes))
                if st.sizes[m] or st.costs[m]
            ],
        }
    return out
