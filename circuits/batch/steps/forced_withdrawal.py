"""FORCED_WITHDRAWAL (protocol.md 4.9): the next L1 queue entry, always consumed: when the account
exists and its owner sent the request, it withdraws min(requested, withdrawable), otherwise
nothing (a missing account's slot proves its leaf empty).  The queue record carries what was paid.

Cost: about 110 constraints (owner equality 3, the minimum 92, products).
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.batch.steps.messages import FREE_BITS
from circuits.gadgets.bits import num2bits
from circuits.gadgets.comparators import is_equal, less_than
from protocol.constants import AMOUNT_BITS
from protocol.slots import Role

ROLE = Role.FORCED_WITHDRAWAL


def rules(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    f = ctx.flag(ROLE)
    requested = w["amount"]
    num2bits(cs, requested, AMOUNT_BITS, "requested_range")
    owner_ok = cs.mul(ctx.exists, is_equal(cs, ctx.acct.owner, w["address"], "is_owner"), "owner_ok")
    capped = less_than(cs, ctx.withdrawable, requested, FREE_BITS, "capped")
    amount = requested + cs.mul(capped, ctx.withdrawable - requested, "min")
    paid = cs.mul(ctx.gate(ROLE, owner_ok, "ok"), amount, "paid")
    fx.collateral.append(-paid)
    fx.queue_used.append(f)
    for name, v in (
        ("owner", ctx.gate(ROLE, w["address"], "q_owner")),
        ("account_id", ctx.gate(ROLE, ctx.account_id, "q_account")),
        ("amount", ctx.gate(ROLE, requested, "q_amount")),
        ("paid", paid),
    ):
        fx.queue.setdefault(name, []).append(v)
