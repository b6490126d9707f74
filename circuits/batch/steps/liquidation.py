"""LIQUIDATION (protocol.md 4.8): a partial liquidation against the book, or a takeover in the
account's liquidation auction.  Each is two slots; `taker_side` is the liquidated account's side
(1: it sells, closing a long), the other slot's account takes the other side.

Against the book (`TradeData`; sequencer.fills.try_fill with liquidation=True):
- LIQ_BOOK_MAKER: the maker's signed order as a trade maker's (acceptance, band, slot rule,
  reduce-only, the fill at its price, the maker's trade rule), its fee but never a rebate
  (max(fee, 0), to the fee pool).  No market-status check: the core fills liquidations in
  reduce-only and halted markets.
- LIQ_BOOK_ACCOUNT: the liquidated account (no order, no signature, another account than the
  maker): the same fill; the market's price fresh; the leg only reduces its position (q <= |s|);
  q within the allowance (below); after its leg `value >= -F(a)` (F(a) with its positions after
  the leg, as the core's fund_for reads them); the penalty min(ceil(n * liquidation_fee / 10^6),
  max(value_after_leg, 0)) to the insurance fund; no trade rule; the open interest as a trade's
  (steps/trade.after_fill); an account left without positions ends its auction.
  Allowance: one `Liquidate` may fill against several makers (one step each) and is checked once,
  before its first fill: liquidatable (value < maintenance) and its total size <= the restoring
  size.  So each fill gets allowance = max(restore_size if liquidatable else 0, what the previous
  fill of the same operation left), and leaves allowance - q to the next.  "The same operation" is
  carried in the scratch: the account slot writes CONT_TAG = TAG_CONT + account + 2^24 * market and
  CONT_LEFT; the next slot, if it is a LIQ_BOOK_MAKER at the same time, forwards both to its
  account slot (any other slot in between drops them).  Taking the larger allowance is sound: a
  fill accepted under the fresh allowance starts an operation the core would accept there.
Takeover (`TakeoverData`; sequencer.ops.liquidate._takeover):
- TAKEOVER_ACCOUNT: the liquidated account: its auction live (auction_start != 0, now < start + 2
  * duration), liquidatable, the market's price fresh, the leg reduces (q <= |s|), the fill at
  the mark price M, F(a) >= -V (trivial when V >= 0), the discount disc(e) with e = min(now -
  start, duration) paid to the liquidator; flat after: auction ended.
- TAKEOVER_LIQUIDATOR: the liquidator's signed order (another account, same market, other side,
  acceptance rules but no band, limit no worse than M, slot rule, reduce-only), the same fill,
  the discount credited, its trade rule; no market-status check (accepted in reduce-only and
  halted markets); flat after: auction ended.  The open interest cannot grow (the account's
  position shrinks by what the liquidator's grows), so the core's cap check never fires and is
  not repeated.
Both forms leave COVER0 = TAG_COVER + account in the scratch: the INSURANCE_COVER step that may
follow is for that account (steps/insurance_cover.py).

Scratch: 0 market, 1 price, 2 size, 3 side, 4 open interest before (trade's layout, so that
trade.after_fill checks the cap), 5 the first slot's account, 6 the discount; 24, 25 the
continuation (CONT_TAG, CONT_LEFT).

Cost (q=3, w=2, pinned by the test): the shared order gadgets (hash 459, check_order 495, slot
rule 202, reduce-only 150) about 1,310; the maker fee ~135; the restoring size 526 and the
allowance ~150; is_liquidatable 91; the discount 500 and the auction clock 90; the penalty 295;
F(a) and the flat test ~40; products and comparisons ~150: about 3,300 per slot.
"""

from __future__ import annotations

from circuits.batch import liquidation_math as lm
from circuits.batch.context import SlotCtx, select_onehot
from circuits.batch.order_rule import (
    fill_fee,
)
from circuits.batch.position import FillVars
from circuits.batch.risk import is_liquidatable
from circuits.batch.steps.insurance_cover import allow_cover
from circuits.dsl import LC, as_lc, lc_sum
from circuits.gadgets.bits import num2bits
from circuits.gadgets.comparators import assert_nonzero, is_zero, less_eq, less_than, select
from protocol.constants import PRICE_BITS, SIZE_BITS
from protocol.slots import Role

MARKET, PRICE, SIZE, SIDE, OI_BEFORE, FIRST, DISC = range(7)
CONT_TAG, CONT_LEFT = 24, 25
# marks CONT_TAG as written by a LIQ_BOOK_ACCOUNT slot: every other scratch value is a bounded
# integer (|v| < 2^130) or a hash, neither of which can equal this plus a 27-bit id
TAG_CONT = 7 << 200
FEE_SIGN_BITS = 18  # |fee_ppm| <= 10^5 < 2^17


def rules(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    fbm, fba = ctx.flag(Role.LIQ_BOOK_MAKER), ctx.flag(Role.LIQ_BOOK_ACCOUNT)
    fta, ftl = ctx.flag(Role.TAKEOVER_ACCOUNT), ctx.flag(Role.TAKEOVER_LIQUIDATOR)
    en_o, en_a = fbm + ftl, fba + fta  # the order slots, the liquidated account's slots
    s = ctx.carry.scratch
    ts = as_lc(w["taker_side"])  # boolean (steps/trade.py): the liquidated side, 1 = sells
    q, price = as_lc(w["fill_size"]), as_lc(w["fill_price"])

    # ---- the order (book maker or liquidator, checked by steps/order_leg.py) -----------------------
    # the liquidated side sells (ts = 1): its position moves by -q, the order's by +q
    dq = cs.mul(2 * ts - 1, q, "dq")
    delta = cs.mul(en_o - en_a, dq, "delta")
    fx.delta.append(delta)
    fx.fill_price.append(cs.mul(en_o + en_a, price, "price"))

    # ---- the liquidated account: exists, fresh price, a reducing leg --------------------------------
    ctx.require(Role.LIQ_BOOK_ACCOUNT, ctx.exists, "book_exists")
    ctx.require(Role.TAKEOVER_ACCOUNT, ctx.exists, "takeover_exists")
    stale = select_onehot(cs, ctx.onehot, ctx.stale, "stale")
    cs.constrain(en_a, stale, 0, "fresh")
    # |s| = s * (2 ts - 1) >= q: the account sells exactly when it is long, and no more than it has
    with cs.scope("reduces"):
        size_abs = cs.mul(en_a, cs.mul(ctx.position.size, 2 * ts - 1, "signed"), "size_abs")
        num2bits(cs, size_abs - cs.mul(en_a, q, "q_gate"), SIZE_BITS, "range")
    liquidatable = is_liquidatable(cs, ctx.risk, "liquidatable")
    # the second slot's account is not the first's
    second = fba + ftl
    assert_nonzero(cs, cs.mul(second, ctx.account_id - s[FIRST], "other") + 1 - second, "distinct")

    # ---- the same fill in both slots ----------------------------------------------------------------
    for k, v in ((MARKET, ctx.market_id), (PRICE, price), (SIZE, q), (SIDE, ts)):
        fx.add_scratch(k, cs.mul(fbm + fta, v, f"scratch{k}"))
        cs.constrain(fba + ftl, as_lc(v) - s[k], 0, f"same_fill{k}")
    fx.add_scratch(FIRST, cs.mul(fbm + fta, ctx.account_id, "first"))

    _book(ctx, q, price, liquidatable, size_abs)
    _takeover(ctx, q, price, liquidatable, size_abs)


def _book(ctx: SlotCtx, q: LC, price: LC, liquidatable: LC, size_abs: LC) -> None:
    cs, fx, w = ctx.cs, ctx.fx, ctx.w
    fbm, fba = ctx.flag(Role.LIQ_BOOK_MAKER), ctx.flag(Role.LIQ_BOOK_ACCOUNT)
    mk, cfg, s = ctx.market, ctx.config, ctx.carry.scratch
    with cs.scope("book"):
        # the maker: the fill at its price; its fee, never a rebate, to the pool
        ctx.require_equal(Role.LIQ_BOOK_MAKER, price, w["o_price"], "maker_price")
        notional = cs.mul(cs.mul(q, price, "qp"), cfg.mult, "notional")
        fee = fill_fee(cs, cs.mul(fbm, notional, "notional_gate"), cfg.maker_fee_ppm, "fee")
        rate_nonneg = num2bits(
            cs, as_lc(cfg.maker_fee_ppm) + (1 << (FEE_SIGN_BITS - 1)), FEE_SIGN_BITS, "rate_sign"
        )[-1]
        charged = cs.mul(rate_nonneg, fee, "charged")  # max(fee, 0): a rebate rounds toward 0
        fx.collateral.append(-charged)
        fx.fees.append(charged)
        fx.add_scratch(OI_BEFORE, cs.mul(fbm, mk.open_interest, "oi_before"))
        fx.next_role.append(fbm * int(Role.LIQ_BOOK_ACCOUNT))
        # the maker forwards the previous slot's continuation when it is of the same time
        same_time = is_zero(cs, ctx.now - ctx.carry.time, "same_time")
        for k in (CONT_TAG, CONT_LEFT):
            fx.add_scratch(k, cs.mul(cs.mul(fbm, same_time, f"fwd_en{k}"), s[k], f"fwd{k}"))

        # the account: q within the allowance of its operation
        tag = TAG_CONT + ctx.account_id + ctx.market_id * (1 << 24)
        cont = is_equal_tag(ctx, s[CONT_TAG], tag)
        left = cs.mul(cont, s[CONT_LEFT], "left")  # < 2^48: written below, range-checked there
        restore = lm.restore_size(
            cs,
            ctx.risk.value,
            ctx.risk.maintenance,
            mk.mark_price,
            cfg.mult,
            cfg.mmf,
            cfg.liquidation_fee_ppm,
            cfg.step_size,
            size_abs,
            "restore",
        )
        fresh = cs.mul(liquidatable, restore, "fresh")  # <= |s| < 2^48
        bigger = less_than(cs, left, fresh, SIZE_BITS + 1, "bigger")
        allowance = select(cs, bigger, left, fresh, "allowance")
        with cs.scope("within_allowance"):
            rest = cs.mul(fba, allowance - q, "rest")
            num2bits(cs, rest, SIZE_BITS, "range")
        fx.add_scratch(CONT_LEFT, rest)
        fx.add_scratch(CONT_TAG, cs.mul(fba, tag, "tag"))
        allow_cover(ctx, fba, ctx.account_id, None, "cover_book")


def is_equal_tag(ctx: SlotCtx, value: LC, tag: LC) -> LC:
    return is_zero(ctx.cs, as_lc(value) - tag, "cont")


def _takeover(ctx: SlotCtx, q: LC, price: LC, liquidatable: LC, size_abs: LC) -> None:
    cs, fx, w = ctx.cs, ctx.fx, ctx.w
    fta, ftl = ctx.flag(Role.TAKEOVER_ACCOUNT), ctx.flag(Role.TAKEOVER_LIQUIDATOR)
    mk, s, params = ctx.market, ctx.carry.scratch, ctx.static.params
    with cs.scope("takeover"):
        # the account: a live auction, liquidatable, at M, the fund covering a deficit
        live, _, elapsed = lm.auction_clock(
            cs, ctx.acct.auction_start, params.auction_duration_s, ctx.now, "auction"
        )
        assert elapsed is not None
        ctx.require(Role.TAKEOVER_ACCOUNT, live, "live")
        ctx.require(Role.TAKEOVER_ACCOUNT, liquidatable, "liquidatable")
        ctx.require_equal(Role.TAKEOVER_ACCOUNT, price, mk.mark_price, "at_mark")
        fund = _fund_for(ctx, _blocked(ctx), "fund")
        # F(a) >= -V when V < 0; when V >= 0 it holds anyway (F(a) >= 0)
        with cs.scope("insurance"):
            num2bits(cs, cs.mul(fta, ctx.risk.value + fund, "covered"), lm.VALUE_BITS, "range")
        disc = lm.bankruptcy_discount(
            cs,
            ctx.risk.value,
            q,
            ctx.old_terms.maintenance,
            size_abs,
            ctx.risk.maintenance,
            elapsed,
            params.auction_duration_s,
            "disc",
        )
        paid = cs.mul(fta, disc, "paid")
        fx.collateral.append(-paid)
        fx.add_scratch(DISC, paid)
        fx.next_role.append(fta * int(Role.TAKEOVER_LIQUIDATOR))

        # the liquidator: limit no worse than M (a buyer at least M, a seller at most), the discount
        ts = as_lc(w["taker_side"])
        limit = as_lc(w["o_price"])
        buy_ok = less_eq(cs, mk.mark_price, limit, PRICE_BITS, "buy_limit")
        sell_ok = less_eq(cs, limit, mk.mark_price, PRICE_BITS, "sell_limit")
        ctx.require(Role.TAKEOVER_LIQUIDATOR, sell_ok + cs.mul(ts, buy_ok - sell_ok, "limit_ok"), "limit")
        fx.collateral.append(cs.mul(ftl, s[DISC], "credit"))
        allow_cover(ctx, ftl, s[FIRST], None, "cover_takeover")


def _blocked(ctx: SlotCtx) -> list[LC]:
    """Per market: the account holds a position in it and it is halted (4.8's F(a) = 0)."""
    return [
        ctx.cs.mul(h, ha, f"blocked{m}") for m, (h, ha) in enumerate(zip(ctx.holds, ctx.halted, strict=True))
    ]


def _fund_for(ctx: SlotCtx, blocked: list[LC] | LC, name: str) -> LC:
    """F(a): the insurance fund, or 0 while the account holds a position in a halted market."""
    total = lc_sum(blocked) if isinstance(blocked, list) else blocked
    clear = is_zero(ctx.cs, total, f"{name}_clear")
    return ctx.cs.mul(clear, ctx.carry.g.insurance_fund, name)


def after_fill(ctx: SlotCtx, f: FillVars) -> None:
    """After the leg: the book liquidation's value bound and penalty; the end of the auction of an
    account left without positions (the liquidated account, either form, and the liquidator)."""
    cs, fx, w = ctx.cs, ctx.fx, ctx.w
    fba = ctx.flag(Role.LIQ_BOOK_ACCOUNT)
    ends = fba + ctx.flag(Role.TAKEOVER_ACCOUNT) + ctx.flag(Role.TAKEOVER_LIQUIDATOR)
    mid = ctx.risk_after
    assert mid is not None
    holds_after = 1 - is_zero(cs, f.new.size, "holds_after")
    holds_sel = select_onehot(cs, ctx.onehot, ctx.holds, "holds_sel")
    # no position left in any market: the selected one's after the leg, the others' before
    flat = is_zero(cs, lc_sum(ctx.holds) - holds_sel + holds_after, "flat")
    fx.auction_start.append(-cs.mul(cs.mul(ends, flat, "end"), ctx.acct.auction_start, "end_auction"))

    # the book liquidation, with the value after the leg (before the penalty)
    halted_sel = select_onehot(cs, ctx.onehot, ctx.halted, "halted_sel")
    blocked_after = lc_sum(_blocked(ctx)) + cs.mul(halted_sel, holds_after - holds_sel, "blocked_moved")
    fund = _fund_for(ctx, blocked_after, "fund_after")
    with cs.scope("insurance"):
        num2bits(cs, cs.mul(fba, mid.value + fund, "covered"), lm.VALUE_BITS, "range")
    notional = cs.mul(
        fba, cs.mul(cs.mul(w["fill_size"], w["fill_price"], "qp"), ctx.config.mult, "n"), "notional"
    )
    penalty = lm.liquidation_penalty(cs, notional, ctx.config.liquidation_fee_ppm, mid.value, "penalty")
    fx.collateral.append(-penalty)
    fx.fund.append(penalty)
