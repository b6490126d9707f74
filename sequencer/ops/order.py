"""Place an order (signed): checks, matching against the book, then resting or cancelling the rest.

Acceptance (rejections change nothing and do not consume the order id):
- the account exists, the market exists and has an oracle price, expiry >= time;
- price is a multiple of the tick and <= the market's max price; size a multiple of the step and
  >= the minimum order size;
- limit orders: price within the band [ceil(P(1-band)), floor(P(1+band))] of the oracle price P;
  market orders: the worst price is clamped into the band;
- order id above the account's cancel-all floor (all markets and this market) and above the last id
  accepted in its slot (order_id mod 2^ORDER_TREE_DEPTH), and no live order holds that slot;
- reduce-only: the order must reduce the current position; post-only: it must not cross;
- GTT / post-only orders (they may rest): the account meets initial margin if the whole order filled
  at its limit price, counting the taker fee (a sequencer policy against unfunded resting orders;
  other open orders are not counted, every fill is checked again when it happens).
Then matching (sequencer.matching).  FOK: rejected unless filled completely.  A taker stopped by
margin or the open-interest cap before any fill is rejected; after fills, the rest is cancelled.
GTT and post-only rest what remains; IOC and market orders cancel it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sequencer.book import BUY, SLOT_MASK, RestingOrder
from sequencer.errors import ErrorCode, Rejected
from sequencer.events import OrderState, OrderUpdate
from sequencer.fixedpoint import cdiv
from sequencer.matching import fee_of, match, reducible
from sequencer.messages import Signature
from sequencer.messages.order import FLAG_MARKET, FLAG_REDUCE_ONLY, OrderMessage, TimeInForce
from sequencer.ops.common import check_expiry, check_signed_message

_GTT, _IOC, _FOK, _POST_ONLY = (int(t) for t in TimeInForce)

if TYPE_CHECKING:
    from sequencer.account import Account
    from sequencer.exchange import Exchange
    from sequencer.market import Market


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    TYPE: ClassVar[str] = "order"

    time: int
    msg: OrderMessage
    sig: Signature

    def validate(self) -> None:
        check_signed_message(self.msg, OrderMessage, self.sig)

    def signed_parts(self, ex: Exchange) -> list[tuple[Any, Any, Any]]:
        acct = ex.account(self.msg.account_id)
        return [((acct.pub_x, acct.pub_y), self.msg, self.sig)]


def check_order_basics(ex: Exchange, acct: Account, mk: Market, msg: OrderMessage, now: int) -> None:
    """The checks an order needs to be taken at all (shared with liquidator orders)."""
    check_expiry(msg.expiry, now)
    if msg.price % mk.tick:
        raise Rejected(ErrorCode.BAD_PRICE_TICK, f"price {msg.price} is not a multiple of the tick {mk.tick}")
    if msg.price > mk.max_price:
        raise Rejected(
            ErrorCode.VALUE_OUT_OF_RANGE, f"price {msg.price} above the market's max {mk.max_price}"
        )
    if msg.size % mk.step or msg.size < mk.min_size:
        raise Rejected(
            ErrorCode.BAD_SIZE_STEP, f"size {msg.size}: multiple of {mk.step}, at least {mk.min_size}"
        )
    if msg.order_id <= max(acct.floor_all, acct.floor_market.get(mk.id, 0)):
        raise Rejected(ErrorCode.ORDER_ID_USED, f"order id {msg.order_id} is at or below a cancel-all nonce")
    slot = msg.order_id & SLOT_MASK
    last = acct.slot_last.get(slot, 0)
    if msg.order_id <= last:
        raise Rejected(
            ErrorCode.ORDER_ID_USED, f"order id {msg.order_id} not above {last}, its slot's last id"
        )
    if last in acct.live:
        raise Rejected(ErrorCode.ORDER_SLOT_BUSY, f"order {last} is still live in slot {slot}")


def resting_margin_ok(ex: Exchange, acct: Account, mk: Market, side: int, size: int, price: int) -> bool:
    """Would the account meet initial margin after the whole order filled at `price` (taker fee
    included)?  Orders that cannot increase |position| always pass."""
    m = mk.id
    s = acct.sizes[m]
    d = size if side == BUY else -size
    if abs(s + d) <= abs(s):
        return True
    v, _, im, _ = ex.risk_tuple(acct)
    pm = mk.oracle_price * mk.mult
    v += d * (mk.oracle_price - price) * mk.mult - fee_of(size * price * mk.mult, mk.taker_fee)
    im += cdiv(abs(s + d) * pm * mk.imf, 1_000_000) - cdiv(abs(s) * pm * mk.imf, 1_000_000)
    return v >= im


def apply(ex: Exchange, op: PlaceOrder) -> None:
    msg = op.msg
    acct = ex.accounts.get(msg.account_id)
    if acct is None:
        raise Rejected(ErrorCode.UNKNOWN_ACCOUNT, f"no account {msg.account_id}")
    mk = ex.markets[msg.market_id]
    if mk is None:
        raise Rejected(ErrorCode.UNKNOWN_MARKET, f"no market {msg.market_id}")
    if not mk.oracle_price:
        raise Rejected(ErrorCode.NO_ORACLE_PRICE, f"market {mk.id} has no oracle price yet")
    check_order_basics(ex, acct, mk, msg, op.time)
    side = msg.side
    flags = msg.flags
    tif = flags & 3
    limit = msg.price
    if flags & FLAG_MARKET:
        limit = min(limit, mk.band_hi) if side == BUY else max(limit, mk.band_lo)
    elif not mk.band_lo <= limit <= mk.band_hi:
        raise Rejected(
            ErrorCode.PRICE_OUT_OF_BAND,
            f"price {limit} outside [{mk.band_lo}, {mk.band_hi}] around the oracle",
        )
    reduce_only = bool(flags & FLAG_REDUCE_ONLY)
    if reduce_only and reducible(acct.sizes[mk.id], side) == 0:
        raise Rejected(ErrorCode.REDUCE_ONLY_WOULD_INCREASE, "reduce-only order but no position to reduce")
    best = mk.book.opposite(side).best_price()
    crosses = best is not None and (best <= limit if side == BUY else best >= limit)
    if tif == _POST_ONLY and crosses:
        raise Rejected(ErrorCode.POST_ONLY_WOULD_CROSS, f"post-only order would trade against {best}")
    rests = tif in (_GTT, _POST_ONLY)
    if rests and not reduce_only and not resting_margin_ok(ex, acct, mk, side, msg.size, limit):
        raise Rejected(ErrorCode.INSUFFICIENT_MARGIN, "initial margin not met if the order filled")

    order = RestingOrder(op, ex.seq, 0)
    ex.set_item(acct.slot_last, order.slot, msg.order_id)
    if crosses:
        out = match(
            ex, mk, acct, side, limit, msg.size, order=order, stp=(flags >> 4) & 3, reduce_only=reduce_only
        )
        filled, stop = out.filled, out.stop
        if tif == _FOK and order.remaining:
            raise Rejected(ErrorCode.FOK_NOT_FILLED, f"only {filled} of {msg.size} could fill at once")
        if filled == 0 and (stop is ErrorCode.INSUFFICIENT_MARGIN or stop is ErrorCode.OPEN_INTEREST_CAP):
            raise Rejected(stop, "the first fill would break the rule")
    else:
        if tif == _FOK:
            raise Rejected(ErrorCode.FOK_NOT_FILLED, f"nothing of {msg.size} could fill at once")
        stop = ErrorCode.NO_LIQUIDITY
    if order.remaining == 0:
        ex.emit(OrderUpdate(acct.id, msg.order_id, mk.id, OrderState.FILLED, order.filled, 0))
    elif rests and (stop is None or stop is ErrorCode.NO_LIQUIDITY):
        ex.rest_order(order)
        ex.emit(OrderUpdate(acct.id, msg.order_id, mk.id, OrderState.RESTING, order.filled, order.remaining))
    else:
        ex.emit(
            OrderUpdate(
                acct.id,
                msg.order_id,
                mk.id,
                OrderState.CANCELLED,
                order.filled,
                order.remaining,
                stop or ErrorCode.NO_LIQUIDITY,
            )
        )
