"""DEPOSIT (protocol.md 4.9): the next L1 queue entry credits `amount` to the account of its L2
key, creating the account (key and owner from the entry, next leaf) when the leaf is empty.

The entry itself is the queue section's record at the slot's queue position (7.3); the contract
checked the key when it was queued.  Cost: 4 products and the 64-bit amount range (shared).
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from protocol.slots import Role

ROLE = Role.DEPOSIT


def rules(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    f = ctx.flag(ROLE)
    created = cs.mul(f, 1 - ctx.exists, "created")
    # an existing account is credited only under its own key
    keep = f - created
    cs.constrain(keep, ctx.acct.pub_x - w["key_x"], 0, "same_key_x")
    cs.constrain(keep, ctx.acct.pub_y - w["key_y"], 0, "same_key_y")
    fx.key[0].append(cs.mul(created, w["key_x"], "key_x"))
    fx.key[1].append(cs.mul(created, w["key_y"], "key_y"))
    fx.key[2].append(cs.mul(created, w["address"], "owner"))
    amount = ctx.gate(ROLE, w["amount"], "amount")
    fx.collateral.append(amount)
    fx.queue_used.append(f)
    for name, v in (
        ("is_deposit", f),
        ("owner", ctx.gate(ROLE, w["address"], "q_owner")),
        ("pub_x", ctx.gate(ROLE, w["key_x"], "q_pub_x")),
        ("pub_y", ctx.gate(ROLE, w["key_y"], "q_pub_y")),
        ("account_id", ctx.gate(ROLE, ctx.account_id, "q_account")),
        ("amount", amount),
    ):
        fx.queue.setdefault(name, []).append(v)
