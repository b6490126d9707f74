"""The order of a slot that fills one (TRADE_MAKER, TRADE_TAKER, LIQ_BOOK_MAKER,
TAKEOVER_LIQUIDATOR), checked once per slot whatever the role: the signed message and its
signature, the acceptance rules at the operation's time (circuits/batch/order_rule.py; the band
except for a liquidator, whose order the core does not band-check), the order-slot rule, the trade
rule of the account, and reduce-only on the slot's final size change (`finish`).  The roles add
what differs (side, price, fees) in steps/trade.py and steps/liquidation.py.

Cost: order hash 459, check_order 494, slot rule 202, reduce-only 150, ~10 products.
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.batch.order_rule import OrderVars, check_order, check_reduce_only, order_hash, slot_rule
from circuits.dsl import as_lc, lc_sum
from protocol.slots import Role

ORDER_ROLES = (Role.TRADE_MAKER, Role.TRADE_TAKER, Role.LIQ_BOOK_MAKER, Role.TAKEOVER_LIQUIDATOR)
BANDED = (Role.TRADE_MAKER, Role.TRADE_TAKER, Role.LIQ_BOOK_MAKER)
FIELDS = ("account", "market", "side", "price", "size", "id", "expiry", "flags")


def rules(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    en = lc_sum(ctx.flag(r) for r in ORDER_ROLES)
    ts = as_lc(w["taker_side"])
    cs.assert_bool(ts, "taker_side")
    # the taker's order is on the taker's side; every other order role is the taker's counterparty
    # (a trade's maker, a liquidation's maker or liquidator: the liquidated account is the taker)
    ft = ctx.flag(Role.TRADE_TAKER)
    side = en - ft + cs.mul(ts, 2 * ft - en, "side")
    o = OrderVars(*(w[f"o_{f}"] for f in FIELDS))
    band = lc_sum(ctx.flag(r) for r in BANDED)
    mk = ctx.market
    ctx.order = o
    ctx.order_flags = check_order(
        cs, o, ctx.account_id, ctx.onehot, ctx.market_id, side, ctx.now, ctx.config, mk.oracle_price, en,
        band_enabled=band,
    )  # fmt: skip
    q = as_lc(w["fill_size"])
    after, index = slot_rule(cs, (w["slot_order_id"], w["slot_filled"]), o.order_id, q, o.size, en)
    fx.slot_after[0].append(after[0])
    fx.slot_after[1].append(after[1])
    fx.slot_index.append(index)
    fx.order_slot.append(en)
    fx.msg.append(cs.mul(en, order_hash(cs, o, ctx.static.domain), "msg"))
    fx.sig_enabled.append(en)
    fx.trade_rule.append(en)


def finish(ctx: SlotCtx) -> None:
    """Reduce-only, on the slot's size change once every role has added its part."""
    assert ctx.order_flags is not None
    en = lc_sum(ctx.flag(r) for r in ORDER_ROLES)
    delta = lc_sum(ctx.fx.delta)
    check_reduce_only(ctx.cs, ctx.order_flags.reduce_only, ctx.position.size, delta, en, "order_reduce_only")
