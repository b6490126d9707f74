"""The committed state as circuit values: bundles of linear combinations named like the state's
preimages (protocol.records), so rule modules read `acct.collateral` instead of wire indices.

Conventions every batch gadget follows:
- signed values are field elements `v mod r` (protocol.md section 1);
- a value read from committed state (a leaf or global preimage) lies within its protocol.md 4.1
  bound by induction: genesis is checked once and every value written to the state is range-checked
  where it is computed, so readers do not re-check it;
- values that are not state (message fields, prices in signed messages, hints) are range-checked by
  the gadget that takes them in;
- a market is selected by a one-hot vector of MAX_MARKETS booleans.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from circuits.dsl import LC


@dataclass(slots=True)
class PositionVars:
    size: LC
    cost: LC
    fsnap: LC


@dataclass(slots=True)
class AccountVars:
    pub_x: LC
    pub_y: LC
    owner: LC
    collateral: LC
    nonce: LC
    positions: list[PositionVars]  # MAX_MARKETS entries
    orders_root: LC
    auction_start: LC


@dataclass(slots=True)
class MarketVars:
    """MarketState's fields, in its order."""

    oracle_price: LC
    oracle_time: LC
    funding_index: LC
    open_interest: LC
    status: LC
    status_until: LC
    ref_price: LC
    ref_time: LC
    mark_price: LC
    premium_ema: LC
    premium_sum: LC
    premium_samples: LC


MARKET_FIELDS = tuple(f.name for f in fields(MarketVars))


@dataclass(slots=True)
class MarketConfigVars:
    """A market's configuration (config_hash and risk_hash preimages, protocol.md 3.3), constant for
    the batch, plus values derived from it once per batch."""

    size_decimals: LC
    price_decimals: LC
    tick_size: LC
    step_size: LC
    min_order_size: LC
    imf: LC  # initial_margin_ppm
    mmf: LC  # maintenance_margin_ppm
    max_price: LC
    open_interest_cap: LC
    price_band_ppm: LC
    maker_fee_ppm: LC  # signed
    taker_fee_ppm: LC
    liquidation_fee_ppm: LC
    funding_cap_ppb: LC
    oracle_max_move_ppm: LC
    oracle_move_ppm_per_s: LC
    breaker_move_ppm: LC
    breaker_window_s: LC
    cooldown_s: LC
    mark_window_s: LC
    oi_fund_multiple: LC
    configured: LC  # 1 when the market exists (M_m != 0), else 0 and every field above is 0
    mult: LC  # derived: 10^(6 - size_decimals - price_decimals), 0 when not configured


@dataclass(slots=True)
class ParamsVars:
    """params_hash preimage (protocol.md 3.3), constant for the batch."""

    oracle_xs: list[LC]  # MAX_ORACLE_SIGNERS, (0, 0) where no signer
    oracle_ys: list[LC]
    oracle_quorum: LC
    oracle_max_age_s: LC
    oracle_max_skew_s: LC
    funding_interval_s: LC
    funding_premium_divisor: LC
    recovery_quorum: LC
    auction_duration_s: LC


@dataclass(slots=True)
class GlobalVars:
    """The global state that steps change, carried from slot to slot (hashed only at the batch's
    start and end)."""

    insurance_fund: LC
    fee_pool: LC
    funding_time: LC
    markets: list[MarketVars]  # MAX_MARKETS entries (all zero where not configured)
