"""What the liquidation-side roles (DELEVERAGE, AUCTION_START, AUCTION_END; protocol.md 4.8) read
of the slot's account before the slot, proved once per slot however many roles read it:
liquidatable (V < MM at mark prices), flat (no position), every market it holds a position in
fresh, and its auction clock (live, holding at the bankruptcy price).

Every role's rules run in every slot, so a term two roles need would otherwise be proved twice per
slot; `account_flags(ctx)` proves the terms the first time a role of the slot asks and hands the
same variables to the later ones (keyed on the slot context, which lives for one slot body).

Cost: is_liquidatable 91, auction_live 89, flat 3, fresh 8 products + 3: 194 per slot.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.batch import risk as rk
from circuits.batch.context import SlotCtx
from circuits.batch.liquidation_math import auction_live
from circuits.dsl import LC, lc_sum
from circuits.gadgets.comparators import is_zero


@dataclass(slots=True)
class AccountFlags:
    liquidatable: LC  # V < MM (4.5) at mark prices, before the slot
    flat: LC  # no position in any market
    fresh: LC  # no market the account holds a position in is stale (4.7)
    live: LC  # auction_start != 0 and now < auction_start + 2 * duration
    holding: LC  # live and now >= auction_start + duration: at the bankruptcy price


_last: list[tuple[SlotCtx, AccountFlags]] = []


def account_flags(ctx: SlotCtx) -> AccountFlags:
    """The slot's account flags, proved on the first call for this slot."""
    if _last and _last[0][0] is ctx:
        return _last[0][1]
    cs = ctx.cs
    with cs.scope("account_flags"):
        liquidatable = rk.is_liquidatable(cs, ctx.risk, "liquidatable")
        flat = is_zero(cs, lc_sum(ctx.holds), "flat")
        stale_held = lc_sum(
            cs.mul(h, s, f"stale_held{m}") for m, (h, s) in enumerate(zip(ctx.holds, ctx.stale, strict=True))
        )
        fresh = is_zero(cs, stale_held, "fresh")
        live, holding = auction_live(
            cs, ctx.acct.auction_start, ctx.static.params.auction_duration_s, ctx.now, "auction"
        )
    flags = AccountFlags(liquidatable, flat, fresh, live, holding)
    _last[:] = [(ctx, flags)]
    return flags
