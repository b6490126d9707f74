"""FUNDING_TICK (protocol.md 4.4): eight slots (FUNDING_MARKET), the j-th moving market j's funding
index (circuits/batch/funding_rule.py: configured, priced and not halted markets; none stale); the
first also checks the interval and sets the funding time.  Scratch: 0 = the market id of this slot.

Cost: the per-market rule (see funding_rule.py), the interval rule once per slot, ~40 products.
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.batch.funding_rule import funding_market, funding_time_rule
from circuits.batch.vars import MARKET_FIELDS
from circuits.gadgets.comparators import is_equal
from protocol.constants import MAX_MARKETS
from protocol.slots import Role

ROLE = Role.FUNDING_MARKET
MARKET = 0


def rules(ctx: SlotCtx) -> None:
    cs, fx = ctx.cs, ctx.fx
    f = ctx.flag(ROLE)
    j = ctx.carry.scratch[MARKET]
    ctx.require_equal(ROLE, ctx.market_id, j, "market_in_order")
    first = cs.mul(f, is_equal(cs, j, 0, "first"), "first_gate")
    g = ctx.carry.g
    new_time = funding_time_rule(cs, g.funding_time, ctx.static.params, ctx.now, "interval", active=first)
    fx.funding_time.append(cs.mul(first, new_time - g.funding_time, "set_time"))
    new = funding_market(cs, ctx.market, ctx.config, ctx.static.params, ctx.now, "market", active=f)
    for name in MARKET_FIELDS:
        fx.add_market(name, cs.mul(f, getattr(new, name) - getattr(ctx.market, name), f"set_{name}"))
    more = f - cs.mul(f, is_equal(cs, j, MAX_MARKETS - 1, "last"), "more")
    fx.next_role.append(more * int(ROLE))
    fx.add_scratch(MARKET, cs.mul(more, j + 1, "next_market"))
