"""An account's margin at mark prices (protocol.md 4.5), as sequencer/margin.py computes it
(`Margin.compute_risk`, the incremental update inside `Margin.apply_leg`, `Risk.withdrawable`,
`Risk.liquidatable`, `Margin.fill_allowed`).

Per market m, with M the committed mark price, F the funding index and s a multiple of the step:
```
value_m       = s * M * mult - cost - pending        pending = (s / step) * (F - fsnap)
notional_m    = |s| * M * mult                        (< 2^72, protocol.md 4.1)
initial_m     = ceil(notional_m * imf / 10^6)         maintenance_m likewise with mmf
```
and the account sums them: value = collateral + sum value_m, settled = collateral - sum pending_m,
initial = sum initial_m, maintenance = sum maintenance_m (linear: free).

How the terms are proved (soundness notes next to each step):
- lots = s / step: a hinted field quotient with `lots * divisor = s` (divisor = step, or 1 for an
  unconfigured market whose step is 0, so lots is never free) and lots + 2^48 split into 49 bits.
  The bits range-check lots (so s really is a multiple of the step: a field quotient of a
  non-multiple is huge) and their top bit is the sign of s, which |s| needs anyway.
- notional = (2 * sign - 1) * s * M * mult, split as notional = 10^6 * hi + lo with lo <= 10^6 - 1
  and hi < 2^53 (unique, and < 2^72 as 4.1 promises); then
  ceil(notional * f / 10^6) = hi * f + ceil(lo * f / 10^6) exactly, and the small ceil is a hinted
  quotient q < 2^20 with remainder q * 10^6 - lo * f in [0, 10^6 - 1]: every equation stays far
  below r, so it is an integer equation. Splitting once and reusing hi and lo for both fractions
  is 24 constraints cheaper per market than two 72-bit quotients with their remainders.

Costs (pinned in tests/circuits/batch/test_risk.py):
- `market_terms` 226: lots 1 + 49, pending 1, M * mult 1, s * M * mult 1, notional 1, split
  53 + 25, and per fraction 47 (lo * f 1, q 20, remainder 25, hi * f 1);
- `account_risk` (8 markets) 1,808;
- `risk_after` 226 (one market's terms; the sums are linear), plus 40 with `with_terms` (the
  one-hot update of the five terms of every market; the default, as the interface says);
- `withdrawable` 171 (min by a 78-bit sign, max by a 91-bit sign, two products);
- `is_liquidatable` 91;
- `assert_trade_rule` 195 (the "reducing" flag 103, the margin it must meet 1, the check 91).
Comparisons take |value|, |settled| < 2^89 (protocol.md 4.1 bounds; a state outside leaves the
comparison unsatisfiable, never wrong).

Preconditions the caller (or the config checks) provide: a configured market has step >= 1 and
0 < mmf <= imf <= 10^6 (protocol.md 4.2; the trade rule relies on initial >= maintenance), an
unconfigured one all zeros with position (0, 0, 0); positions and sizes are signed 48-bit values
read from state or range-checked, also where the trade rule is disabled.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.batch.vars import MarketConfigVars, MarketVars, PositionVars
from circuits.dsl import LC, Circuit, LCLike, as_lc, lc_sum
from circuits.gadgets.bits import num2bits, num2bits_le_const
from circuits.gadgets.zero import is_zero
from protocol import constants as C
from protocol.constants import PPM

LOTS_BITS = C.SIZE_BITS + 1  # lots = s / step, |lots| <= |s| < 2^48, as lots + 2^48
HI_BITS = ((1 << C.NOTIONAL_BITS) - 1).bit_length() - (PPM.bit_length() - 1)  # notional // 10^6 < 2^53
LO_CEIL_BITS = PPM.bit_length()  # ceil(lo * f / 10^6) <= 10^6 < 2^20
VALUE_BITS = 90  # |value|, |settled| < 2^89; a difference of them and a margin < 2^90
UPNL_BITS = 77  # |settled - value| = |sum (cost - s * M * mult)| <= 8 * 2^73 = 2^76 < 2^77
TRADE_PRODUCT_BITS = 2 * C.SIZE_BITS + 1  # |s' * (s - s')| < 2^48 * 2^49

assert (1 << HI_BITS) * PPM >= 1 << C.NOTIONAL_BITS


@dataclass(slots=True)
class MarketTerms:
    value: LC  # size * M * mult - cost - pending
    pending: LC  # (size / step) * (F - fsnap)
    notional: LC  # |size| * M * mult
    initial: LC  # ceil(notional * imf / 10^6)
    maintenance: LC  # ceil(notional * mmf / 10^6)  (mm_m of protocol.md 4.8)


@dataclass(slots=True)
class RiskVars:
    value: LC
    settled: LC
    initial: LC
    maintenance: LC
    terms: list[MarketTerms]  # one per market id


def _is_negative(cs: Circuit, x: LCLike, n: int, name: str) -> LC:
    """1 when x < 0, for |x| < 2^n (else unsatisfiable): the top bit of x + 2^n in n + 1 bits."""
    bits = num2bits(cs, as_lc(x) + (1 << n), n + 1, name)
    return 1 - bits[n]


def _ceil_ppm(cs: Circuit, hi: LC, lo: LC, frac: LC, name: str) -> LC:
    """ceil((10^6 * hi + lo) * frac / 10^6) = hi * frac + ceil(lo * frac / 10^6), for lo < 10^6,
    frac <= 10^6 (47 constraints)."""
    with cs.scope(name):
        t = cs.mul(lo, frac, "lo_frac")
        # hints: floor(-t / 10^6) = -ceil(t / 10^6)
        neg_q, rem = cs.hint_divmod(-t, PPM, "ceil_hint", signed=True)
        # constraints
        q = -neg_q
        cs.assert_equal(q * PPM - rem, t, "ceil")
        num2bits(cs, q, LO_CEIL_BITS, "q_range")
        num2bits_le_const(cs, rem, PPM - 1, "rem_range")
        return cs.mul(hi, frac, "hi_frac") + q


def market_terms(
    cs: Circuit, pos: PositionVars, market: MarketVars, cfg: MarketConfigVars, name: str
) -> MarketTerms:
    """One market's contribution to the account's risk (226 constraints); all terms 0 for an
    unconfigured market (whose position is (0, 0, 0))."""
    size = as_lc(pos.size)
    with cs.scope(name):
        divisor = as_lc(cfg.step_size) + 1 - as_lc(cfg.configured)
        # hints
        lots = cs.hint_div(size, divisor, "lots_hint")
        # constraints
        cs.constrain(lots, divisor, size, "lots")
        nonneg = num2bits(cs, lots + (1 << (LOTS_BITS - 1)), LOTS_BITS, "lots_range")[-1]
        pending = cs.mul(lots, as_lc(market.funding_index) - pos.fsnap, "pending")
        mark = cs.mul(market.mark_price, cfg.mult, "mark_mult")
        signed_notional = cs.mul(size, mark, "size_mark")
        notional = cs.mul(2 * nonneg - 1, signed_notional, "notional")
        # hints
        hi, lo = cs.hint_divmod(notional, PPM, "split_hint")
        # constraints
        cs.assert_equal(hi * PPM + lo, notional, "split")
        num2bits(cs, hi, HI_BITS, "split_hi")
        num2bits_le_const(cs, lo, PPM - 1, "split_lo")
        initial = _ceil_ppm(cs, hi, lo, as_lc(cfg.imf), "initial")
        maintenance = _ceil_ppm(cs, hi, lo, as_lc(cfg.mmf), "maintenance")
    return MarketTerms(signed_notional - pos.cost - pending, pending, notional, initial, maintenance)


def account_risk(
    cs: Circuit,
    collateral: LC,
    positions: list[PositionVars],
    markets: list[MarketVars],
    configs: list[MarketConfigVars],
    name: str = "risk",
) -> RiskVars:
    """value, settled, initial and maintenance of an account (`Margin.compute_risk`), with every
    market's terms (226 constraints per market)."""
    if not len(positions) == len(markets) == len(configs):
        raise ValueError("one position, market and config per market id")
    with cs.scope(name):
        terms = [
            market_terms(cs, p, mk, cf, f"m{i}")
            for i, (p, mk, cf) in enumerate(zip(positions, markets, configs, strict=True))
        ]
    return RiskVars(
        as_lc(collateral) + lc_sum(t.value for t in terms),
        as_lc(collateral) - lc_sum(t.pending for t in terms),
        lc_sum(t.initial for t in terms),
        lc_sum(t.maintenance for t in terms),
        terms,
    )


def risk_after(
    cs: Circuit,
    before: RiskVars,
    onehot: list[LC],
    new_collateral_delta: LC,
    old_terms: MarketTerms,
    new_pos: PositionVars,
    market: MarketVars,
    cfg: MarketConfigVars,
    name: str = "risk_after",
    with_terms: bool = True,
) -> RiskVars:
    """The account after one market's position changed (that market's `old_terms`, `market`,
    `cfg` selected by the caller with `onehot`) and its collateral moved by new_collateral_delta,
    as `Margin.apply_leg` updates its cache: 226 constraints, plus 5 per market to carry the
    terms list (with_terms; pass False where nobody reads the terms after the change, and the
    result's terms list is then empty)."""
    with cs.scope(name):
        new = market_terms(cs, new_pos, market, cfg, "terms")
        dcol = as_lc(new_collateral_delta)
        terms: list[MarketTerms] = []
        if with_terms:
            fields = ("value", "pending", "notional", "initial", "maintenance")
            for i, (sel, t) in enumerate(zip(onehot, before.terms, strict=True)):
                moved = {
                    f: getattr(t, f) + cs.mul(sel, getattr(new, f) - getattr(old_terms, f), f"m{i}_{f}")
                    for f in fields
                }
                terms.append(MarketTerms(**moved))
    return RiskVars(
        before.value + dcol + new.value - old_terms.value,
        before.settled + dcol - new.pending + old_terms.pending,
        before.initial + new.initial - old_terms.initial,
        before.maintenance + new.maintenance - old_terms.maintenance,
        terms,
    )


def withdrawable(cs: Circuit, r: RiskVars, name: str) -> LC:
    """max(0, min(settled, value) - initial) (171 constraints)."""
    with cs.scope(name):
        settled_lower = _is_negative(cs, r.settled - r.value, UPNL_BITS, "settled_lt_value")
        low = r.value + cs.mul(settled_lower, r.settled - r.value, "min")
        free = low - r.initial
        short = _is_negative(cs, free, VALUE_BITS, "free_sign")
        return cs.mul(1 - short, free, "max")


def is_liquidatable(cs: Circuit, r: RiskVars, name: str) -> LC:
    """1 when value < maintenance (91 constraints)."""
    with cs.scope(name):
        return _is_negative(cs, r.value - r.maintenance, VALUE_BITS, "below_maintenance")


def assert_trade_rule(
    cs: Circuit, r_after: RiskVars, size_before: LC, size_after: LC, enabled: LC, name: str
) -> None:
    """protocol.md 4.5 trade rule, when enabled (boolean) is 1: value >= initial, or the fill only
    reduced the position (|s'| < |s|, no flip) and value >= maintenance (195 constraints).
    Since initial >= maintenance this is value >= (reducing ? maintenance : initial), and
    reducing is s' * (s - s') >= 0 (s' between 0 and s) with s' != s; sizes are signed 48-bit."""
    s, s2 = as_lc(size_before), as_lc(size_after)
    with cs.scope(name):
        moved = s - s2
        between = 1 - _is_negative(cs, cs.mul(s2, moved, "between"), TRADE_PRODUCT_BITS, "between_sign")
        reducing = cs.mul(between, 1 - is_zero(cs, moved, "unchanged"), "reducing")
        need = r_after.initial + cs.mul(reducing, r_after.maintenance - r_after.initial, "need")
        with cs.scope("margin"):
            slack = cs.mul(enabled, r_after.value - need, "slack")
            num2bits(cs, slack, VALUE_BITS, "range")
