"""Resting orders: the book-keeping of orders that rest on a book (protocol.md §4.6).

`RestingOrders` adds to the state the logged moves of an order on and off its book: resting it
(`rest_order`, filed under its expiry), cancelling it (`cancel_order`, `cancel_account_orders`,
`cancel_market_orders`),
taking it off when it is filled (`finish_order`) and expiring orders once the time passes their
expiry (`expire_orders`, run before every operation).  Cancels and expiries emit an OrderUpdate.
"""

from __future__ import annotations

import heapq

from protocol.errors import ErrorCode
from sequencer.account import Account
from sequencer.book import RestingOrder
from sequencer.events import CANCELLED as _CANCELLED
from sequencer.events import FILLED as _FILLED
from sequencer.events import OrderUpdate
from sequencer.market import Market
from sequencer.state import State


class RestingOrders(State):
    # Each of these logs one undo entry (a method that reverses all of it) rather than one per
    # field: they run for nearly every operation.  The undo log runs last-in first-out, so when an
    # entry runs the state is exactly as the method left it.
    def cancel_order(self, order: RestingOrder, reason: ErrorCode | None) -> None:
        """Take a live order off the book (its remaining is kept for the report); reason None:
        cancelled by its owner."""
        undo = self.undo
        book = self.markets[order.market_id].book  # type: ignore[union-attr]  # an order's market exists
        (book.bids if order.side == 0 else book.asks).reduce(order, order.remaining, undo)
        order.live = False
        del self.accounts[order.account_id].live[order.order_id]
        undo.append((self._unclose, order))
        self.events.append(
            OrderUpdate(
                order.account_id,
                order.order_id,
                order.market_id,
                _CANCELLED,
                order.filled,
                order.remaining,
                reason,
            )
        )

    def finish_order(self, order: RestingOrder) -> None:
        """A resting order filled completely leaves the book's live orders (the book side already
        took its quantity off)."""
        order.live = False
        del self.accounts[order.account_id].live[order.order_id]
        self.undo.append((self._unclose, order))
        self.events.append(
            OrderUpdate(order.account_id, order.order_id, order.market_id, _FILLED, order.filled, 0)
        )

    def _unclose(self, order: RestingOrder) -> None:
        """Undo of an order leaving the book (cancelled or filled)."""
        order.live = True
        self.accounts[order.account_id].live[order.order_id] = order

    def rest_order(self, order: RestingOrder) -> None:
        undo = self.undo
        book = self.markets[order.market_id].book  # type: ignore[union-attr]  # an order's market exists
        (book.bids if order.side == 0 else book.asks).add(order, undo)
        order.live = True
        self.accounts[order.account_id].live[order.order_id] = order
        self.track_expiry(order)
        undo.append((self._unrest, order))

    def track_expiry(self, order: RestingOrder) -> None:
        """File a resting order under its expiry (orders of one expiry stay in arrival order):
        for rest_order and for orders restored from a snapshot."""
        exp = order.expiry
        bucket = self.expiring.get(exp)
        if bucket is None:
            self.expiring[exp] = [order]
            heapq.heappush(self.expiry_times, exp)
        else:
            bucket.append(order)

    def _unrest(self, order: RestingOrder) -> None:
        order.live = False
        self.accounts[order.account_id].live.pop(order.order_id)
        exp = order.expiry
        bucket = self.expiring[exp]
        bucket.pop()
        if not bucket:
            del self.expiring[exp]
            self.expiry_times.remove(exp)
            heapq.heapify(self.expiry_times)

    def expire_orders(self, now: int) -> None:
        """Orders expire once time passes their expiry (checked at every operation), in (expiry,
        arrival) order."""
        heap = self.expiry_times
        while heap and heap[0] < now:
            exp = heapq.heappop(heap)
            orders = self.expiring.pop(exp)
            self.undo.append((self._unexpire, exp, orders))
            for order in orders:
                if order.live:
                    self.cancel_order(order, ErrorCode.EXPIRED)

    def _unexpire(self, exp: int, orders: list[RestingOrder]) -> None:
        self.expiring[exp] = orders
        heapq.heappush(self.expiry_times, exp)

    def cancel_account_orders(self, acct: Account, reason: ErrorCode) -> None:
        for order in sorted(acct.live.values(), key=lambda o: o.seq):
            self.cancel_order(order, reason)

    def cancel_market_orders(self, mk: Market, reason: ErrorCode) -> None:
        """Cancel every live resting order of a market that is not reduce-only (a market entering a
        reduce-only or halted period, protocol.md 4.11), oldest first."""
        book = mk.book
        orders = [
            o
            for side in (book.bids, book.asks)
            for level in side.levels.values()
            for o in level.orders
            if o.live and not o.reduce_only
        ]
        for order in sorted(orders, key=lambda o: o.seq):
            self.cancel_order(order, reason)
