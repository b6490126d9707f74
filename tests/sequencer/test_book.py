"""The order book structure: levels, priority, lazy removal of cancelled orders, exact undo."""

from __future__ import annotations

from typing import Any

from protocol.messages.order import OrderMessage
from sequencer.book import BUY, SELL, BookSide, OrderBook, RestingOrder


class _Op:
    def __init__(self, msg: OrderMessage) -> None:
        self.msg = msg


def order(side: int, price: int, size: int, seq: int) -> RestingOrder:
    o = RestingOrder(_Op(OrderMessage(1, 0, side, price, size, seq + 1, 10**9)), seq, 0)
    o.live = True
    return o


def snapshot(side: BookSide) -> Any:
    return (
        list(side.keys),
        {k: (lv.price, lv.total, [o.seq for o in lv.orders]) for k, lv in side.levels.items()},
    )


def test_best_levels_and_depth() -> None:
    book = OrderBook(0)
    undo: list = []
    for seq, (side, price) in enumerate([(BUY, 100), (BUY, 102), (BUY, 101), (SELL, 105), (SELL, 103)]):
        book.side(side).add(order(side, price, 10, seq), undo)
    assert book.bids.best_price() == 102 and book.asks.best_price() == 103
    assert book.bids.depth(2) == [(102, 10), (101, 10)]
    assert book.asks.depth(5) == [(103, 10), (105, 10)]
    assert book.mid() == 102 and not book.is_crossed()


def test_cancelled_orders_leave_totals_at_once_and_empty_levels_go() -> None:
    book = OrderBook(0)
    undo: list = []
    a, b = order(SELL, 103, 10, 0), order(SELL, 103, 5, 1)
    book.asks.add(a, undo)
    book.asks.add(b, undo)
    a.live = False
    book.asks.reduce(a, 10, undo)
    assert book.asks.depth(1) == [(103, 5)]
    assert [o.seq for o in book.asks.live_orders()] == [1]
    b.live = False
    book.asks.reduce(b, 5, undo)
    assert book.asks.best() is None and book.asks.levels == {}


def test_undo_restores_exactly() -> None:
    book = OrderBook(0)
    base: list = []
    book.bids.add(order(BUY, 100, 10, 0), base)
    before = snapshot(book.bids)
    undo: list = []
    o, p = order(BUY, 100, 7, 1), order(BUY, 101, 3, 2)
    book.bids.add(o, undo)
    book.bids.add(p, undo)
    p.live = False
    book.bids.reduce(p, 3, undo)  # the 101 level empties and goes
    level = book.bids.best()
    assert level is not None and level.price == 100
    book.bids.reduce(o, 7, undo)
    book.bids.pop_dead_front(level, undo)
    while undo:
        fn, *args = undo.pop()
        fn(*args)
    assert snapshot(book.bids) == before
