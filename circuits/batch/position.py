"""One side of a fill as the exchange core applies it (protocol.md 4.3-4.4; sequencer
`Margin.apply_leg` with `positions.fill_position` and `funding_payment`): settle the position's
pending funding, move it by a signed `delta` at `price`, realise PnL, and set the funding snapshot.

Cost: 342 constraints per call (pinned by tests/circuits/batch/test_position.py): 315 bit
decompositions (the sign of size 49, the sign of size' 49, the comparison that tells a reduction
from an increase 49, the truncated division's remainder 2 x 48, |cost'| 72), 17 products, three
zero tests and size' != -2^48.  `check_flows=True` adds 205 (see Bounds).

How. Everything is computed in the frame of the old position's sign s = sign(size) (+1 at 0):
a = |size|, A = s * cost = |cost| (cost has the size's sign, an invariant this gadget re-proves
for every cost it writes), u = s * size'.  The three cases of 4.3 then read as one clamp: the
part of the old position that stays is n = min(max(u, 0), a) (increase: n = a; reduce: n = u;
flip: n = 0), and

    cost'    = s * (floor(A * n / a) + (u - n) * price * mult)
    realised = cost' - cost - delta * price * mult          (4.3: collateral - cost moves by -delta*p*m)

floor(A * n / a) is the trunc of 4.3 because A * n >= 0 (so trunc(cost * n / a) = s * floor(A n / a)
exactly, `protocol.fixedpoint.tdiv`): in the original frame the quotient and remainder are s * Q and
s * rem, and 0 <= rem < a proves |remainder| < |size| with the dividend's sign.  The quotient needs
no range check of its own: |cost'| < 2^72 is checked, which bounds Q below 2^110, so Q * a + rem =
A * n holds over the integers.  When size = 0 the divisor is 1 (a + [size = 0]): Q = rem = 0.

Funding: lots = size / step is exact (sizes are multiples of the step: the callers check deltas),
pinned by lots * (step + [size = 0]) = size, so a zero position needs no step.  delta = 0 (a
disabled slot) changes nothing: an is_zero(delta) gate zeroes the index move F - fsnap that both
the funding paid and the new snapshot are built from, so funding = 0 and fsnap' = fsnap, and the
rest of the arithmetic gives size' = size, cost' = cost (n = a, Q = A), realised = 0 by itself.

Bounds: size' is checked |size'| < 2^48 and cost' |cost'| < 2^72 (stored; with cost' * sign(size')
>= 0).  realised and funding are not stored and are bounded by construction, from inputs in range:
|realised| < 2^110 (|cost'|, |cost| < 2^72, |delta * price * mult| < 2^109), |funding| < 2^129
(|lots| < 2^48, |F - fsnap| < 2^81), far inside the field, so the caller's check of the new
collateral catches any overflow exactly.  `check_flows=True` adds the signed checks
|realised| < 2^74 and |funding| < 2^129 (75 + 130 constraints) for callers that want them anyway.

Preconditions (the caller's): price < 2^40 and mult <= 10^6 (so price * mult < 2^60), step >= 1
where size != 0; delta a multiple of step (not checked here: the order and step rules check it,
and the funding's exact division relies on sizes staying multiples of the step); pos and findex
read from state (in range by induction, fsnap = 0 and cost = 0 where size = 0: this gadget writes
both back so).  |delta| < 2^48 is not needed: size' is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.batch.vars import PositionVars
from circuits.dsl import LC, Circuit, LCLike, as_lc
from circuits.gadgets.bits import num2bits, signed_range_check
from circuits.gadgets.comparators import assert_nonzero, is_zero, less_than
from circuits.primitives.field import R
from protocol.constants import COST_BITS, FUNDING_INDEX_BITS, SIZE_BITS

INV2 = (R + 1) // 2
REALISED_CHECK_BITS = 75  # check_flows: |realised| < 2^74
FUNDING_CHECK_BITS = SIZE_BITS + FUNDING_INDEX_BITS + 2  # check_flows: |funding| < 2^129


@dataclass(slots=True)
class FillVars:
    new: PositionVars  # size', cost', fsnap' (fsnap' = findex if size' != 0 else 0)
    realised: LC  # realised PnL (signed)
    funding: LC  # funding paid = (size / step) * (findex - fsnap), 0 when size = 0 or delta = 0
    cash: LC  # collateral change before fees: realised - funding
    reduced_only: LC  # boolean: |size'| < |size| and size' * size >= 0 (4.5's trade rule)
    size_abs_before: LC  # |size|
    size_abs_after: LC  # |size'|
    long_oi_delta: LC  # max(size', 0) - max(size, 0): change of the market's long open interest


def _sign(cs: Circuit, x: LC, name: str) -> LC:
    """1 when x >= 0, 0 when x < 0, for -2^48 <= x < 2^48 (49 constraints; the range is checked)."""
    return num2bits(cs, x + (1 << SIZE_BITS), SIZE_BITS + 1, name)[SIZE_BITS]


def fill(
    cs: Circuit,
    pos: PositionVars,
    delta: LCLike,
    price: LCLike,
    mult: LCLike,
    step: LCLike,
    findex: LCLike,
    name: str = "fill",
    check_flows: bool = False,
) -> FillVars:
    """Apply a fill of signed `delta` at `price` to `pos` after settling its funding at `findex`."""
    size, cost, fsnap = pos.size, pos.cost, pos.fsnap
    delta, price, mult, step, findex = (as_lc(v) for v in (delta, price, mult, step, findex))
    with cs.scope(name):
        # constraints: the old position's sign frame (size is in range by induction)
        sgn = 2 * _sign(cs, size, "size_sign") - 1
        a = cs.mul(sgn, size, "size_abs")
        zero_before = is_zero(cs, size, "size_zero")

        # size' = size + delta in the same frame: u = sgn * size', its sign and |size'| < 2^48
        new_size = size + delta
        u = cs.mul(sgn, new_size, "oriented")
        u_nonneg = _sign(cs, u, "new_sign")  # also -2^48 <= u < 2^48
        assert_nonzero(cs, u + (1 << SIZE_BITS), "new_bound")  # and u != -2^48
        a_new = cs.mul(2 * u_nonneg - 1, u, "new_abs")
        nonzero_after = 1 - is_zero(cs, u, "new_zero")

        # the clamp n = min(max(u, 0), a): max(u, 0) = (u + |u|) / 2 is linear
        u_pos = (u + a_new) * INV2
        shrinks = less_than(cs, u_pos, a, SIZE_BITS, "shrinks")  # u < a where u >= 0
        kept = a + cs.mul(shrinks, u_pos - a, "kept")
        reduced_only = cs.mul(shrinks, u_nonneg, "reduced_only")  # 0 <= u < a: neither grew nor flipped

        # floor(A * kept / divisor), divisor = a (1 when the position is empty)
        with cs.scope("remaining"):
            cost_abs = cs.mul(sgn, cost, "cost_abs")
            dividend = cs.mul(cost_abs, kept, "dividend")
            divisor = a + zero_before
            # hints
            quot, rem = cs.hint_divmod(dividend, divisor, "div")
            # constraints
            cs.constrain(quot, divisor, dividend - rem, "q_times_a")
            num2bits(cs, rem, SIZE_BITS, "rem_range")  # 0 <= rem < 2^48
            num2bits(cs, divisor - 1 - rem, SIZE_BITS, "rem_lt_a")  # rem < divisor

        # cost' and realised; |cost'| < 2^72 with the sign of size' proven by cost' * sign(size')
        price_mult = cs.mul(price, mult, "price_mult")
        # (u - n) * p * m: the notional an increase adds or a flip opens (0 for a reduction)
        opened = cs.mul(u - kept, price_mult, "opened")
        cost_oriented = quot + opened
        new_cost = cs.mul(sgn, cost_oriented, "new_cost")
        cost_mag = cs.mul(2 * u_nonneg - 1, cost_oriented, "cost_mag")
        num2bits(cs, cost_mag, COST_BITS, "cost_range")
        trade_notional = cs.mul(delta, price_mult, "delta_notional")
        realised = new_cost - cost - trade_notional

        # funding, gated off when delta = 0
        with cs.scope("funding"):
            # hints
            lots = cs.hint_div(size, step + zero_before, "lots")
            # constraints
            cs.constrain(lots, step + zero_before, size, "lots_exact")
            moves = 1 - is_zero(cs, delta, "delta_zero")
            index_move = cs.mul(moves, findex - fsnap, "index_move")
            funding = cs.mul(lots, index_move, "paid")
            new_fsnap = cs.mul(nonzero_after, fsnap + index_move, "new_fsnap")

        if check_flows:
            signed_range_check(cs, realised, REALISED_CHECK_BITS, "realised_range")
            signed_range_check(cs, funding, FUNDING_CHECK_BITS, "funding_range")

    # max(x, 0) = (x + |x|) / 2: the long side of each size, linear
    long_oi_delta = (new_size + a_new) * INV2 - (size + a) * INV2
    return FillVars(
        new=PositionVars(size=new_size, cost=new_cost, fsnap=new_fsnap),
        realised=realised,
        funding=funding,
        cash=realised - funding,
        reduced_only=reduced_only,
        size_abs_before=a,
        size_abs_after=a_new,
        long_oi_delta=long_oi_delta,
    )
