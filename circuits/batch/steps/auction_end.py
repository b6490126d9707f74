"""AUCTION_END (protocol.md 4.8 "Auction end"; sequencer/ops/end_auction.py): one slot, the
keeper's EndAuction on one account.  Its auction_start != 0, and it is no longer liquidatable
(V >= MM at mark prices, every market it holds a position in fresh: recovery is judged on usable
prices) or it holds no position (then no price is read); its leaf's auction_start becomes 0.  No
signature, no market, no order slot; auction_start != 0 means the leaf is not empty.

Cost: the shared account flags (steps/account_flags.py) and 6 constraints.
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.batch.steps.account_flags import account_flags
from circuits.gadgets.comparators import assert_nonzero
from protocol.slots import Role

ROLE = Role.AUCTION_END


def rules(ctx: SlotCtx) -> None:
    cs = ctx.cs
    f = ctx.flag(ROLE)
    fl = account_flags(ctx)
    assert_nonzero(cs, ctx.acct.auction_start + (1 - f), "in_auction")
    # recovered or flat: a flat account with negative collateral is still "liquidatable" (V < 0 =
    # MM), so flatness is an exit of its own
    cs.constrain(ctx.gate(ROLE, fl.liquidatable, "still_liquidatable"), 1 - fl.flat, 0, "recovered_or_flat")
    ctx.require(ROLE, fl.fresh, "prices_fresh")
    ctx.require_equal(ROLE, ctx.w["slot_used"], 0, "no_order_slot")
    ctx.fx.auction_start.append(-ctx.gate(ROLE, ctx.acct.auction_start, "end"))
