"""Place an order (signed): checks, matching against the book, then resting or cancelling the rest.

Acceptance (rejections change nothing and do not consume the order id):
- the account exists, the market exists and has an oracle price, expiry >= time;
- the market is not halted (MARKET_HALTED); while it is reduce-only (a breaker's cool-down) or its
  price is stale only reduce-only orders are taken (MARKET_REDUCE_ONLY, ORACLE_STALE), and resting
  orders that are not reduce-only are cancelled first (protocol.md 4.11);
- price is a multiple of the tick and <= the market's max price; size a multiple of the step and
  >= the minimum order size;
- limit orders: price within the band [ceil(P(1-band)), floor(P(1+band))] of the oracle price P;
  market orders: the worst price is clamped into the band;
- order id above the account's cancel-all floor (all markets and this market) and above the last id
  accepted in its slot (order_id mod ORDER_SLOTS), and no live order holds that slot;
- reduce-only: the order must reduce the current position; post-only: it must not cross;
- GTT / post-only orders (they may rest): the account meets initial margin (at the mark price) if
  the whole order filled at its limit price, counting the taker fee (a sequencer policy against unfunded resting orders;
  other open orders are not counted, every fill is checked again when it happens).
Then matching (sequencer.matching).  FOK: rejected unless filled completely.  A taker stopped by
margin or the open-interest cap before any fill is rejected; after fills, the rest is cancelled.
GTT and post-only rest what remains; IOC and market orders cancel it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protocol.constants import PPM
from protocol.errors import ErrorCode, Rejected
from protocol.fixedpoint import cdiv
from protocol.messages import Signature
from protocol.messages.order import FLAG_MARKET, FLAG_REDUCE_ONLY, OrderMessage, TimeInForce
from sequencer.book import BUY, SLOT_MASK, RestingOrder
from sequencer.events import CANCELLED as _CANCELLED
from sequencer.events import FILLED as _FILLED
from sequencer.events import RESTING as _RESTING
from sequencer.events import OrderUpdate
from sequencer.fills import fee_of
from sequencer.matching import match, reducible
from sequencer.ops.common import check_signed_message

_GTT, _IOC, _FOK, _POST_ONLY = (int(t) for t in TimeInForce)
_NO_LIQUIDITY = ErrorCode.NO_LIQUIDITY
_FIRST_FILL_STOPS = (ErrorCode.INSUFFICIENT_MARGIN, ErrorCode.OPEN_INTEREST_CAP)

if TYPE_CHECKING:
    from sequencer.account import Account
    from sequencer.ledger import Ledger
    from sequencer.market import Market


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    TYPE: ClassVar[str] = "order"

    time: int
    msg: OrderMessage
    sig: Signature

    def validate(self) -> None:
        check_signed_message(self.msg, OrderMessage, self.sig)

    def signed_parts(self, ex: Ledger) -> list[tuple[Any, Any, Any]]:
        acct = ex.account(self.msg.account_id)
        return [((acct.pub_x, acct.pub_y), self.msg, self.sig)]


def check_order_basics(ex: Ledger, acct: Account, mk: Market, msg: OrderMessage, now: int) -> int:
    """The checks an order needs to be taken at all (shared with liquidator orders); returns its
    slot."""
    price, size, oid = msg.price, msg.size, msg.order_id
    if msg.expiry < now:
        raise Rejected(ErrorCode.EXPIRED, f"expired at {msg.expiry}, now {now}")
    if price % mk.tick:
        raise Rejected(ErrorCode.BAD_PRICE_TICK, f"price {price} is not a multiple of the tick {mk.tick}")
    if price > mk.max_price:
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"price {price} above the market's max {mk.max_price}")
    if size % mk.step or size < mk.min_size:
        raise Rejected(ErrorCode.BAD_SIZE_STEP, f"size {size}: multiple of {mk.step}, at least {mk.min_size}")
    if oid <= acct.floor_all or (acct.floor_market and oid <= acct.floor_market.get(mk.id, 0)):
        raise Rejected(ErrorCode.ORDER_ID_USED, f"order id {oid} is at or below a cancel-all nonce")
    slot = oid & SLOT_MASK
    last = acct.slot_last.get(slot, 0)
    if oid <= last:
        raise Rejected(ErrorCode.ORDER_ID_USED, f"order id {oid} not above {last}, its slot's last id")
    if last in acct.live:
        raise Rejected(ErrorCode.ORDER_SLOT_BUSY, f"order {last} is still live in slot {slot}")
    return slot


def resting_margin_ok(ex: Ledger, acct: Account, mk: Market, side: int, size: int, price: int) -> bool:
    """Would the account meet initial margin after the whole order filled at `price` (taker fee
    included)?  Orders that cannot increase |position| always pass."""
    s = acct.sizes[mk.id]
    d = size if side == BUY else -size
    after, before = abs(s + d), abs(s)
    if after <= before:
        return True
    v, _, im, _ = ex.risk_tuple(acct)
    mult, mark, imf = mk.mult, mk.mark_price, mk.imf
    pm = mark * mult
    v += d * (mark - price) * mult - fee_of(size * price * mult, mk.taker_fee)
    im += cdiv(after * pm * imf, PPM) - cdiv(before * pm * imf, PPM)
    return v >= im


def restricted_market(ex: Ledger, mk: Market, flags: int, now: int) -> None:
    """A halted market takes no orders; a reduce-only one (breaker cool-down) or one whose price is
    stale takes only reduce-only orders, after its resting orders that could open risk leave the
    book (protocol.md 4.11)."""
    if mk.halted(now):
        raise Rejected(ErrorCode.MARKET_HALTED, f"market {mk.id} is halted until {mk.status_until}")
    stale = mk.stale(now)
    if not flags & FLAG_REDUCE_ONLY:
        if stale:
            raise Rejected(
                ErrorCode.ORACLE_STALE, f"market {mk.id}'s price is stale: reduce-only orders only"
            )
        raise Rejected(ErrorCode.MARKET_REDUCE_ONLY, f"market {mk.id} is reduce-only until {mk.status_until}")
    ex.cancel_market_orders(mk, ErrorCode.ORACLE_STALE if stale else ErrorCode.MARKET_REDUCE_ONLY)


def apply(ex: Ledger, op: PlaceOrder) -> None:
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
    now = op.time
    if (mk.status and now < mk.status_until) or now > mk.oracle_time + mk.max_age:
        restricted_market(ex, mk, flags, now)
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
    book = mk.book
    if side == BUY:
        keys = book.asks.keys  # best ask is -keys[-1]
        best = -keys[-1] if keys else None
        crosses = best is not None and best <= limit
    else:
        keys = book.bids.keys
        best = keys[-1] if keys else None
        crosses = best is not None and best >= limit
    if tif == _POST_ONLY and crosses:
        raise Rejected(ErrorCode.POST_ONLY_WOULD_CROSS, f"post-only order would trade against {best}")
    rests = tif in (_GTT, _POST_ONLY)
    if rests and not reduce_only and not resting_margin_ok(ex, acct, mk, side, msg.size, limit):
        raise Rejected(ErrorCode.INSUFFICIENT_MARGIN, "initial margin not met if the order filled")

    order = RestingOrder(op, ex.seq, 0)
    # the hot path logs the slot's undo itself rather than through set_item (one call per order)
    slot_last, slot = acct.slot_last, order.slot
    last = slot_last.get(slot)
    ex.undo.append((slot_last.pop, slot) if last is None else (slot_last.__setitem__, slot, last))
    slot_last[slot] = msg.order_id
    if crosses:
        out = match(
            ex, mk, acct, side, limit, msg.size, order=order, stp=(flags >> 4) & 3, reduce_only=reduce_only
        )
        filled, stop = out.filled, out.stop
        if tif == _FOK and order.remaining:
            raise Rejected(ErrorCode.FOK_NOT_FILLED, f"only {filled} of {msg.size} could fill at once")
        if filled == 0 and stop in _FIRST_FILL_STOPS:
            raise Rejected(stop, "the first fill would break the rule")
    else:
        if tif == _FOK:
            raise Rejected(ErrorCode.FOK_NOT_FILLED, f"nothing of {msg.size} could fill at once")
        stop = _NO_LIQUIDITY
    if order.remaining == 0:
        ex.events.append(OrderUpdate(acct.id, msg.order_id, mk.id, _FILLED, order.filled, 0))
    elif rests and (stop is None or stop is _NO_LIQUIDITY):
        ex.rest_order(order)
        ex.events.append(OrderUpdate(acct.id, msg.order_id, mk.id, _RESTING, order.filled, order.remaining))
    else:
        ex.events.append(
            OrderUpdate(
                acct.id,
                msg.order_id,
                mk.id,
                _CANCELLED,
                order.filled,
                order.remaining,
                stop or _NO_LIQUIDITY,
            )
        )
