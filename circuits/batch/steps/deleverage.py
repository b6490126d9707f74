"""DELEVERAGE (protocol.md 4.8 "Deleverage", auto-deleveraging; sequencer/ops/deleverage.py): two
slots, the deleveraged account's (DELEVERAGE_ACCOUNT) then the counterparty's (DELEVERAGE_COUNTER),
each one leg of the same close at the mark price M, without fees.

The account's slot proves: the account is liquidatable (V < MM at M); the backstops are spent,
V < -F(a) (F(a) the insurance fund, 0 while the account holds a position in a halted market) or its
auction holds at the bankruptcy price (auction_start != 0 and auction_start + duration <= now <
auction_start + 2 * duration); the market is priced and its price fresh; q >= 1 is a multiple of the
step and, after the fill, |s'| + q = |s|: the leg closes q of its position without flipping (the
sign `taker_side` says which way it moves, and this equation pins it).  It credits a witness
`transfer` (the slot's `price` field, signed) and passes to the next slot, in the scratch: 0 market
id, 1 q, 2 its signed delta, 3 V, 4 MM, 5 mm_m (the market's term of MM), 6 |s|, 7 the transfer,
8 its account id.

The counterparty's slot proves: the same market; its leg is the opposite delta and, after the fill,
|c'| + q = |c|, so it held an opposite position of at least q (and is another account: the first
leg left the account's position of its own sign); `cv`, its value after the leg (before the
transfer), is V_c + cash + (c' * M * mult - cost') - its old term of V (the new position's pending
funding is 0); the rule's transfer, min(-V, max(0, cv)) if V < 0 else -disc(duration) with disc =
floor(max(V, 0) * q * mm_m / (|s| * MM)), equals the account slot's witness, which it pays.
It leaves both accounts in the scratch (steps/insurance_cover.allow_cover): the operation's
INSURANCE_COVER steps may follow for either.  Both slots: an account left with no position gets
auction_start 0; no order slot, no signature, no trade rule (ADL is not held to margin); open
interest moves with the legs (the slot's fill).
The ADL ranking of counterparties is sequencer policy (not proven).

Cost in R1CS rows (pinned per scope by tests/circuits/batch/test_deleverage.py): the rules before
the fill 180 (the sign of V + F(a) 90, q's lots 49, the halted and stale selections 16, gates,
scratch and the cover eligibility), the counterparty's transfer rule 691 (cv 3, input gates 5, V's
sign 91, bankruptcy_discount 407 with e = duration = 1, adl_transfer 184, the check 1), both slots'
position and auction terms 14; plus the shared account flags (194, steps/account_flags.py).
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx, select_onehot
from circuits.batch.liquidation_math import VALUE_BITS, adl_transfer, bankruptcy_discount, value_sign
from circuits.batch.position import FillVars
from circuits.batch.steps.account_flags import account_flags
from circuits.batch.steps.insurance_cover import allow_cover
from circuits.dsl import as_lc, lc_sum
from circuits.gadgets.bits import num2bits
from circuits.gadgets.comparators import assert_nonzero, is_zero
from protocol.constants import SIZE_BITS
from protocol.slots import Role

ACCOUNT, COUNTER = Role.DELEVERAGE_ACCOUNT, Role.DELEVERAGE_COUNTER
MARKET, SIZE, DELTA, VALUE, MAINTENANCE, POS_MM, SIZE_ABS, TRANSFER, ACCOUNT_ID = range(9)


def rules(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    fa, fc = ctx.flag(ACCOUNT), ctx.flag(COUNTER)
    s = ctx.carry.scratch
    r = ctx.risk

    # ---- the account: ADL is allowed ------------------------------------------------------------
    fl = account_flags(ctx)
    ctx.require(ACCOUNT, fl.liquidatable, "liquidatable")
    # F(a): no fund while the account holds a position in a halted market (4.8)
    halted_held = lc_sum(
        cs.mul(h, ha, f"halted_held{m}") for m, (h, ha) in enumerate(zip(ctx.holds, ctx.halted, strict=True))
    )
    fund_for = cs.mul(is_zero(cs, halted_held, "no_halt"), ctx.carry.g.insurance_fund, "fund_for")
    # V + F(a) < 0: |V| < 2^82 (collateral and 8 position terms), F(a) < 2^80
    beyond = 1 - num2bits(cs, r.value + fund_for + (1 << (VALUE_BITS - 1)), VALUE_BITS, "beyond_fund")[-1]
    cs.constrain(ctx.gate(ACCOUNT, 1 - beyond, "within_fund"), 1 - fl.holding, 0, "backstops_spent")
    stale = select_onehot(cs, ctx.onehot, ctx.stale, "sel_stale")
    ctx.require(ACCOUNT, 1 - stale, "price_fresh")
    assert_nonzero(cs, as_lc(ctx.market.oracle_price) + (1 - fa), "priced")
    cs.constrain(fa + fc, w["slot_used"], 0, "no_order_slot")

    # q >= 1, a multiple of the step (a configured market's step is >= 1)
    q = ctx.gate(ACCOUNT, w["fill_size"], "q")
    divisor = as_lc(ctx.config.step_size) + (1 - fa)
    # hints
    lots = cs.hint_div(q, divisor, "lots_hint")
    # constraints
    cs.constrain(lots, divisor, q, "lots")
    num2bits(cs, lots, SIZE_BITS, "lots_range")
    assert_nonzero(cs, lots + (1 - fa), "q_positive")

    # the legs at the mark price: the account's delta is -q (side 1) or +q (side 0), the
    # counterparty's its opposite; after_fill proves both close without flipping
    side = as_lc(w["taker_side"])
    cs.assert_bool(side, "side")
    delta = cs.mul(1 - 2 * side, q, "delta")
    fx.delta.append(delta)
    fx.delta.append(-ctx.gate(COUNTER, s[DELTA], "counter_delta"))
    fx.fill_price.append(cs.mul(fa + fc, ctx.market.mark_price, "price"))

    # the account is credited the witness transfer; the counterparty's slot proves it and pays it
    transfer = ctx.gate(ACCOUNT, w["price"], "transfer")
    fx.collateral.append(transfer)
    fx.next_role.append(fa * int(COUNTER))
    fx.add_scratch(SIZE, q)
    fx.add_scratch(DELTA, delta)
    fx.add_scratch(TRANSFER, transfer)
    for k, v in (
        (MARKET, ctx.market_id),
        (VALUE, r.value),
        (MAINTENANCE, r.maintenance),
        (POS_MM, ctx.old_terms.maintenance),
        (ACCOUNT_ID, ctx.account_id),
    ):
        fx.add_scratch(k, ctx.gate(ACCOUNT, v, f"keep{k}"))

    # ---- the counterparty: the same market; it pays the transfer -------------------------------------
    ctx.require_equal(COUNTER, ctx.market_id, s[MARKET], "same_market")
    fx.collateral.append(-ctx.gate(COUNTER, s[TRANSFER], "pay"))
    # the operation's INSURANCE_COVER steps may follow, for either account (4.8)
    allow_cover(ctx, fc, s[ACCOUNT_ID], ctx.account_id, "cover")


def after_fill(ctx: SlotCtx, f: FillVars) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    fa, fc = ctx.flag(ACCOUNT), ctx.flag(COUNTER)
    s = ctx.carry.scratch

    # each leg closes q of its position, no flip: |x'| + q = |x| (with q >= 1: x != 0, and the
    # delta has the sign opposite to x)
    cs.constrain(fa, f.size_abs_after + w["fill_size"] - f.size_abs_before, 0, "account_closes")
    cs.constrain(fc, f.size_abs_after + s[SIZE] - f.size_abs_before, 0, "counter_closes")
    fx.add_scratch(SIZE_ABS, cs.mul(fa, f.size_abs_before, "keep_size_abs"))

    # an account left with no position ends its auction
    held = 1 - is_zero(cs, f.size_abs_before, "held")
    held_after = 1 - is_zero(cs, f.size_abs_after, "held_after")
    flat_after = is_zero(cs, lc_sum(ctx.holds) - held + held_after, "flat_after")
    reset = cs.mul(cs.mul(fa + fc, flat_after, "reset_flag"), ctx.acct.auction_start, "reset")
    fx.auction_start.append(-reset)

    # the counterparty: the rule's transfer from its value after the leg (inputs gated: where the
    # role is off, the scratch holds another step's values and every input here is 0)
    with cs.scope("transfer"):
        mark_mult = cs.mul(ctx.market.mark_price, ctx.config.mult, "mark_mult")
        new_term = cs.mul(f.new.size, mark_mult, "new_notional") - f.new.cost
        cv = cs.mul(fc, ctx.risk.value - ctx.old_terms.value + f.cash + new_term, "cv")
        v, mm, pos_mm, size_abs, q = (
            ctx.gate(COUNTER, s[k], f"in{k}") for k in (VALUE, MAINTENANCE, POS_MM, SIZE_ABS, SIZE)
        )
        sign = value_sign(cs, v, "v")
        one = as_lc(1)
        disc = bankruptcy_discount(cs, v, q, pos_mm, size_abs, mm, one, one, "disc", v_sign=sign)
        rule = adl_transfer(cs, v, cv, disc, "adl", v_sign=sign)
        ctx.require_equal(COUNTER, rule, s[TRANSFER], "equals_witness")
