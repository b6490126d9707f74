"""TRADE (protocol.md 4.6, 3.2, 4.3-4.5): two slots, the maker's (TRADE_MAKER) then the taker's
(TRADE_TAKER), each with its own signed order, order slot and position leg; the trade rule of each
account is checked by the slot on its risk after the leg.

Both slots: the order's signature, acceptance rules at the operation's time (account, market, side,
expiry, tick, step, minimum size, flags; circuits/batch/order_rule.py), the slot rule, reduce-only,
the market not halted and, while it is reduce-only or stale, both orders reduce-only.  The maker's:
the fill is at its price, inside the band around the oracle price (its order's band check); its fee
waits in the scratch.  The taker's: the same fill (market, price, size, side) as the maker's slot,
within its limit; both fees go to the fee pool; after its leg, the open interest may exceed the cap
(and the insurance-fund multiple) only if it did not grow.
Scratch: 0 market id, 1 price, 2 size, 3 taker side, 4 open interest before, 5 maker fee.

The order itself (signature, acceptance, slot rule, reduce-only) is checked by steps/order_leg.py,
once per slot for every role that fills an order.

Cost: fee 113, limit 41, market status ~90, open-interest cap ~170, products ~30.
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.batch.order_rule import (
    fill_fee,
)
from circuits.batch.position import FillVars
from circuits.dsl import LC, as_lc
from circuits.gadgets.comparators import is_equal, less_eq, less_than
from protocol.constants import PRICE_BITS, SIZE_BITS, TIME_BITS
from protocol.slots import Role

MARKET, PRICE, SIZE, SIDE, OI_BEFORE, MAKER_FEE = range(6)
OI_NOTIONAL_BITS = 113  # open interest * mark * mult < 2^(48+40+20); fund multiple * fund < 2^(32+80)


def rules(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    fm, ft = ctx.flag(Role.TRADE_MAKER), ctx.flag(Role.TRADE_TAKER)
    en = fm + ft
    ts = as_lc(w["taker_side"])
    q, price = as_lc(w["fill_size"]), as_lc(w["fill_price"])
    o, flags = ctx.order, ctx.order_flags  # steps/order_leg.py checked them
    assert o is not None and flags is not None
    mk, cfg = ctx.market, ctx.config
    # the taker buys: its position grows by q, the maker's shrinks by q
    direction = cs.mul(1 - 2 * ts, ft - fm, "direction")
    delta = cs.mul(direction, q, "delta")
    fx.delta.append(delta)
    fx.fill_price.append(cs.mul(en, price, "price"))
    _market_status(ctx, en, flags.reduce_only)

    # the fee: maker or taker rate on the fill's notional
    notional = cs.mul(cs.mul(q, price, "qp"), cfg.mult, "notional")
    rate = cs.mul(fm, cfg.maker_fee_ppm, "maker_rate") + cs.mul(ft, cfg.taker_fee_ppm, "taker_rate")
    fee = fill_fee(cs, cs.mul(en, notional, "notional_gate"), rate, "fee")
    fx.collateral.append(-fee)

    # maker: the fill at its price; what the taker's slot must repeat
    ctx.require_equal(Role.TRADE_MAKER, price, o.price, "maker_price")
    fx.next_role.append(fm * int(Role.TRADE_TAKER))
    for k, v in (
        (MARKET, ctx.market_id),
        (PRICE, price),
        (SIZE, q),
        (SIDE, ts),
        (OI_BEFORE, mk.open_interest),
    ):
        fx.add_scratch(k, ctx.gate(Role.TRADE_MAKER, v, f"scratch{k}"))
    maker_fee = ctx.gate(Role.TRADE_MAKER, fee, "maker_fee")
    fx.add_scratch(MAKER_FEE, maker_fee)

    # taker: the same fill, within its limit; both fees to the pool
    s = ctx.carry.scratch
    for k, v in ((MARKET, ctx.market_id), (PRICE, price), (SIZE, q), (SIDE, ts)):
        ctx.require_equal(Role.TRADE_TAKER, v, s[k], f"same_fill{k}")
    buy_ok = less_eq(cs, price, o.price, PRICE_BITS, "buy_limit")
    sell_ok = less_eq(cs, o.price, price, PRICE_BITS, "sell_limit")
    ctx.require(Role.TRADE_TAKER, buy_ok + cs.mul(ts, sell_ok - buy_ok, "limit_ok"), "taker_limit")
    fx.fees.append(ctx.gate(Role.TRADE_TAKER, fee + s[MAKER_FEE], "fees"))


def _market_status(ctx: SlotCtx, en: LC, reduce_only: LC) -> None:
    """No fill in a halted market; in a reduce-only or stale one, only reduce-only orders (4.11)."""
    cs, mk = ctx.cs, ctx.market
    in_force = less_than(cs, ctx.now, mk.status_until, TIME_BITS, "status_in_force")
    status = cs.mul(in_force, mk.status, "status")  # 0, 1 or 2 (committed values)
    halted = is_equal(cs, status, 2, "halted")
    cs.constrain(en, halted, 0, "not_halted")
    stale = less_than(
        cs, mk.oracle_time + ctx.static.params.oracle_max_age_s, ctx.now, TIME_BITS + 1, "stale"
    )
    restricted = 1 - cs.mul(is_equal(cs, status, 0, "normal"), 1 - stale, "open")
    cs.constrain(cs.mul(en, restricted, "restricted"), 1 - as_lc(reduce_only), 0, "reduce_only_market")


def after_fill(ctx: SlotCtx, f: FillVars) -> None:
    """The taker's slot, after both legs: open interest may pass the caps only if it did not grow.
    Also a book liquidation's second slot (steps/liquidation.py), whose maker slot leaves the open
    interest before in the same scratch place."""
    cs = ctx.cs
    ft = ctx.flag(Role.TRADE_TAKER) + ctx.flag(Role.LIQ_BOOK_ACCOUNT)
    mk, cfg = ctx.market, ctx.config
    oi_before = ctx.carry.scratch[OI_BEFORE]
    oi = mk.open_interest + f.long_oi_delta
    grew = less_than(cs, oi_before, oi, SIZE_BITS, "oi_grew")
    check = cs.mul(ft, grew, "oi_check")
    under_cap = less_eq(cs, oi, cfg.open_interest_cap, SIZE_BITS, "under_cap")
    cs.constrain(check, 1 - under_cap, 0, "open_interest_cap")
    notional = cs.mul(cs.mul(oi, mk.mark_price, "oi_mark"), cfg.mult, "oi_notional")
    allowed = cs.mul(cfg.oi_fund_multiple, ctx.carry.g.insurance_fund, "oi_allowed")
    within = less_eq(cs, notional, allowed, OI_NOTIONAL_BITS, "within_fund")
    uncapped = is_equal(cs, cfg.oi_fund_multiple, 0, "no_fund_cap")
    cs.constrain(check, cs.mul(1 - uncapped, 1 - within, "over_fund"), 0, "fund_cap")
