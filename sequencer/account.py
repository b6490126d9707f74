"""Accounts: the mutable live state behind an account leaf, plus the sequencer-side order
bookkeeping (live orders, slot use, cancel-all floors) that is not part of the leaf.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from protocol.constants import MAX_MARKETS
from protocol.records import AccountState, new_record

if TYPE_CHECKING:
    from sequencer.book import RestingOrder


class Account:
    """Leaf fields (pub key, owner, collateral, nonce, positions, committed order slots) and the
    sequencer's view of the account's orders."""

    __slots__ = (
        "auction_start",
        "collateral",
        "costs",
        "floor_all",
        "floor_market",
        "fsnaps",
        "id",
        "live",
        "nonce",
        "owner",
        "pub_x",
        "pub_y",
        "rcache",
        "rkey",
        "scache",
        "sizes",
        "slot_last",
        "slots",
    )

    def __init__(self, account_id: int, pub_x: int, pub_y: int, owner: int) -> None:
        self.id = account_id
        self.pub_x = pub_x
        self.pub_y = pub_y
        self.owner = owner
        self.collateral = 0
        self.nonce = 0
        self.sizes = [0] * MAX_MARKETS
        self.costs = [0] * MAX_MARKETS
        self.fsnaps = [0] * MAX_MARKETS
        self.auction_start = 0  # time its liquidation auction started, 0: none (protocol.md 4.8)
        # committed order slots (in the leaf): slot -> (order_id, filled)
        self.slots: dict[int, tuple[int, int]] = {}
        # sequencer side (not in the leaf)
        self.live: dict[int, RestingOrder] = {}  # order_id -> live resting order
        self.slot_last: dict[int, int] = {}  # slot -> highest order id ever accepted there
        self.floor_all = 0  # order ids <= floor are refused (cancel-all over every market)
        self.floor_market: dict[int, int] = {}  # market id -> floor (cancel-all in one market)
        # risk cache: (rkey, exchange price revision, risk tuple); rkey changes with every change
        # of collateral, positions or auction start (Margin.apply_leg / add_collateral /
        # set_auction_start), so it also keys the leaf preimage cache
        self.rkey = 0
        self.rcache: tuple[int, int, tuple[int, int, int, int]] | None = None
        # leaf preimage cache: (rkey, nonce, state); the other leaf fields never change
        self.scache: tuple[int, int, AccountState] | None = None

    def state(self) -> AccountState:
        """The leaf preimage (cached: every fill records it before and after, for both sides)."""
        c = self.scache
        if c is not None and c[0] == self.rkey and c[1] == self.nonce:
            return c[2]
        st = new_record(
            AccountState,
            (
                self.pub_x,
                self.pub_y,
                self.owner,
                self.collateral,
                self.nonce,
                tuple(self.sizes),
                tuple(self.costs),
                tuple(self.fsnaps),
                self.auction_start,
            ),
        )
        self.scache = (self.rkey, self.nonce, st)
        return st

    def has_positions(self) -> bool:
        return any(self.sizes)

    def slot_value(self, slot: int) -> tuple[int, int]:
        return self.slots.get(slot, (0, 0))
