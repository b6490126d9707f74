"""The state's Poseidon layouts in the circuit (protocol.md 3.1-3.3); twin: protocol.hashing (and
sequencer.config for the config, risk, params and oracle-set hashes).

Costs (Poseidon(n) as circomlib's; see tests/circuits/constraint_counts.json): position 4 inputs,
positions 9, account leaf 9, order slot 3, market 14, config 16 + risk 8, params 9 + oracle set
15, global 6 + markets 9, state root 3.  The batch hashes the global state (with every market,
config and the params) once at its start and once at its end, not per slot.
"""

from __future__ import annotations

from circuits.batch.vars import (
    AccountVars,
    GlobalVars,
    MarketConfigVars,
    MarketVars,
    ParamsVars,
    PositionVars,
)
from circuits.dsl import LC, Circuit, LCLike
from circuits.gadgets.comparators import is_zero
from circuits.gadgets.poseidon import poseidon
from protocol.constants import Tag


def position_hash(cs: Circuit, p: PositionVars, name: str = "position") -> LC:
    return poseidon(cs, [Tag.POSITION, p.size, p.cost, p.fsnap], name)


def positions_hash(cs: Circuit, hashes: list[LC], name: str = "positions") -> LC:
    return poseidon(cs, [Tag.POSITIONS, *hashes], name)


def account_leaf(cs: Circuit, a: AccountVars, positions_h: LCLike, name: str = "leaf") -> LC:
    fields: list[LCLike] = [
        Tag.ACCOUNT,
        a.pub_x,
        a.pub_y,
        a.owner,
        a.collateral,
        a.nonce,
        positions_h,
        a.orders_root,
        a.auction_start,
    ]
    return poseidon(cs, fields, name)


def order_slot_leaf(cs: Circuit, order_id: LCLike, filled: LCLike, name: str = "slot_leaf") -> LC:
    """Poseidon([TAG_ORDER_SLOT, id, filled]), or 0 for the never-used slot (0, 0): id = 0 only
    there (order ids start at 1), so the leaf is selected by IsZero(id) (4 constraints)."""
    h = poseidon(cs, [Tag.ORDER_SLOT, order_id, filled], name)
    empty = is_zero(cs, order_id, f"{name}_empty")
    return cs.mul(1 - empty, h, f"{name}_or_zero")


def market_hash(cs: Circuit, config_h: LCLike, m: MarketVars, name: str = "market") -> LC:
    fields: list[LCLike] = [
        Tag.MARKET,
        config_h,
        m.oracle_price,
        m.oracle_time,
        m.funding_index,
        m.open_interest,
        m.status,
        m.status_until,
        m.ref_price,
        m.ref_time,
        m.mark_price,
        m.premium_ema,
        m.premium_sum,
        m.premium_samples,
    ]
    return poseidon(cs, fields, name)


def risk_hash(cs: Circuit, c: MarketConfigVars, name: str = "risk") -> LC:
    fields: list[LCLike] = [
        Tag.MARKET_RISK,
        c.oracle_max_move_ppm,
        c.oracle_move_ppm_per_s,
        c.breaker_move_ppm,
        c.breaker_window_s,
        c.cooldown_s,
        c.mark_window_s,
        c.oi_fund_multiple,
    ]
    return poseidon(cs, fields, name)


def config_hash(cs: Circuit, c: MarketConfigVars, name: str = "config") -> LC:
    fields: list[LCLike] = [
        Tag.MARKET_CONFIG,
        c.size_decimals,
        c.price_decimals,
        c.tick_size,
        c.step_size,
        c.min_order_size,
        c.imf,
        c.mmf,
        c.max_price,
        c.open_interest_cap,
        c.price_band_ppm,
        c.maker_fee_ppm,
        c.taker_fee_ppm,
        c.liquidation_fee_ppm,
        c.funding_cap_ppb,
        risk_hash(cs, c, f"{name}_risk"),
    ]
    return poseidon(cs, fields, name)


def params_hash(cs: Circuit, p: ParamsVars, domain: LCLike, name: str = "params") -> LC:
    """The signing domain is the last input: every signature the batch checks is bound to it."""
    flat: list[LCLike] = [v for xy in zip(p.oracle_xs, p.oracle_ys, strict=True) for v in xy]
    oracle_set = poseidon(cs, [Tag.ORACLE_SET, *flat], f"{name}_oracle_set")
    fields: list[LCLike] = [
        Tag.PARAMS,
        oracle_set,
        p.oracle_quorum,
        p.oracle_max_age_s,
        p.oracle_max_skew_s,
        p.funding_interval_s,
        p.funding_premium_divisor,
        p.recovery_quorum,
        p.auction_duration_s,
        domain,
    ]
    return poseidon(cs, fields, name)


def global_hash(
    cs: Circuit,
    params_h: LCLike,
    config_hs: list[LC],
    configured: list[LC],
    g: GlobalVars,
    name: str = "global",
) -> LC:
    """M_m = 0 where market m is not configured (`configured[m]` boolean)."""
    with cs.scope(name):
        ms: list[LCLike] = []
        for m, (ch, mv) in enumerate(zip(config_hs, g.markets, strict=True)):
            ms.append(cs.mul(configured[m], market_hash(cs, ch, mv, f"market{m}"), f"m{m}_or_zero"))
        mh = poseidon(cs, [Tag.MARKETS, *ms], "markets")
        return poseidon(cs, [Tag.GLOBAL, params_h, mh, g.insurance_fund, g.fee_pool, g.funding_time], "hash")


def state_root(cs: Circuit, accounts_root: LCLike, global_h: LCLike, name: str = "root") -> LC:
    return poseidon(cs, [Tag.STATE, accounts_root, global_h], name)
