"""AUCTION_START (protocol.md 4.8 "Auction start"; sequencer/ops/start_auction.py): one slot, the
keeper's StartAuction on one account.  The account is liquidatable (V < MM at mark prices), holds a
position, every market it holds a position in is fresh (4.7: an auction's clock never starts on an
expired price), and no auction is live (auction_start = 0 or now >= auction_start + 2 * duration);
its leaf's auction_start becomes now.  No signature, no market, no order slot; an account holding
a position exists, so the leaf is not empty.

Cost: the shared account flags (steps/account_flags.py) and 6 constraints (five gated checks, one
product).
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.batch.steps.account_flags import account_flags
from circuits.dsl import as_lc
from protocol.slots import Role

ROLE = Role.AUCTION_START


def rules(ctx: SlotCtx) -> None:
    fl = account_flags(ctx)
    ctx.require(ROLE, 1 - fl.flat, "has_position")
    ctx.require(ROLE, fl.liquidatable, "liquidatable")
    ctx.require(ROLE, fl.fresh, "prices_fresh")
    ctx.require(ROLE, 1 - fl.live, "no_live_auction")
    ctx.require_equal(ROLE, ctx.w["slot_used"], 0, "no_order_slot")
    ctx.fx.auction_start.append(ctx.gate(ROLE, ctx.now - as_lc(ctx.acct.auction_start), "start"))
