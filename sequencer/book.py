"""Price-time priority order book of one market.

Each side keeps its price levels in a dict and their keys in a sorted list whose last element is the
best level (bids keyed by price, asks by -price), so the best level is found and dropped in O(1).
A level holds its orders in arrival order; a cancelled order is only marked dead and skipped (its
quantity leaves the level total at once), so a cancel is O(1).  A level whose total reaches zero is
removed.  Every mutation appends its inverse to an undo list so an operation that is rejected part
way can be rolled back exactly (see Exchange).
"""

from __future__ import annotations

from bisect import insort
from collections import deque
from typing import Any

from protocol.constants import ORDER_SLOTS

BUY = 0
SELL = 1
SLOT_MASK = ORDER_SLOTS - 1

Undo = list[tuple[Any, ...]]


class RestingOrder:
    """A live (or just-finished) order; `op` is the signed Order operation that created it."""

    __slots__ = (
        "account_id",
        "expiry",
        "filled",
        "live",
        "market_id",
        "op",
        "order_id",
        "price",
        "reduce_only",
        "remaining",
        "seq",
        "side",
        "size",
        "slot",
    )

    def __init__(self, op: Any, seq: int, filled: int) -> None:
        msg = op.msg
        self.op = op
        self.account_id: int = msg.account_id
        self.order_id: int = msg.order_id
        self.slot: int = msg.order_id & SLOT_MASK
        self.market_id: int = msg.market_id
        self.side: int = msg.side
        self.price: int = msg.price
        self.size: int = msg.size
        self.expiry: int = msg.expiry
        self.reduce_only: bool = bool(msg.flags & 4)
        self.filled = filled  # filled so far (this order's total)
        self.remaining = msg.size - filled
        self.seq = seq  # arrival sequence (time priority)
        self.live = False


class Level:
    __slots__ = ("orders", "price", "total")

    def __init__(self, price: int) -> None:
        self.price = price
        self.orders: deque[RestingOrder] = deque()
        self.total = 0  # sum of live remaining


class BookSide:
    __slots__ = ("is_bid", "keys", "levels")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[int, Level] = {}
        self.keys: list[int] = []  # ascending; the best level's key is last

    def key(self, price: int) -> int:
        return price if self.is_bid else -price

    def best(self) -> Level | None:
        return self.levels[self.keys[-1]] if self.keys else None

    def best_price(self) -> int | None:
        if not self.keys:
            return None
        k = self.keys[-1]
        return k if self.is_bid else -k

    def add(self, order: RestingOrder, undo: Undo) -> None:
        price = order.price
        k = price if self.is_bid else -price
        level = self.levels.get(k)
        if level is None:
            level = self.levels[k] = Level(price)
            insort(self.keys, k)
        level.orders.append(order)
        level.total += order.remaining
        # one undo entry per mutation, not one per field: add and reduce run for most operations
        undo.append((self._unadd, order))

    def _unadd(self, order: RestingOrder) -> None:
        # the undo log runs last-in first-out, so the book is as `add` left it: the order is the
        # level's last, and the level was created by that add iff the order was its only one
        price = order.price
        k = price if self.is_bid else -price
        level = self.levels[k]
        level.orders.pop()
        level.total -= order.remaining
        if not level.orders:
            self._drop_level(k)

    def reduce(self, order: RestingOrder, qty: int, undo: Undo) -> None:
        """Take qty of a live order's remaining off its level (fill or cancel); drops an empty level."""
        price = order.price
        k = price if self.is_bid else -price
        level = self.levels[k]
        level.total -= qty
        if level.total == 0:
            del self.levels[k]
            self.keys.remove(k)
        undo.append((self._unreduce, level, qty))

    def _unreduce(self, level: Level, qty: int) -> None:
        if level.total == 0:  # reduce dropped it (a level on the book never has a zero total)
            self._restore_level(level.price if self.is_bid else -level.price, level)
        level.total += qty

    def pop_dead_front(self, level: Level, undo: Undo) -> None:
        o = level.orders.popleft()
        undo.append((level.orders.appendleft, o))

    def _drop_level(self, k: int) -> None:
        del self.levels[k]
        self.keys.remove(k)

    def _restore_level(self, k: int, level: Level) -> None:
        self.levels[k] = level
        insort(self.keys, k)

    def depth(self, n: int) -> list[tuple[int, int]]:
        """The best n levels as (price, total size)."""
        out = []
        for k in reversed(self.keys[-n:] if n > 0 else []):
            lv = self.levels[k]
            out.append((lv.price, lv.total))
        return out

    def live_orders(self) -> list[RestingOrder]:
        """Live orders in priority order (best level first, then arrival)."""
        return [o for k in reversed(self.keys) for o in self.levels[k].orders if o.live]


class OrderBook:
    __slots__ = ("asks", "bids", "market_id")

    def __init__(self, market_id: int) -> None:
        self.market_id = market_id
        self.bids = BookSide(True)
        self.asks = BookSide(False)

    def side(self, side: int) -> BookSide:
        return self.bids if side == BUY else self.asks

    def opposite(self, side: int) -> BookSide:
        return self.asks if side == BUY else self.bids

    def is_crossed(self) -> bool:
        b, a = self.bids.best_price(), self.asks.best_price()
        return b is not None and a is not None and b >= a

    def mid(self) -> int | None:
        b, a = self.bids.best_price(), self.asks.best_price()
        if b is None or a is None:
            return None
        return (b + a) // 2
