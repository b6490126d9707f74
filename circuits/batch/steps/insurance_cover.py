"""INSURANCE_COVER (protocol.md 4.8 "Insurance fund and fee pool"): one slot, right after the
LIQUIDATION or DELEVERAGE step of the same operation that may leave the account's value negative:
from_fund = min(max(-V, 0), F(a)) (F(a) = the insurance fund, or 0 while the account holds a
position in a halted market), then, for an account without positions, from_fees = min(what is
left of the deficit, fee pool), exactly as sequencer.margin.Margin.cover_from_insurance; the fund
and the pool are debited, the account credited.

Which account may be covered: the step before leaves COVER0 / COVER1 = TAG_COVER + account id in
the scratch (`allow_cover`: a LIQUIDATION's liquidated account; a DELEVERAGE's two accounts), and
the cover slot, of the same time, must be for one of them and forwards both, so that both
accounts of a deleverage may be covered in turn.  A cover anywhere else (the fund paying a
deficit that no liquidation produced) is rejected.

Cost: insurance_cover 276, F(a) and the position test ~20, the eligibility and products ~15:
about 310 per slot.
"""

from __future__ import annotations

from circuits.batch import liquidation_math as lm
from circuits.batch.context import SlotCtx
from circuits.dsl import LC, LCLike, as_lc, lc_sum
from circuits.gadgets.comparators import is_zero
from protocol.slots import Role

COVER0, COVER1 = 28, 29
# marks COVER0/1 as written by a liquidation or deleverage slot: every other scratch value is a
# bounded integer (|v| < 2^130) or a hash, neither of which can equal this plus a 24-bit id
TAG_COVER = 11 << 200


def allow_cover(ctx: SlotCtx, enabled: LCLike, account0: LCLike, account1: LCLike | None, name: str) -> None:
    """The step whose slot this is (enabled) may be followed by INSURANCE_COVER steps of these
    accounts (protocol.md 4.8: at the end of every Liquidate or Deleverage)."""
    cs, fx = ctx.cs, ctx.fx
    fx.add_scratch(COVER0, cs.mul(enabled, TAG_COVER + as_lc(account0), f"{name}0"))
    if account1 is not None:
        fx.add_scratch(COVER1, cs.mul(enabled, TAG_COVER + as_lc(account1), f"{name}1"))


def rules(ctx: SlotCtx) -> None:
    cs, fx, s = ctx.cs, ctx.fx, ctx.carry.scratch
    role = Role.INSURANCE_COVER
    f = ctx.flag(role)
    # right after the operation's liquidation or deleverage, for one of its accounts
    tag = TAG_COVER + ctx.account_id
    cs.constrain(cs.mul(f, s[COVER0] - tag, "named0"), s[COVER1] - tag, 0, "named")
    ctx.require_equal(role, ctx.now, ctx.carry.time, "same_op")
    ctx.require(role, ctx.exists, "exists")
    for k in (COVER0, COVER1):
        fx.add_scratch(k, ctx.gate(role, s[k], f"forward{k}"))

    blocked = [
        cs.mul(h, ha, f"blocked{m}") for m, (h, ha) in enumerate(zip(ctx.holds, ctx.halted, strict=True))
    ]
    fund = cs.mul(is_zero(cs, lc_sum(blocked), "fund_clear"), ctx.carry.g.insurance_fund, "fund_for")
    has_position = 1 - is_zero(cs, lc_sum(ctx.holds), "flat")
    from_fund, from_fees = lm.insurance_cover(
        cs, ctx.risk.value, fund, has_position, ctx.carry.g.fee_pool, "cover"
    )
    paid_fund: LC = ctx.gate(role, from_fund, "from_fund")
    paid_fees: LC = ctx.gate(role, from_fees, "from_fees")
    fx.fund.append(-paid_fund)
    fx.fees.append(-paid_fees)
    fx.collateral.append(paid_fund + paid_fees)
