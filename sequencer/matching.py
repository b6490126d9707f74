"""Matching an incoming order against one market's book, and settling each fill.

Price-time priority; fills at the maker's price; partial fills.  Before a fill settles both sides
must pass the trade margin rule (Margin.fill_allowed); a maker that fails is cancelled and matching
goes on, a taker that fails stops matching.  A fill is applied tentatively and undone through the
ledger's undo log when a check after it fails, so the checks see exactly the post-fill state.

`match` walks the opposite side's levels; per resting order, `fill_size` screens it (band,
self-trade prevention, reduce-only) and sizes the fill, `try_fill` applies it tentatively and checks
it (open-interest cap, both sides' margin, the liquidation penalty), `commit_fill` advances both
orders' slots, the book, the events and the step record (the last two in `sequencer.fills`).  Each
fill is one circuit step (StepKind.TRADE, or LIQUIDATION for a book-close liquidation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocol.errors import ErrorCode
from protocol.messages.order import SelfTrade
from sequencer.book import BUY, RestingOrder
from sequencer.fills import commit_fill, try_fill

if TYPE_CHECKING:
    from sequencer.account import Account
    from sequencer.ledger import Ledger
    from sequencer.market import Market


def reducible(size: int, side: int) -> int:
    """How much an order on `side` can trade without increasing |size| or flipping it."""
    if side == BUY:
        return -size if size < 0 else 0
    return size if size > 0 else 0


@dataclass(slots=True)
class MatchOutcome:
    filled: int
    stop: ErrorCode | None  # why matching stopped before the limit was reached (None: limit or size)


def match(
    ex: Ledger,
    mk: Market,
    taker: Account,
    side: int,
    limit: int,
    qty: int,
    *,
    order: RestingOrder | None,
    stp: int = SelfTrade.CANCEL_RESTING,
    reduce_only: bool = False,
    liquidation: bool = False,
) -> MatchOutcome:
    """Match `qty` of `taker` on `side` up to price `limit`.  `order` is the taker's signed order
    (None for a liquidation, where the taker pays the liquidation penalty instead of the taker fee
    and the fill must keep the account's deficit within what the insurance fund can cover)."""
    opp = mk.book.opposite(side)
    undo = ex.undo
    remaining = qty
    filled = 0
    stop: ErrorCode | None = None
    keys, levels = opp.keys, opp.levels  # the best level is levels[keys[-1]] (BookSide.best)
    while remaining > 0:
        if not keys:
            stop = ErrorCode.NO_LIQUIDITY
            break
        level = levels[keys[-1]]
        price = level.price
        if (price > limit) if side == BUY else (price < limit):
            if filled == 0:
                stop = ErrorCode.NO_LIQUIDITY
            break
        maker = level.orders[0]
        if not maker.live:
            opp.pop_dead_front(level, undo)
            continue
        q, stop = fill_size(ex, mk, maker, taker, side, remaining, stp, reduce_only, liquidation)
        if not q:
            if stop is None:  # the maker was cancelled
                continue
            break
        fill, stop = try_fill(ex, mk, maker, taker, side, price, q, liquidation)
        if fill is None:
            if stop is None:  # the maker failed the margin rule and was cancelled
                continue
            break
        commit_fill(ex, mk, opp, fill, taker, order, side, liquidation)
        remaining -= q
        filled += q
    return MatchOutcome(filled, stop)


def fill_size(
    ex: Ledger,
    mk: Market,
    maker: RestingOrder,
    taker: Account,
    side: int,
    remaining: int,
    stp: int,
    reduce_only: bool,
    liquidation: bool,
) -> tuple[int, ErrorCode | None]:
    """How much the taker's `remaining` can take from the live resting order `maker` (both sides'
    reduce-only clipping): (q > 0, None) to fill; (0, None) when the maker was cancelled (price out
    of the band, self-trade prevention, a reduce-only maker with nothing to reduce); (0, code) when
    matching stops."""
    if not mk.band_lo <= maker.price <= mk.band_hi:
        ex.cancel_order(maker, ErrorCode.PRICE_OUT_OF_BAND)
        return 0, None
    if maker.account_id == taker.id:
        if liquidation or stp == SelfTrade.CANCEL_RESTING:
            ex.cancel_order(maker, ErrorCode.SELF_TRADE)
            return 0, None
        if stp == SelfTrade.CANCEL_BOTH:
            ex.cancel_order(maker, ErrorCode.SELF_TRADE)
        return 0, ErrorCode.SELF_TRADE
    q = min(remaining, maker.remaining)
    if maker.reduce_only:
        r = reducible(ex.accounts[maker.account_id].sizes[mk.id], maker.side)
        if r == 0:
            ex.cancel_order(maker, ErrorCode.REDUCE_ONLY_WOULD_INCREASE)
            return 0, None
        q = min(q, r)
    if reduce_only:
        r = reducible(taker.sizes[mk.id], side)
        if r == 0:
            return 0, ErrorCode.REDUCE_ONLY_WOULD_INCREASE
        q = min(q, r)
    return q, None
