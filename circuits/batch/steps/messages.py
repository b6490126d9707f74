"""Signed account messages with five fields after the nonce and expiry (WITHDRAW and TRANSFER,
protocol.md 5): one Poseidon(7) per slot over a row selected by the active role, instead of one
hash per message type; and the debit both messages make.

Cost: the Poseidon(7) (363) and one product per role and field (10).
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx
from circuits.dsl import LC, LCLike, as_lc, lc_sum
from circuits.gadgets.comparators import less_eq
from circuits.gadgets.poseidon import poseidon
from protocol.slots import Role

FREE_BITS = 90  # withdrawable and amounts compare below 2^90 (circuits/batch/risk.py bounds)
ROW = 5


def signed_row(ctx: SlotCtx, role: Role, tag: int, fields: list[LCLike]) -> None:
    """Adds this role's message row (tag, then `fields`: nonce, expiry and three more)."""
    if len(fields) != ROW:
        raise ValueError("a five-field message")
    fx = ctx.fx
    fx.row_tag.append(ctx.flag(role) * tag)
    for i, v in enumerate(fields):
        fx.row[i].append(ctx.gate(role, v, f"row{i}"))
    fx.row_used.append(ctx.flag(role))


def finish_rows(ctx: SlotCtx) -> None:
    """Hash the selected row and hand it to the slot's signature check."""
    fx, cs = ctx.fx, ctx.cs
    if not fx.row_used:
        return
    used = lc_sum(fx.row_used)
    row: list[LCLike] = [lc_sum(fx.row_tag), ctx.static.domain, *(lc_sum(v) for v in fx.row)]
    h = poseidon(cs, row, "msg")
    fx.msg.append(cs.mul(used, h, "msg_used"))
    fx.sig_enabled.append(used)


def account_debit(ctx: SlotCtx, role: Role, tag: int, fields: list[LCLike]) -> LC:
    """The account signed the row (its nonce first), the message is not expired, the amount is
    at most the withdrawable collateral, every price its positions depend on is usable; the nonce
    moves on and the amount leaves the collateral.  Returns the gated amount."""
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    signed_row(ctx, role, tag, [ctx.acct.nonce, w["expiry"], *fields])
    ctx.require(role, less_eq(cs, ctx.now, w["expiry"], 41, "not_expired"), "expiry")
    ctx.require(role, less_eq(cs, w["amount"], ctx.withdrawable, FREE_BITS, "within_free"), "withdrawable")
    ctx.require(role, ctx.usable, "prices_usable")
    fx.nonce.append(ctx.flag(role))
    amount = ctx.gate(role, w["amount"], "amount")
    fx.collateral.append(-amount)
    return as_lc(amount)
