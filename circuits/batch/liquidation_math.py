"""The integer arithmetic of liquidations (protocol.md 4.8) as gadgets, each equal to the exchange
core's formula (sequencer.margin, sequencer.fills, sequencer.ops.liquidate / deleverage /
start_auction): the bankruptcy discount, the restoring size of a book liquidation, the book
liquidation's penalty, the ADL transfer, the insurance cover and the auction clock.

Inputs are LCs the caller has already bounded (the account risk gadget's V, MM, mm_m at mark
prices; state values; rule-checked sizes); the bounds each gadget relies on are listed in its
docstring (protocol.md 4.1): V, cv signed 90 bits (|v| < 2^89); MM < 2^75 (MAX_MARKETS terms each
below a 2^72 notional); mm_m, notional < 2^72; |s|, q, step < 2^48; prices < 2^40; mult <= 10^6;
margins and fees in ppm, 0 <= liquidation fee <= mmf <= 10^6; fund, fee pool < 2^80; times < 2^40;
auction duration < 2^32.  Every value a gadget computes is range-checked (a quotient and its
remainder, a sign) so that the field equations are integer equations; comparisons use
circuits.gadgets.comparators.less_than on values known to be non-negative and below 2^n.  A zero
divisor (an unconfigured market, MM = 0, |s| = 0) is replaced by 1 so that an all-zero input (a
slot that is not this step) stays satisfiable; the outputs then follow the core's guards where it
has them (the discount is 0 when MM = 0) and are otherwise unspecified (the core divides by zero).

Costs in constraints (R1CS rows after folding; tests/circuits/batch/test_liquidation_math.py pins
them):  bankruptcy_discount 500, restore_size 526, liquidation_penalty 295, adl_transfer 275,
insurance_cover 276, auction_live 89, auction_clock 90 (auction_live plus the elapsed time).
Where the caller passes constants (e = duration = 1 for ADL) the products by them are free, and a
caller that already has V's sign (value_sign, 91 constraints) may pass it as v_sign to
bankruptcy_discount and adl_transfer (a DELEVERAGE step needs both for the same V).
"""

from __future__ import annotations

from circuits.dsl import LC, Circuit, LCLike, as_lc
from circuits.gadgets.bits import MAX_RANGE_BITS, bits2num, num2bits
from circuits.gadgets.comparators import is_zero, less_than, minimum, select
from protocol import constants as C
from protocol.constants import PPM

VALUE_BITS = 90  # signed account values V, cv: |v| < 2^89 (so a sign decomposition is 90 bits)
MM_BITS = C.NOTIONAL_BITS + 3  # maintenance: MAX_MARKETS = 8 terms, each <= a notional < 2^72
K = C.LIQUIDATION_TARGET_PPM
# restore_size: |need| = |(MM*k - V*10^6) * 10^6| < 2^129 and the divisor M * mult * (mmf*k -
# fee*10^6) >= 1 * 1 * mmf * (k - 10^6) >= 2 * 10^5, so |ceil(need / divisor)| <= 2^112
RESTORE_Q_BITS = 112
PER_UNIT_BITS = C.PRICE_BITS + 20 + 41  # M < 2^40, mult <= 10^6 < 2^20, mmf*k - fee*10^6 <= 1.2e12 < 2^41
DISC_DEN_BITS = C.SIZE_BITS + MM_BITS + C.AUCTION_DURATION_BITS  # |s| * MM * duration < 2^155
PPM_BITS = (PPM - 1).bit_length()  # 20
TIME_CMP_BITS = C.TIME_BITS + 1  # times < 2^40, start + 2 * duration < 2^41

if C.MAX_MARKETS > 8:
    raise ImportError("MM_BITS assumes at most 8 markets")


def value_sign(cs: Circuit, value: LCLike, name: str = "sign") -> tuple[LC, LC]:
    """(nonneg, max(value, 0)) for a signed 90-bit value: the top bit of value + 2^89 (which also
    checks the bound), and one product (91 constraints)."""
    value = as_lc(value)
    with cs.scope(name):
        bits = num2bits(cs, value + (1 << (VALUE_BITS - 1)), VALUE_BITS, "bits")
        nonneg = bits[VALUE_BITS - 1]
        pos = cs.mul(nonneg, value, "pos")
    return nonneg, pos


def _floor_div(cs: Circuit, num: LC, den: LC, q_bits: int, d_bits: int, name: str) -> tuple[LC, LC]:
    """(floor(num / den), num mod den) for an integer num in [0, r) and den in [1, 2^d_bits]:
    1 + q_bits + 2 * d_bits constraints.  rem < 2^d_bits and den - 1 - rem < 2^d_bits make
    1 <= den < 2^(d_bits + 1) and 0 <= rem < den; with quot < 2^q_bits the sum quot * den + rem
    stays below r, so num = quot * den + rem holds over the integers."""
    if q_bits + d_bits + 2 > MAX_RANGE_BITS:
        raise ValueError("q_bits + d_bits too large: quot * den + rem could wrap around the field")
    with cs.scope(name):
        # hints
        quot, rem = cs.hint_divmod(num, den, "div")
        # constraints
        cs.constrain(quot, den, num - rem, "q_times_d")
        num2bits(cs, quot, q_bits, "q_range")
        num2bits(cs, rem, d_bits, "rem_range")
        num2bits(cs, den - 1 - rem, d_bits, "rem_lt_d")
    return quot, rem


def _ceil_div_signed(cs: Circuit, num: LC, den: LC, name: str) -> tuple[LC, LC]:
    """(ceil(num / den), its remainder rem = ceil * den - num, 0 <= rem < den) for signed num and
    den >= 1, as hints tied by ceil * den = num + rem (1 constraint); the caller range-checks the
    quotient and the remainder (rem < den)."""
    with cs.scope(name):
        # hints: ceil(n / d) = -floor(-n / d), and its remainder is that floor's
        neg_q, rem = cs.hint_divmod(-num, den, "div", signed=True)
        q = -neg_q
        # constraints
        cs.constrain(q, den, num + rem, "q_times_d")
    return q, rem


def bankruptcy_discount(
    cs: Circuit,
    value: LC,
    q: LC,
    mm_m: LC,
    size_abs: LC,
    maintenance: LC,
    e: LC,
    duration: LC,
    name: str = "disc",
    v_sign: tuple[LC, LC] | None = None,
) -> LC:
    """floor(max(V, 0) * q * mm_m * e / (|s| * MM * duration)), as
    sequencer.margin.bankruptcy_discount(V, q, s, mm_m, MM, e, duration): 0 when V <= 0 or MM = 0
    (the core's guards) and, here, when |s| = 0 (the core divides by zero there).

    Needs: V signed 90 bits (checked here), q <= |s| < 2^48, mm_m <= MM < 2^75, 0 <= e <= duration
    < 2^32, so the numerator stays below 2^241, the denominator below 2^155 and the quotient, at
    most max(V, 0), below 2^89 (checked).  500 constraints; 409 given v_sign = value_sign(V)."""
    with cs.scope(name):
        _, vpos = v_sign if v_sign is not None else value_sign(cs, value, "v")
        num = cs.mul(cs.mul(cs.mul(vpos, q, "num_q"), mm_m, "num_mm"), e, "num")
        den = cs.mul(cs.mul(size_abs, maintenance, "den_mm"), duration, "den")
        den_zero = is_zero(cs, den, "den_zero")  # MM = 0 or |s| = 0 (duration >= 1)
        num_g = cs.mul(num, 1 - den_zero, "num_guard")
        disc, _ = _floor_div(cs, num_g, den + den_zero, VALUE_BITS - 1, DISC_DEN_BITS, "floor")
    return disc


def restore_size(
    cs: Circuit,
    value: LC,
    maintenance: LC,
    mark: LC,
    mult: LC,
    mmf: LC,
    liq_fee_ppm: LC,
    step: LC,
    size_abs: LC,
    name: str = "restore",
) -> LC:
    """min(|s|, step * ceil(ceil(need / P) / step)) with need = (MM * k - V * 10^6) * 10^6 and
    P = M * mult * (mmf * k - liquidation_fee * 10^6), or 0 when need <= 0, as
    sequencer.margin.restore_size.

    ceil(need / P) is a signed quotient: it is >= 1 exactly when need > 0, so its range check
    also gives the sign of need.  When it is 2^48 + 1 or more it exceeds every |s| and the result
    is |s|; otherwise the step rounding works on 49-bit values.  Needs: V signed 90 bits (the
    range of ceil(need / P) fails otherwise), MM < 2^75, a configured market (M >= 1,
    1 <= mult <= 10^6, 0 < mmf <= 10^6, 0 <= fee <= mmf, 1 <= step < 2^48), |s| < 2^48.
    526 constraints."""
    value, maintenance = as_lc(value), as_lc(maintenance)
    with cs.scope(name):
        need = (maintenance * K - value * PPM) * PPM
        per_unit = cs.mul(cs.mul(mark, mult, "price"), as_lc(mmf) * K - as_lc(liq_fee_ppm) * PPM, "per_unit")
        pu_zero = is_zero(cs, per_unit, "per_unit_zero")
        pu = per_unit + pu_zero
        q1, rem1 = _ceil_div_signed(cs, need, pu, "ceil")
        with cs.scope("ceil"):
            # q1 - 1 + 2^112 in 113 bits: |q1| <= 2^112, and the top bit says q1 >= 1: need > 0
            bits = num2bits(cs, q1 - 1 + (1 << RESTORE_Q_BITS), RESTORE_Q_BITS + 1, "q_range")
            num2bits(cs, rem1, PER_UNIT_BITS, "rem_range")
            num2bits(cs, pu - 1 - rem1, PER_UNIT_BITS, "rem_lt_d")
        positive = bits[RESTORE_Q_BITS]
        big = 1 - is_zero(cs, bits2num(bits[C.SIZE_BITS : RESTORE_Q_BITS]), "big")  # q1 > 2^48
        q1_small = bits2num(bits[: C.SIZE_BITS]) + 1  # = q1 when positive and not big, in [1, 2^48]
        step_zero = is_zero(cs, step, "step_zero")
        st = as_lc(step) + step_zero
        j, rem2 = _ceil_div_signed(cs, q1_small, st, "steps")
        with cs.scope("steps"):
            num2bits(cs, j, C.SIZE_BITS + 1, "q_range")
            num2bits(cs, rem2, C.SIZE_BITS, "rem_range")
            num2bits(cs, st - 1 - rem2, C.SIZE_BITS, "rem_lt_d")
        rounded = q1_small + rem2  # = step * j < 2^49
        capped = minimum(cs, rounded, size_abs, C.SIZE_BITS + 1, "cap")
        out = select(cs, big, capped, size_abs, "big_cap")
        return cs.mul(positive, out, "positive")


def liquidation_penalty(
    cs: Circuit, notional: LC, liq_fee_ppm: LC, value_after: LC, name: str = "penalty"
) -> LC:
    """min(ceil(n * liquidation_fee_ppm / 10^6), max(value_after, 0)), as sequencer.fills
    (fee_of, then the cap by the value after the fill).  Needs n < 2^72, 0 <= fee <= 10^6,
    value_after signed 90 bits (checked).  295 constraints."""
    with cs.scope(name):
        prod = cs.mul(notional, liq_fee_ppm, "product")  # < 2^92
        with cs.scope("ceil"):
            # hints
            fee, rem = cs.hint_divmod(prod + (PPM - 1), PPM, "div")
            # constraints: fee * 10^6 + rem = prod + 10^6 - 1 with 0 <= rem < 10^6, fee < 2^72
            cs.assert_equal(fee * PPM + rem, prod + (PPM - 1), "recompose")
            num2bits(cs, fee, C.NOTIONAL_BITS, "q_range")
            num2bits(cs, rem, PPM_BITS, "rem_range")
            num2bits(cs, PPM - 1 - rem, PPM_BITS, "rem_lt_scale")
        _, vpos = value_sign(cs, value_after, "value")
        return minimum(cs, fee, vpos, VALUE_BITS - 1, "cap")


def adl_transfer(
    cs: Circuit,
    value: LC,
    counterparty_value_after: LC,
    disc_full: LC,
    name: str = "adl",
    v_sign: tuple[LC, LC] | None = None,
) -> LC:
    """What the counterparty pays the account (signed), as sequencer.ops.deleverage:
    min(-V, max(0, cv)) when V < 0, else -disc_full (the caller's bankruptcy_discount at e =
    duration).  Needs V and cv signed 90 bits (checked).  275 constraints; 184 given v_sign =
    value_sign(V), the one the discount took."""
    value = as_lc(value)
    with cs.scope(name):
        nonneg, vpos = v_sign if v_sign is not None else value_sign(cs, value, "v")
        deficit = vpos - value  # max(-V, 0)
        _, cvpos = value_sign(cs, counterparty_value_after, "cv")
        paid = minimum(cs, deficit, cvpos, VALUE_BITS, "cap")  # -V may be 2^89
        return select(cs, nonneg, paid, -as_lc(disc_full), "by_sign")


def insurance_cover(
    cs: Circuit, value: LC, fund_for: LC, has_position: LC, fee_pool: LC, name: str = "cover"
) -> tuple[LC, LC]:
    """(from_fund, from_fees) as sequencer.margin.Margin.cover_from_insurance: from_fund =
    min(max(-V, 0), F(a)); then, for an account left without positions, from_fees =
    min(max(-V, 0) - from_fund, fee_pool): what the fund left of the deficit (for a flat account
    V is its collateral, so this is min(-collateral after the fund, fee_pool)), else 0.  Needs V
    signed 90 bits (checked), 0 <= F(a), fee_pool < 2^80, has_position boolean.  276 constraints."""
    value = as_lc(value)
    with cs.scope(name):
        _, vpos = value_sign(cs, value, "v")
        deficit = vpos - value
        from_fund = minimum(cs, deficit, fund_for, VALUE_BITS, "fund")  # -V may be 2^89
        fees = minimum(cs, deficit - from_fund, fee_pool, VALUE_BITS, "fees")
        from_fees = cs.mul(1 - as_lc(has_position), fees, "flat")
    return from_fund, from_fees


def auction_clock(
    cs: Circuit, auction_start: LC, duration: LC, now: LC, name: str = "auction", elapsed: bool = True
) -> tuple[LC, LC, LC | None]:
    """(live, holding_at_bankruptcy, elapsed): live = start != 0 and now < start + 2 * duration;
    holding = live and now >= start + duration; elapsed = min(now - start, duration) (the
    takeover's e; None unless asked).  Needs start, now < 2^40, duration < 2^32.  89 constraints,
    90 with elapsed."""
    start, duration, now = as_lc(auction_start), as_lc(duration), as_lc(now)
    with cs.scope(name):
        started = 1 - is_zero(cs, start, "started")
        before_end = less_than(cs, now, start + duration * 2, TIME_CMP_BITS, "before_end")
        before_hold = less_than(cs, now, start + duration, TIME_CMP_BITS, "before_hold")
        live = cs.mul(started, before_end, "live")
        holding = cs.mul(live, 1 - before_hold, "holding")
        e = select(cs, before_hold, duration, now - start, "elapsed") if elapsed else None
    return live, holding, e


def auction_live(
    cs: Circuit, auction_start: LC, duration: LC, now: LC, name: str = "auction"
) -> tuple[LC, LC]:
    """(live, holding_at_bankruptcy) of auction_clock, without the elapsed time.  89 constraints."""
    live, holding, _ = auction_clock(cs, auction_start, duration, now, name, elapsed=False)
    return live, holding
