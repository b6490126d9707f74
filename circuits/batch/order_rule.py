"""The order checks of one fill (protocol.md 3.2, 4.6 and section 5): the signed order's message
hash, its acceptance rules, the fill price, the order-slot rule, reduce-only and the fee.

Twins in the exchange core: `protocol.messages.order.OrderMessage.hash` (order_hash),
`sequencer.ops.order.check_order_basics` and the band / flag rules of `apply` and
`OrderMessage.validate` (check_order), `sequencer.matching.match` / `fill_size` (check_fill_price,
check_reduce_only), `sequencer.fills.fill_order` (slot_rule) and `sequencer.fills.fee_of`
(fill_fee).

Every check is gated by a boolean `enabled` (the caller's, not re-checked): with enabled = 0 each
assertion holds for any values, because every range check is taken of `enabled * x` (0 when
disabled) and every equality is `enabled * (a - b) = 0`; hints stay pinned either way.  A bound
`x >= y` is the range check `enabled * (x - y) < 2^k`, sound because both sides are known to be far
below r / 2 (message fields are range-checked here, state values are in range by induction).

Where each OrderVars field is range-checked: price, size, expiry and flags by check_order (with
the market's tick, step, max price and minimum size), account, market and side by their equality
with the step's values, order_id (< 2^48, != 0) by slot_rule, which needs its bits for the slot
index.  So a fill calls check_order and slot_rule for each order it consumes.

Market orders (flag bit 3): the core clamps the worst price into the band at acceptance instead of
rejecting it, so check_order skips the band for them; a fill is then checked by check_fill_price:
the fill price within the band and within the taker's signed price, which is the same as within
the clamped limit.  A limit order's price is checked in the band at the step's oracle price, as
the core does for a taker at acceptance and for a maker at fill time (fill_size cancels a maker
priced outside the current band).

Constraints (pinned in tests/circuits/batch/test_order_rule.py):
order_hash 459 (Poseidon(10)); check_order 494 (127 of them the band, which market orders skip but
still pay for); check_fill_price 170; slot_rule 202; check_reduce_only 150; fill_fee 113.  One
fill with both orders (two hashes, check_order, slot_rule and check_reduce_only each, one
check_fill_price, two fees): about 3,000.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from circuits.batch.vars import MarketConfigVars
from circuits.dsl import LC, Circuit, LCLike, as_lc
from circuits.gadgets.bits import bits2num, num2bits, signed_range_check
from circuits.gadgets.comparators import is_equal
from circuits.gadgets.poseidon import poseidon
from protocol import constants as C

PPM = C.PPM
FEE_BITS = 72  # |fee| < 2^71: notional < 2^72 times |fee_ppm| <= 10^5, over 10^6
BAND_BITS = 62  # 10^6 * price and P * band stay below 2^61
FLAG_BITS = 6


@dataclass(slots=True)
class OrderVars:
    """The signed order message's fields, in OrderMessage's order (all witness)."""

    account_id: LC
    market_id: LC
    side: LC
    price: LC
    size: LC
    order_id: LC
    expiry: LC
    flags: LC


ORDER_FIELDS = tuple(f.name for f in fields(OrderVars))


@dataclass(slots=True)
class OrderFlags:
    """check_order's decoded flags, each 0 when the check is disabled."""

    tif: tuple[LC, LC]  # bits 0-1
    reduce_only: LC
    market: LC
    stp: tuple[LC, LC]  # bits 4-5


def order_inputs(cs: Circuit, name: str) -> OrderVars:
    """An order as private inputs named `{name}_{field}` (for tests and witnesses)."""
    return OrderVars(*(cs.private_input(f"{name}_{f}") for f in ORDER_FIELDS))


def order_assignment(msg: object, name: str) -> dict[str, int]:
    """The inputs of `order_inputs(cs, name)` for an OrderMessage."""
    return {f"{name}_{f}": getattr(msg, f) for f in ORDER_FIELDS}


def _gate(cs: Circuit, enabled: LC, x: LCLike, name: str) -> LC:
    return cs.mul(enabled, x, name)


def _nonneg(cs: Circuit, enabled: LC, x: LCLike, n: int, name: str) -> None:
    """enabled = 1: 0 <= x < 2^n (for x known to be a small signed integer, x >= 0)."""
    with cs.scope(name):
        num2bits(cs, _gate(cs, enabled, x, "gate"), n, "range")


def _equal(cs: Circuit, enabled: LC, a: LCLike, b: LCLike, name: str) -> None:
    cs.constrain(enabled, as_lc(a) - as_lc(b), 0, name)


def _multiple(cs: Circuit, enabled: LC, x: LC, unit: LC, n: int, name: str) -> LC:
    """enabled = 1: x = k * unit with 0 <= k < 2^n (unit >= 1 and x small: the integer product);
    k is pinned to 0 when disabled (k * (unit + 1) = 0, unit + 1 != 0)."""
    with cs.scope(name):
        ex = cs.mul(enabled, x, "gate")
        # hints
        k = cs.hint_div(ex, unit + 1 - enabled, "k")
        # constraints
        cs.constrain(k, unit + 1 - enabled, ex, "k_times_unit")
        num2bits(cs, k, n, "k_range")
    return k


def order_hash(cs: Circuit, o: OrderVars, domain_hash: LCLike, name: str = "order_msg") -> LC:
    """Poseidon([TAG_MSG_ORDER, domain, order_id, expiry, account_id, market_id, side, price, size,
    flags]): the value the order's EdDSA signature signs (OrderMessage.hash)."""
    row = [C.Tag.MSG_ORDER, domain_hash, o.order_id, o.expiry, o.account_id]
    row += [o.market_id, o.side, o.price, o.size, o.flags]
    return poseidon(cs, row, name)


def _band(cs: Circuit, enabled: LC, price: LC, oracle_price: LCLike, band_ppm: LCLike, name: str) -> None:
    """enabled = 1: ceil(P (10^6 - band) / 10^6) <= price <= floor(P (10^6 + band) / 10^6), as the
    integer inequalities 10^6 price >= P (10^6 - band) and 10^6 price <= P (10^6 + band)."""
    p = as_lc(oracle_price)
    with cs.scope(name):
        pb = cs.mul(p, band_ppm, "p_band")
        _nonneg(cs, enabled, price * PPM - p * PPM + pb, BAND_BITS, "lo")
        _nonneg(cs, enabled, p * PPM + pb - price * PPM, BAND_BITS, "hi")


def check_order(
    cs: Circuit,
    o: OrderVars,
    account_id: LCLike,
    market_onehot: list[LC],
    market_id: LCLike,
    side_is_sell: LCLike,
    now: LCLike,
    cfg: MarketConfigVars,
    oracle_price: LCLike,
    enabled: LCLike,
    name: str = "order",
    band_enabled: LCLike | None = None,
) -> OrderFlags:
    """With enabled = 1, the order may take part in a fill at time `now` in market `market_id`
    (whose config is `cfg`; `market_onehot` is the caller's selector of it and is not needed here)
    on side `side_is_sell`: the acceptance rules of check_order_basics, the band of `apply` for
    limit orders and the flag rules of OrderMessage.validate.  Returns the decoded flags.
    `band_enabled` (boolean, at most `enabled`; default `enabled`) turns the band off for orders
    the core takes outside it (a liquidator's takeover order, protocol.md 4.8)."""
    del market_onehot  # the caller selected cfg with it; market_id carries the same fact
    en = as_lc(enabled)
    with cs.scope(name):
        _equal(cs, en, o.account_id, account_id, "account")
        _equal(cs, en, o.market_id, market_id, "market")
        _equal(cs, en, o.side, side_is_sell, "side")
        # expiry < 2^40 (the message bound) and expiry >= now
        _nonneg(cs, en, o.expiry, C.TIME_BITS, "expiry_range")
        _nonneg(cs, en, o.expiry - as_lc(now), C.TIME_BITS, "expired")
        # price = k * tick, 1 <= k, price <= max_price (< 2^40): 1 <= price < 2^40 follows
        k = _multiple(cs, en, o.price, cfg.tick_size, C.PRICE_BITS, "tick")
        _nonneg(cs, en, k - 1, C.PRICE_BITS, "price_nonzero")
        _nonneg(cs, en, cfg.max_price - o.price, C.PRICE_BITS, "max_price")
        # size = j * step, min_order_size <= size < 2^48 (min_order_size >= step >= 1)
        _multiple(cs, en, o.size, cfg.step_size, C.SIZE_BITS, "step")
        _nonneg(cs, en, o.size, C.SIZE_BITS, "size_range")
        _nonneg(cs, en, o.size - cfg.min_order_size, C.SIZE_BITS, "min_size")
        # flags: 6 bits, self-trade mode 3 unused, a market order is IOC or FOK
        with cs.scope("flags"):
            b = num2bits(cs, _gate(cs, en, o.flags, "gate"), FLAG_BITS, "bits")
            cs.constrain(b[4], b[5], 0, "stp")
            both = cs.mul(b[0], b[1], "tif_both")
            cs.constrain(b[3], 1 - b[0] - b[1] + 2 * both, 0, "market_tif")
        # a limit order's price lies in the band (b[3] is already 0 when disabled)
        band_en = en - b[3] if band_enabled is None else cs.mul(band_enabled, 1 - b[3], "band_en")
        _band(cs, band_en, o.price, oracle_price, cfg.price_band_ppm, "band")
    return OrderFlags((b[0], b[1]), b[2], b[3], (b[4], b[5]))


def check_fill_price(
    cs: Circuit,
    fill_price: LCLike,
    maker: OrderVars,
    taker: OrderVars,
    taker_is_sell: LCLike,
    oracle_price: LCLike,
    cfg: MarketConfigVars,
    enabled: LCLike,
    name: str = "fill_price",
) -> None:
    """With enabled = 1: the fill is at the maker's price, within the taker's limit (a buyer pays at
    most it, a seller gets at least it) and within the band around the oracle price.  The orders'
    prices must have passed check_order (< 2^40)."""
    en = as_lc(enabled)
    fp = as_lc(fill_price)
    with cs.scope(name):
        _equal(cs, en, fp, maker.price, "maker_price")
        with cs.scope("taker_limit"):  # (1 - 2 sell) (limit - price) >= 0
            dir_ = cs.mul(en, 1 - 2 * as_lc(taker_is_sell), "direction")
            num2bits(cs, cs.mul(dir_, taker.price - fp, "gate"), C.PRICE_BITS, "range")
        _band(cs, en, fp, oracle_price, cfg.price_band_ppm, "band")


def slot_rule(
    cs: Circuit,
    slot_before: tuple[LCLike, LCLike],
    order_id: LCLike,
    q: LCLike,
    order_size: LCLike,
    enabled: LCLike,
    name: str = "slot",
) -> tuple[tuple[LC, LC], LC]:
    """protocol.md 3.2: a fill of q of order n in a slot holding (id, filled) (committed state) is
    valid iff n >= id, and the slot becomes (n, base + q), base = filled if n == id else 0, with
    1 <= q and base + q <= the order's size.  Returns ((id, filled) after, slot index n mod 1024);
    disabled: the slot unchanged and index 0.  Range-checks the order id (1 <= n < 2^48) and q
    (1 <= q < 2^48); order_size must have passed check_order."""
    en = as_lc(enabled)
    sid, filled = as_lc(slot_before[0]), as_lc(slot_before[1])
    n, q, size = as_lc(order_id), as_lc(q), as_lc(order_size)
    with cs.scope(name):
        n_g = _gate(cs, en, n, "id_gate")
        bits = num2bits(cs, n_g, C.ORDER_ID_BITS, "id_range")
        index = bits2num(bits[: C.ORDER_SLOTS.bit_length() - 1])  # n mod 1024
        # hints
        inv = cs.hint_div(1, n_g + 1 - en, "id_inv")
        # constraints: enabled, n has an inverse; disabled, inv = 1
        cs.constrain(n_g + 1 - en, inv, 1, "id_nonzero")
        step = cs.mul(en, n - sid, "advance")  # n - id, or 0 disabled
        num2bits(cs, step, C.ORDER_ID_BITS, "replay")
        same = is_equal(cs, n, sid, "same_order")
        base = cs.mul(same, filled, "base")
        _nonneg(cs, en, q - 1, C.SIZE_BITS, "q_range")
        _nonneg(cs, en, size - base - q, C.SIZE_BITS, "overfill")
        filled_after = filled + cs.mul(en, base + q - filled, "filled_after")
    return (sid + step, filled_after), index


def check_reduce_only(
    cs: Circuit,
    flag: LCLike,
    size_before: LCLike,
    delta: LCLike,
    enabled: LCLike,
    name: str = "reduce_only",
) -> None:
    """With enabled = 1 and the reduce-only flag set: the fill moves the position (|size_before| <
    2^48, committed state) by delta toward zero without crossing it: with s = sign(size_before)
    (+1 for 0), s * delta <= 0 and s * (size_before + delta) >= 0, so a flat position cannot
    trade at all (the core's `reducible`).  delta must be a small signed value (|delta| < 2^48)."""
    with cs.scope(name):
        g = cs.mul(enabled, flag, "gate")
        sb = cs.mul(g, size_before, "size_gate")
        nonneg = num2bits(cs, sb + (1 << C.SIZE_BITS), C.SIZE_BITS + 1, "sign")[C.SIZE_BITS]
        s = cs.mul(g, 2 * nonneg - 1, "dir")  # sign(size_before) when checked, else 0
        with cs.scope("increase"):  # s * delta <= 0
            num2bits(cs, -cs.mul(s, delta, "toward"), C.SIZE_BITS, "range")
        with cs.scope("flip"):  # s * (size_before + delta) >= 0
            num2bits(cs, cs.mul(s, as_lc(size_before) + as_lc(delta), "after"), C.SIZE_BITS, "range")


def fill_fee(cs: Circuit, notional: LCLike, fee_ppm: LCLike, name: str = "fee") -> LC:
    """ceil(notional * fee_ppm / 10^6) for 0 <= notional < 2^72 and |fee_ppm| <= 10^5 (the caller's
    bounds): charges round up, rebates toward zero, as sequencer.fills.fee_of.  |fee| < 2^71."""
    with cs.scope(name):
        p = cs.mul(notional, fee_ppm, "product")
        # hints: floor(-p / 10^6) = -fee, and the remainder 10^6 fee - p
        neg_fee, rem = cs.hint_divmod(-p, PPM, "div", signed=True)
        # constraints
        cs.assert_equal(neg_fee * PPM + rem, -p, "ceil")
        num2bits(cs, rem, 20, "rem_range")
        num2bits(cs, rem + (1 << 20) - PPM, 20, "rem_lt_ppm")
        signed_range_check(cs, neg_fee, FEE_BITS, "fee_range")
    return -neg_fee
