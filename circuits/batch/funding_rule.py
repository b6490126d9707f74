"""The FUNDING_TICK rule (protocol.md 4.4, staleness 4.7, halted markets 4.11), as the exchange core
applies it in sequencer/ops/funding_tick.py: a tick occupies one slot per market id, each proving
`funding_market` for its market, and the step proves `funding_time_rule` once.

Per market, for a priced (oracle_price != 0) market that is not halted (status == 2 and now <
status_until):
    premium = tdiv(premium_sum, premium_samples), 0 when premium_samples = 0
    rate    = clamp(tdiv(premium, funding_premium_divisor), -cap, cap)
    F      += tdiv(rate * P * step_size * mult, 10^9);   premium_sum, premium_samples = 0, 0
otherwise the market is unchanged; a priced market must not be stale (now <= oracle_time +
oracle_max_age_s), halted or not, since the core rejects the whole tick (ORACLE_STALE) otherwise.
A market id that is not configured has an all-zero state (vars.py), so "priced" covers it.

Truncating divisions (protocol.fixedpoint.tdiv) are proven through floor divisions whose hinted
remainder is range-checked into [0, divisor):
- premium: floor q and rem, then tdiv = q + 1 when q < 0 and rem != 0 (q's sign is the top bit of
  its signed range check). premium_samples = 0 is replaced by the division 0 / 1, so q = rem = 0.
- rate and index delta: in sign-magnitude form. The premium's sign flag s (q < 0) gives |premium|,
  whose floor quotient by the divisor is the magnitude of the truncated one; min(|.|, cap) is the
  capped rate's magnitude, and |rate| * P * step * mult / 10^9 (floor) that of the delta, which
  takes the sign s back.  A zero quotient makes the flag irrelevant.
The inputs are in range by induction (state and config, protocol.md 4.1); every integer equation
below stays far from r: |premium_sum| < 2^64, samples < 2^32, |premium| < 2^30 (an average of samples
each < 10^9), divisor < 2^32, cap <= 10^8, P < 2^40, step < 2^48, mult <= 10^6, so the delta's
dividend is below 2^135.  The delta's quotient gets no range check of its own: the new index's
check (|F| < 2^80, which the core enforces too) bounds it, and a quotient that is not the floor
would need a product far from the dividend.  The market is gated by the applied flag before the
delta's product, so a market that is not applied divides 0 and keeps every witness value pinned.
`now` must be < 2^40: funding_time_rule range-checks it once per step.  Both functions take an
optional boolean `active` that turns their assertions off (0) in a slot holding another step kind.

Costs (constraints; tests/circuits/batch/test_funding_rule.py pins them): funding_market 423
(applied flag 47, staleness 42, premium 104, rate 98, delta 130, resets 2), funding_time_rule 84;
one more each with `active`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from circuits.batch.vars import MarketConfigVars, MarketVars, ParamsVars
from circuits.dsl import LC, Circuit, LCLike
from circuits.gadgets.bits import num2bits, num2bits_le_const, range_check
from circuits.gadgets.comparators import is_zero, less_than, select
from circuits.primitives.field import R
from protocol.constants import FUNDING_INDEX_BITS, RATE_SCALE, STATUS_HALTED, TIME_BITS

COUNT_BITS = 32  # premium_samples, funding_premium_divisor (protocol.md 4.1)
PREMIUM_BITS = 30  # |premium| < 2^30: the average of samples each below 10^9
STALE_BITS = TIME_BITS + 1  # oracle_time + oracle_max_age_s < 2^40 + 2^32

HALF = pow(2, -1, R)
assert STATUS_HALTED == 2  # status * (status - 1) / 2 is the halted indicator on {0, 1, 2}


@dataclass(slots=True)
class FundingVars:
    """What one market's funding computed, for the step's public data and the tests: the flags, the
    premium, the capped rate as sign and magnitude (rate = (1 - 2 * rate_neg) * rate_abs; it holds
    for a market that is not applied too) and the index delta actually added (0 unless applied)."""

    applied: LC
    premium: LC
    rate_abs: LC
    rate_neg: LC
    delta: LC


def funding_market_parts(
    cs: Circuit,
    market: MarketVars,
    cfg: MarketConfigVars,
    params: ParamsVars,
    now: LC,
    name: str = "funding",
    active: LCLike | None = None,
) -> tuple[MarketVars, FundingVars]:
    """`funding_market`, also returning the values it computed."""
    with cs.scope(name):
        price = market.oracle_price

        # -- applied: priced and not halted ---------------------------------------------------
        priced = 1 - is_zero(cs, price, "unpriced")
        # status in {0, 1, 2} (committed): status * (status - 1) / 2 is 1 exactly when halted
        status_halted = cs.mul(market.status, market.status - 1, "status_halted") * HALF
        in_force = less_than(cs, now, market.status_until, TIME_BITS, "status_in_force")
        halted = cs.mul(status_halted, in_force, "halted")
        applied = cs.mul(priced, 1 - halted, "applied")

        # -- a priced market is fresh: oracle_time + max_age - now >= 0 -------------------------
        with cs.scope("not_stale"):
            checked = priced if active is None else cs.mul(priced, active, "active")
            slack = cs.mul(checked, market.oracle_time + params.oracle_max_age_s - now, "slack")
            range_check(cs, slack, STALE_BITS, "range")

        # -- premium = tdiv(sum, samples), 0 when no sample --------------------------------------
        with cs.scope("premium"):
            no_samples = is_zero(cs, market.premium_samples, "no_samples")
            dividend = market.premium_sum - cs.mul(no_samples, market.premium_sum, "zero_sum")
            divisor = market.premium_samples + no_samples
            # hints
            q, rem = cs.hint_divmod(dividend, divisor, "div", signed=True)
            # constraints
            cs.constrain(q, divisor, dividend - rem, "q_times_b")
            q_bits = num2bits(cs, q + (1 << PREMIUM_BITS), PREMIUM_BITS + 1, "q_range")
            neg = 1 - q_bits[PREMIUM_BITS]  # q < 0, i.e. the dividend is negative
            range_check(cs, rem, COUNT_BITS, "rem_range")
            range_check(cs, divisor - 1 - rem, COUNT_BITS, "rem_lt_b")
            inexact = 1 - is_zero(cs, rem, "exact")
            premium = q + cs.mul(neg, inexact, "toward_zero")

        # -- |rate| = min(floor(|premium| / divisor), cap) --------------------------------------
        with cs.scope("rate"):
            premium_abs = premium - 2 * cs.mul(neg, q, "neg_q") - 2 * (premium - q)
            d = params.funding_premium_divisor
            # hints
            qa, rem_a = cs.hint_divmod(premium_abs, d, "div")
            # constraints
            cs.constrain(qa, d, premium_abs - rem_a, "q_times_b")
            range_check(cs, rem_a, COUNT_BITS, "rem_range")
            range_check(cs, d - 1 - rem_a, COUNT_BITS, "rem_lt_b")
            # cap + 2^30 - qa in [0, 2^31) doubles as qa's range check: qa <= cap + 2^30 < 2^31, and
            # then premium_abs = qa * d + rem_a is an integer equation
            cap = cfg.funding_cap_ppb
            over = less_than(cs, cap, qa, PREMIUM_BITS, "over_cap")
            rate_abs = select(cs, over, qa, cap, "clamp")

        # -- delta = tdiv(rate * P * step * mult, 10^9), gated by applied -----------------------
        with cs.scope("delta"):
            rate_on = cs.mul(applied, rate_abs, "gate")
            lot = cs.mul(cs.mul(price, cfg.step_size, "price_step"), cfg.mult, "lot_value")
            dividend = cs.mul(rate_on, lot, "dividend")
            # hints
            qd, rem_d = cs.hint_divmod(dividend, RATE_SCALE, "div")
            # constraints
            cs.assert_equal(qd * RATE_SCALE + rem_d, dividend, "recompose")
            num2bits_le_const(cs, rem_d, RATE_SCALE - 1, "rem_range")
            delta = qd - 2 * cs.mul(neg, qd, "signed")
            index = market.funding_index + delta
            # -2^80 < index < 2^80 (also bounds qd: see the module docstring)
            bound = 1 << FUNDING_INDEX_BITS
            num2bits_le_const(cs, index + bound - 1, 2 * bound - 2, "index_range")

        keep = 1 - applied
        out = replace(
            market,
            funding_index=index,
            premium_sum=cs.mul(keep, market.premium_sum, "reset_sum"),
            premium_samples=cs.mul(keep, market.premium_samples, "reset_samples"),
        )
    return out, FundingVars(applied, premium, rate_abs, neg, delta)


def funding_market(
    cs: Circuit,
    market: MarketVars,
    cfg: MarketConfigVars,
    params: ParamsVars,
    now: LC,
    name: str = "funding",
    active: LCLike | None = None,
) -> MarketVars:
    """The market after the tick (see the module docstring).  With `active` (a boolean signal, for
    a slot that does not always hold a FUNDING_TICK) the staleness assertion holds only where it is
    1, for one more constraint; the returned market is computed either way."""
    return funding_market_parts(cs, market, cfg, params, now, name, active)[0]


def funding_time_rule(
    cs: Circuit,
    funding_time: LC,
    params: ParamsVars,
    now: LC,
    name: str = "funding_time",
    active: LCLike | None = None,
) -> LC:
    """Asserts funding_time == 0 or now >= funding_time + funding_interval_s, and now < 2^40 (the
    new funding time is stored); returns the new funding time, now.  With `active` (boolean) the
    interval is asserted only where it is 1, for one more constraint."""
    with cs.scope(name):
        range_check(cs, now, TIME_BITS, "now_range")
        first = is_zero(cs, funding_time, "first")
        with cs.scope("not_early"):
            later = 1 - first if active is None else cs.mul(1 - first, active, "active")
            wait = cs.mul(later, now - funding_time - params.funding_interval_s, "wait")
            range_check(cs, wait, TIME_BITS, "range")
    return now
