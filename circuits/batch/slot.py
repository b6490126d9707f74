"""The universal slot: one leaf update, one signature, one market, whatever the step (protocol.md
7.13).  Every slot of a batch is this template, stamped once per slot; a one-hot `role` says which
rules apply, and each role's rules (circuits/batch/steps/, one module per step kind) add their
effects multiplied by the role's flag, so an inactive role contributes nothing and asserts nothing.

Layout of one slot, in order: the role and market selectors and the step sequencing (Carry.next_role,
the operation time); the account leaf before (empty or not), its positions and its risk at mark
prices; the roles' effects; the fill of the selected market (circuits/batch/position.py); the
account after, its risk and leaf; the account tree and order-slot tree updates; the global state
after (fund, fee pool, the selected market); the signature; the L1 queue and withdrawal records.

Values read from the state are in range by induction (circuits/batch/vars.py); every value written
is range-checked here or in the role that computes it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from circuits.batch import risk as rk
from circuits.batch import state as st
from circuits.batch.context import Effects, SlotCtx, select_onehot
from circuits.batch.position import fill
from circuits.batch.slot_io import (
    CARRY_SPEC,
    SCRATCH,
    SLOT_SPEC,
    Carry,
    Static,
    account_of,
    spec_names,
    spec_size,
    static_spec,
    unpack,
)
from circuits.batch.steps import FINISH, POST_FILL, RULES
from circuits.batch.tree import gated_update
from circuits.batch.vars import MARKET_FIELDS, AccountVars, MarketConfigVars, MarketVars, PositionVars
from circuits.dsl import LC, Circuit, CircuitError, Template, as_lc, lc_sum
from circuits.gadgets.bits import num2bits, signed_range_check
from circuits.gadgets.comparators import is_equal, is_zero, less_than
from circuits.gadgets.eddsa import verify as eddsa_verify
from circuits.primitives import babyjub as bj
from circuits.primitives.smt import empty_root
from protocol.constants import (
    ACCOUNT_ID_BITS,
    ADDRESS_BITS,
    AMOUNT_BITS,
    COLLATERAL_BITS,
    NONCE_BITS,
    ORDER_TREE_DEPTH,
    SIZE_BITS,
    TIME_BITS,
)
from protocol.slots import CONTINUES, N_ROLES, SELF_CONTINUING, Role


def _select_market(cs: Circuit, onehot: list[LC], markets: list[MarketVars]) -> MarketVars:
    return MarketVars(
        *(select_onehot(cs, onehot, [getattr(m, f) for m in markets], f"sel_{f}") for f in MARKET_FIELDS)
    )


def _select_config(cs: Circuit, onehot: list[LC], configs: list[MarketConfigVars]) -> MarketConfigVars:
    names = MarketConfigVars.__dataclass_fields__
    return MarketConfigVars(
        *(select_onehot(cs, onehot, [getattr(c, f) for c in configs], f"sel_{f}") for f in names)
    )


def _market_flags(
    cs: Circuit, acct: AccountVars, markets: list[MarketVars], static: Static, now: LC
) -> tuple[list[LC], list[LC], list[LC]]:
    """Per market: the account holds a position in it; it is halted (status 2 in force, 4.11);
    it is stale (now > oracle_time + oracle_max_age_s, 4.7)."""
    holds, halted, stale = [], [], []
    with cs.scope("markets"):
        for m, (p, mk) in enumerate(zip(acct.positions, markets, strict=True)):
            holds.append(1 - is_zero(cs, p.size, f"flat{m}"))
            stale.append(
                less_than(
                    cs, mk.oracle_time + static.params.oracle_max_age_s, now, TIME_BITS + 1, f"stale{m}"
                )
            )
            in_force = less_than(cs, now, mk.status_until, TIME_BITS, f"in_force{m}")
            halted.append(cs.mul(is_equal(cs, mk.status, 2, f"status2_{m}"), in_force, f"halted{m}"))
    return holds, halted, stale


def _usable(cs: Circuit, holds: list[LC], halted: list[LC], stale: list[LC]) -> LC:
    """1 when no market the account holds a position in is halted or stale: withdrawals and
    transfers wait for such prices (4.9)."""
    with cs.scope("usable"):
        bad = []
        for m, (h, ha, st_) in enumerate(zip(holds, halted, stale, strict=True)):
            blocked = st_ + ha - cs.mul(st_, ha, f"either{m}")
            bad.append(cs.mul(h, blocked, f"blocked{m}"))
        return is_zero(cs, lc_sum(bad), "none")


def slot_body(cs: Circuit, ins: list[LC], queue_capacity: int, withdrawal_capacity: int) -> list[LC]:
    s_spec = static_spec(queue_capacity, withdrawal_capacity)
    n_static, n_carry = spec_size(s_spec), spec_size(CARRY_SPEC)
    static = Static.of(unpack(s_spec, ins[:n_static]), queue_capacity, withdrawal_capacity)
    carry = Carry.of(unpack(CARRY_SPEC, ins[n_static : n_static + n_carry]))
    w = unpack(SLOT_SPEC, ins[n_static + n_carry :])
    flags: list[LC] = w["role"]
    onehot: list[LC] = w["market"]

    # ---- selectors and sequencing ------------------------------------------------------------------
    with cs.scope("select"):
        for i, f in enumerate(flags):
            cs.assert_bool(f, f"role{i}")
        cs.assert_equal(lc_sum(flags), 1, "one_role")
        for m, h in enumerate(onehot):
            cs.assert_bool(h, f"market{m}")
        cs.assert_equal(lc_sum(onehot), 1, "one_market")
    market_id = lc_sum(h * m for m, h in enumerate(onehot))
    now = as_lc(w["now"])
    with cs.scope("sequence"):
        nxt = carry.next_role
        for role in Role:
            f = flags[role]
            if role in SELF_CONTINUING:
                # starts a step (next_role 0) or continues its own
                cs.constrain(cs.mul(f, nxt, f"cont{role.value}"), nxt - int(role), 0, f"prev{role.value}")
            else:
                cs.constrain(f, nxt - int(CONTINUES.get(role, 0)), 0, f"prev{role.value}")
        num2bits(cs, now, TIME_BITS, "now_range")
        # times never decrease; a continuing slot belongs to the same operation
        num2bits(cs, now - carry.time, TIME_BITS, "monotonic")
        continuing = 1 - is_zero(cs, nxt, "continuing")
        cs.constrain(continuing, now - carry.time, 0, "same_op")

    # ---- the account before ------------------------------------------------------------------------
    acct = account_of(w)
    exists = as_lc(w["exists"])
    account_id = as_lc(w["account_id"])
    with cs.scope("before"):
        cs.assert_bool(exists, "exists")
        # an empty leaf's fields are zero but for the orders root (and a deposit's key, below)
        for name, v in (
            ("collateral", acct.collateral),
            ("nonce", acct.nonce),
            ("auction", acct.auction_start),
        ):
            cs.constrain(1 - exists, v, 0, f"empty_{name}")
        for m, p in enumerate(acct.positions):
            cs.constrain(1 - exists, p.size, 0, f"empty_size{m}")
            cs.constrain(1 - exists, p.cost, 0, f"empty_cost{m}")
            cs.constrain(1 - exists, p.fsnap, 0, f"empty_fsnap{m}")
        cs.constrain(1 - exists, acct.orders_root - empty_root(ORDER_TREE_DEPTH), 0, "empty_orders")
        phashes = [st.position_hash(cs, p, f"position{m}") for m, p in enumerate(acct.positions)]
        leaf_before = cs.mul(
            exists, st.account_leaf(cs, acct, st.positions_hash(cs, phashes), "leaf"), "leaf_or_empty"
        )

    with cs.scope("risk"):
        markets, configs = carry.g.markets, static.configs
        risk = rk.account_risk(cs, acct.collateral, acct.positions, markets, configs, "before")
        sel_market = _select_market(cs, onehot, markets)
        sel_config = _select_config(cs, onehot, configs)
        sel_pos = PositionVars(
            select_onehot(cs, onehot, [p.size for p in acct.positions], "sel_size"),
            select_onehot(cs, onehot, [p.cost for p in acct.positions], "sel_cost"),
            select_onehot(cs, onehot, [p.fsnap for p in acct.positions], "sel_fsnap"),
        )
        old_terms = rk.MarketTerms(
            *(
                select_onehot(cs, onehot, [getattr(t, f) for t in risk.terms], f"sel_term_{f}")
                for f in TERM_FIELDS
            )
        )
        free = rk.withdrawable(cs, risk, "withdrawable")
        holds, halted, stale = _market_flags(cs, acct, markets, static, now)
        usable = _usable(cs, holds, halted, stale)

    ctx = SlotCtx(
        cs,
        static,
        carry,
        w,
        flags,
        now,
        account_id,
        exists,
        acct,
        onehot,
        market_id,
        sel_market,
        sel_config,
        sel_pos,
        risk,
        old_terms,
        free,
        usable,
        holds,
        halted,
        stale,
        Effects(),
    )
    # ---- the roles ---------------------------------------------------------------------------------
    _operation_fields(cs, w)
    for rule in RULES:
        with cs.scope(
            rule.__module__.rsplit(".", 1)[-1] + ("" if rule.__name__ == "rules" else f"_{rule.__name__}")
        ):
            rule(ctx)
    for finish in FINISH:
        finish(ctx)
    fx = ctx.fx

    # ---- the fill of the selected market -------------------------------------------------------------
    delta, price = lc_sum(fx.delta), lc_sum(fx.fill_price)
    fl = fill(
        cs, sel_pos, delta, price, sel_config.mult, sel_config.step_size, sel_market.funding_index, "fill"
    )
    # the account's risk after its leg, before what POST_FILL adds to its collateral (a book
    # liquidation's penalty is capped by this value): risk is linear in the collateral, so the
    # final risk below adds those deltas without recomputing the market's terms
    n_rules = len(fx.collateral)
    with cs.scope("after"):
        ctx.risk_after = rk.risk_after(
            cs,
            risk,
            onehot,
            lc_sum(fx.collateral) + fl.cash,
            old_terms,
            fl.new,
            sel_market,
            sel_config,
            "risk",
            with_terms=False,
        )
    for post in POST_FILL:
        with cs.scope(post.__module__.rsplit(".", 1)[-1] + "_after_fill"):
            post(ctx, fl)

    # ---- the account after -------------------------------------------------------------------------
    with cs.scope("after"):
        dcol = lc_sum(fx.collateral) + fl.cash
        collateral = acct.collateral + dcol
        signed_range_check(cs, collateral, COLLATERAL_BITS + 1, "collateral_range")
        nonce = acct.nonce + lc_sum(fx.nonce)
        num2bits(cs, nonce, NONCE_BITS, "nonce_range")
        created = cs.mul(flags[Role.DEPOSIT], 1 - exists, "created")
        pub_x = acct.pub_x + lc_sum(fx.key[0])
        pub_y = acct.pub_y + lc_sum(fx.key[1])
        owner = acct.owner + lc_sum(fx.key[2])
        cs.constrain(1 - exists, acct.pub_x, 0, "empty_pub_x")
        cs.constrain(1 - exists, acct.pub_y, 0, "empty_pub_y")
        cs.constrain(1 - exists, acct.owner, 0, "empty_owner")
        exists_after = exists + created
        new_positions = [
            PositionVars(
                p.size + cs.mul(h, fl.new.size - sel_pos.size, f"size{m}"),
                p.cost + cs.mul(h, fl.new.cost - sel_pos.cost, f"cost{m}"),
                p.fsnap + cs.mul(h, fl.new.fsnap - sel_pos.fsnap, f"fsnap{m}"),
            )
            for m, (p, h) in enumerate(zip(acct.positions, onehot, strict=True))
        ]
        new_phash = st.position_hash(cs, fl.new, "position")
        phashes_after = [
            ph + cs.mul(h, new_phash - ph, f"phash{m}")
            for m, (ph, h) in enumerate(zip(phashes, onehot, strict=True))
        ]
        # an order slot changes exactly in the roles that fill an order (no other role may reset one)
        slot_used = as_lc(w["slot_used"])
        cs.assert_equal(slot_used, lc_sum(fx.order_slot), "slot_used")
        old_slot_leaf = st.order_slot_leaf(cs, w["slot_order_id"], w["slot_filled"], "old_slot")
        # the new slot is a sum over roles: right only with one contributor (steps/order_leg.py),
        # since a disabled order_rule.slot_rule returns the slot unchanged, not zero
        if len(fx.slot_after[0]) > 1 or len(fx.slot_index) > 1:
            raise CircuitError("only steps/order_leg.py may change an order slot")
        new_slot_leaf = st.order_slot_leaf(cs, lc_sum(fx.slot_after[0]), lc_sum(fx.slot_after[1]), "new_slot")
        orders_root = gated_update(
            cs,
            slot_used,
            acct.orders_root,
            old_slot_leaf,
            new_slot_leaf,
            lc_sum(fx.slot_index),
            w["slot_siblings"],
            "orders",
        )
        auction_start = acct.auction_start + lc_sum(fx.auction_start)
        num2bits(cs, auction_start, TIME_BITS, "auction_start_range")
        after = AccountVars(pub_x, pub_y, owner, collateral, nonce, new_positions, orders_root, auction_start)
        leaf_after = cs.mul(
            exists_after,
            st.account_leaf(cs, after, st.positions_hash(cs, phashes_after), "leaf"),
            "leaf_or_empty",
        )
        post_dcol = lc_sum(fx.collateral[n_rules:])
        mid = ctx.risk_after
        assert mid is not None
        risk_after = rk.RiskVars(
            mid.value + post_dcol, mid.settled + post_dcol, mid.initial, mid.maintenance, []
        )
        rk.assert_trade_rule(cs, risk_after, sel_pos.size, fl.new.size, lc_sum(fx.trade_rule), "trade_rule")

    account_used = 1 - flags[Role.NOOP] - flags[Role.ORACLE_PRICE] - flags[Role.FUNDING_MARKET]
    accounts_root = gated_update(
        cs,
        account_used,
        carry.accounts_root,
        leaf_before,
        leaf_after,
        account_id,
        w["account_siblings"],
        "accounts",
    )

    # ---- the global state after ------------------------------------------------------------------------
    with cs.scope("global"):
        fund = carry.g.insurance_fund + lc_sum(fx.fund)
        fees = carry.g.fee_pool + lc_sum(fx.fees)
        num2bits(cs, fund, COLLATERAL_BITS, "fund_range")
        num2bits(cs, fees, COLLATERAL_BITS, "fees_range")
        mdelta = {name: lc_sum(v) for name, v in fx.market.items()}
        mdelta["open_interest"] = mdelta.get("open_interest", as_lc(0)) + fl.long_oi_delta
        num2bits(cs, sel_market.open_interest + mdelta["open_interest"], SIZE_BITS, "open_interest_range")
        markets_after = []
        for m, (mk, h) in enumerate(zip(carry.g.markets, onehot, strict=True)):
            vals = {}
            for name in MARKET_FIELDS:
                d = mdelta.get(name)
                vals[name] = (
                    getattr(mk, name) if d is None else getattr(mk, name) + cs.mul(h, d, f"m{m}_{name}")
                )
            markets_after.append(MarketVars(**vals))
        g_after = type(carry.g)(fund, fees, carry.g.funding_time + lc_sum(fx.funding_time), markets_after)

    # ---- the signature -------------------------------------------------------------------------------
    with cs.scope("sig"):
        enabled = lc_sum(fx.sig_enabled)
        key = (acct.pub_x, acct.pub_y)
        if fx.oracle_key is not None:
            fo = flags[Role.ORACLE_PRICE]
            key = (
                key[0] + cs.mul(fo, fx.oracle_key[0] - key[0], "key_x"),
                key[1] + cs.mul(fo, fx.oracle_key[1] - key[1], "key_y"),
            )
        # a disabled check still needs a well-formed key: Base8 stands in
        bx, by = bj.BASE8
        ax = bx + cs.mul(enabled, key[0] - bx, "ax")
        ay = by + cs.mul(enabled, key[1] - by, "ay")
        eddsa_verify(cs, (ax, ay), lc_sum(fx.msg), (w["sig_r8x"], w["sig_r8y"]), w["sig_s"], enabled, "eddsa")

    # ---- the L1 queue and withdrawal records ------------------------------------------------------------
    queue_count = _table(cs, "queue", static.queue, carry.queue_count, fx.queue, fx.queue_used)
    withdrawal_count = _table(
        cs, "withdrawal", static.withdrawals, carry.withdrawal_count, fx.withdrawal, fx.withdrawal_used
    )

    next_role = lc_sum(fx.next_role)
    scratch = [lc_sum(fx.scratch.get(k, [])) for k in range(SCRATCH)]
    out = Carry(accounts_root, now, next_role, queue_count, withdrawal_count, g_after, scratch)
    return [*out.flat(), *_record(cs, w, account_used, exists_after, after, market_id, fl.new)]


def _record(
    cs: Circuit,
    w: dict[str, Any],
    account_used: LC,
    exists_after: LC,
    after: AccountVars,
    market_id: LC,
    position: PositionVars,
) -> list[LC]:
    """The slot's record of the rollup accounts section (slot_io.RECORD_SPEC, protocol.md 7.5):
    the account after the slot and its position in the selected market (the only one the slot
    changes), gated to all zero where the slot leaves no account (no leaf, or a leaf proven
    empty).  Every value is in range where it is written; the batch encodes the bits.  A leaf
    with an account never has id 0 ("no account" in the section, FIRST_ACCOUNT_ID = 1).  Cost:
    12 constraints."""
    with cs.scope("record"):
        live = cs.mul(account_used, exists_after, "live")
        account_id = cs.mul(live, w["account_id"], "account_id")
        # account_id * inv = live: a live record's id is not 0; inv * (1 - live) = 0 pins the
        # hint to 0 where live = 0 (no wire of a witness may be free: circuits/dsl/audit.py)
        inv = cs.hint_div(1, account_id, "inv")
        cs.constrain(account_id, inv, live, "account_id_nonzero")
        cs.constrain(inv, 1 - live, 0, "inv_pinned")
        values = [
            after.collateral,
            after.nonce,
            after.auction_start,
            after.orders_root,
            market_id,
            position.size,
            position.cost,
            position.fsnap,
        ]
        return [account_id, *(cs.mul(live, v, f"v{i}") for i, v in enumerate(values))]


TERM_FIELDS = tuple(rk.MarketTerms.__dataclass_fields__)


def _operation_fields(cs: Circuit, w: dict[str, Any]) -> None:
    """The operation fields roles share are range-checked once per slot (0 where unused)."""
    with cs.scope("fields"):
        num2bits(cs, w["amount"], AMOUNT_BITS, "amount")
        num2bits(cs, w["address"], ADDRESS_BITS, "address")
        num2bits(cs, w["expiry"], TIME_BITS, "expiry")
        num2bits(cs, w["counterparty"], ACCOUNT_ID_BITS, "counterparty")
        num2bits(cs, w["fill_price"], 40, "fill_price")


def _table(
    cs: Circuit, name: str, table: list[dict[str, LC]], count: LC, rec: dict[str, list[LC]], used: list[LC]
) -> LC:
    """The slot's record (when used) must be the table's entry at `count`; returns the new count.
    The table is the batch's public data section, hashed once (circuits/batch/pubdata.py)."""
    u = lc_sum(used)
    with cs.scope(name):
        if not table:
            cs.assert_zero(u, "no_capacity")
            return count
        at = [is_equal(cs, count, i, f"at{i}") for i in range(len(table))]
        # count < capacity when used: some position matches
        cs.constrain(u, 1 - lc_sum(at), 0, "capacity")
        for fname in table[0]:
            entry = lc_sum(
                cs.mul(a, t[fname], f"{fname}[{i}]") for i, (a, t) in enumerate(zip(at, table, strict=True))
            )
            cs.constrain(u, entry - lc_sum(rec.get(fname, [])), 0, f"{fname}_matches")
    return count + u


@cache
def slot_template(queue_capacity: int, withdrawal_capacity: int) -> Template:
    names = (
        [f"static.{n}" for n in spec_names(static_spec(queue_capacity, withdrawal_capacity))]
        + [f"carry.{n}" for n in spec_names(CARRY_SPEC)]
        + [f"slot.{n}" for n in spec_names(SLOT_SPEC)]
    )
    return Template(
        f"Slot(q={queue_capacity},w={withdrawal_capacity})",
        names,
        lambda cs, ins: slot_body(cs, ins, queue_capacity, withdrawal_capacity),
    )


__all__ = ["N_ROLES", "slot_template"]
