"""WITHDRAW (protocol.md 4.9): a signed withdrawal of `amount` to an L1 `recipient`: nonce equal to
the account's (then + 1), not expired, recipient not 0, no position in a halted or stale market,
`amount <= withdrawable` at mark prices (unrealised profit never withdrawable); the withdrawals
section (7.4) carries (account, recipient, amount) for L1 to pay.

Cost: about 180 constraints besides the shared message hash (steps/messages.py): amount <=
withdrawable 92, expiry 42, two non-zero checks, the record's products.
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.batch.steps.messages import account_debit
from circuits.gadgets.comparators import assert_nonzero
from protocol.constants import Tag
from protocol.slots import Role

ROLE = Role.WITHDRAW


def rules(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    f = ctx.flag(ROLE)
    # WithdrawMessage: account_id, amount, recipient after the nonce and expiry
    amount = account_debit(ctx, ROLE, Tag.MSG_WITHDRAW, [ctx.account_id, w["amount"], w["address"]])
    assert_nonzero(cs, w["address"] + (1 - f), "recipient_nonzero")
    assert_nonzero(cs, w["amount"] + (1 - f), "amount_nonzero")
    fx.withdrawal_used.append(f)
    for name, v in (
        ("account_id", ctx.gate(ROLE, ctx.account_id, "w_account")),
        ("recipient", ctx.gate(ROLE, w["address"], "w_recipient")),
        ("amount", amount),
    ):
        fx.withdrawal.setdefault(name, []).append(v)
