"""TRANSFER (protocol.md 4.9): two slots.  The sender's (TRANSFER_FROM) signs (from, to, amount)
with its nonce and is debited as a withdrawal is; the receiver's (TRANSFER_TO) must be the named
account, exist, differ from the sender, and is credited.  Scratch: 0 = amount, 1 = receiver id.

Cost: about 100 constraints besides the shared message hash and debit (steps/messages.py).
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.batch.steps.messages import account_debit
from circuits.gadgets.comparators import assert_nonzero
from protocol.constants import Tag
from protocol.slots import Role

AMOUNT, RECEIVER = 0, 1


def sender(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    role = Role.TRANSFER_FROM
    f = ctx.flag(role)
    amount = account_debit(ctx, role, Tag.MSG_TRANSFER, [ctx.account_id, w["counterparty"], w["amount"]])
    assert_nonzero(cs, w["amount"] + (1 - f), "amount_nonzero")
    assert_nonzero(cs, ctx.account_id - w["counterparty"] + (1 - f), "distinct")
    fx.next_role.append(f * int(Role.TRANSFER_TO))
    fx.add_scratch(AMOUNT, amount)
    fx.add_scratch(RECEIVER, ctx.gate(role, w["counterparty"], "receiver"))


def receiver(ctx: SlotCtx) -> None:
    role = Role.TRANSFER_TO
    scratch = ctx.carry.scratch
    ctx.require_equal(role, ctx.account_id, scratch[RECEIVER], "named_receiver")
    ctx.require(role, ctx.exists, "receiver_exists")
    ctx.fx.collateral.append(ctx.gate(role, scratch[AMOUNT], "credit"))
