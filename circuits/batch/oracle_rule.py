"""The oracle update rule of one market: everything an ORACLE_UPDATE step proves except the
signatures (checked elsewhere, one per entry, against params.oracle_xs/ys[signer]).

protocol.md 4.7 (quorum of distinct configured signers, message times, lower median, smallest
timestamp, staleness, move bound, recovery), 4.11 (breaker: status, status_until, ref_price,
ref_time) and 4.12 (book premium sample, premium_sum / samples, premium_ema, mark price clamp);
twin: sequencer/ops/oracle_update.py (`apply`, `next_risk_state`).

How the two order statistics are proven (both are hinted sorted lists, not sorting networks):
- a sorted hint u of 7 keys is checked nondecreasing by range checks on its 6 gaps, and a
  permutation of the keys by equal power sums sum x^e, e = 1..7 (Newton's identities: over a field
  of characteristic > 7 they fix the polynomial prod (X - x), so the multisets are equal): 84
  products, where a sorting network over 7 needs 16 comparators of 41 + 2 constraints (~690) and a
  permutation matrix 98;
- prices: absent entries' keys are 0, so the k present prices sit at u[7-k..6] and the lower median
  `sorted(prices)[(k - 1) // 2]` is u[6 - k // 2] (a 4-way mux on two bits of k); the chain
  0 <= u0 <= ... <= u6 < 2^40 plus price != 0 per present entry range-checks every price;
- timestamps: absent keys repeat entry 0's timestamp (always present), so u0 is the smallest and
  u6 the largest present timestamp; oracle_time < u0, now <= u0 + max_age, u6 <= now + skew and
  u6 + max_age < 2^40 then hold for every message, and every gap fits 33 bits (all timestamps lie in
  [now - max_age, now + skew]).

Absent entries (present = 0, after the present ones) must have signer 0 and expiry = timestamp;
their price and timestamp are not read.  `configured` (one flag per signer index, from
`configured_signers`, once per batch) may be passed in; otherwise it is computed here (+49).

Cost: 2,424 constraints with `configured` given (+49 without), pinned in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from circuits.batch.vars import MarketConfigVars, MarketVars, ParamsVars
from circuits.dsl import LC, Circuit, LCLike, as_lc, lc_sum
from circuits.gadgets.bits import num2bits, num2bits_le_const
from circuits.gadgets.comparators import assert_nonzero, less_than, maximum, minimum, mux, select
from circuits.gadgets.zero import is_zero
from circuits.primitives.field import R
from protocol import constants as C
from protocol.constants import PPM, RATE_SCALE

N = C.MAX_ORACLE_SIGNERS
PRICE_BITS = C.PRICE_BITS  # 40
TIME_BITS = C.TIME_BITS  # 40
WINDOW_BITS = 33  # max_age + skew < 2^33: every present timestamp lies in [now - max_age, now + skew]
INV2 = pow(2, -1, R)
PRODUCT_BITS = 60  # price * ppm < 2^40 * 2^20


@dataclass(slots=True)
class OracleEntry:
    """One signed price, in the order of OracleData.prices; absent ones at the end."""

    present: LC  # boolean
    signer: LC  # 0..6, index into the configured oracle set
    price: LC
    timestamp: LC
    expiry: LC


# -- small helpers ----------------------------------------------------------------------------------


def _nonneg(cs: Circuit, x: LCLike, n: int, name: str) -> None:
    """x >= 0, for an x known to lie in (-(r - 2^n), 2^n): x < 2^n."""
    num2bits(cs, x, n, name)


def _abs(cs: Circuit, x: LCLike, n: int, name: str) -> tuple[LC, LC]:
    """(x < 0, |x|) for -2^n <= x < 2^n (checked): the sign is the top bit of x + 2^n."""
    with cs.scope(name):
        bits = num2bits(cs, as_lc(x) + (1 << n), n + 1, "range")
        neg = 1 - bits[n]
        return neg, cs.mul(1 - 2 * neg, x, "abs")


def _tdiv(cs: Circuit, a: LCLike, b: LCLike, q_bits: int, b_bits: int, name: str) -> LC:
    """trunc(a / b) for 0 < b < 2^b_bits and |a / b| < 2^q_bits: floor division (a = q * b + rem,
    0 <= rem < b) plus one when a < 0 and rem != 0; the sign of a is the sign bit of q."""
    a, b = as_lc(a), as_lc(b)
    with cs.scope(name):
        # hints
        q, rem = cs.hint_divmod(a, b, "div", signed=True)
        # constraints
        if b.is_constant():
            cs.assert_equal(q * b.constant_value(), a - rem, "q_times_b")
            num2bits_le_const(cs, rem, b.constant_value() - 1, "rem_lt_b")
        else:
            cs.constrain(q, b, a - rem, "q_times_b")
            num2bits(cs, rem, b_bits, "rem_range")
            num2bits(cs, b - 1 - rem, b_bits, "rem_lt_b")
        bits = num2bits(cs, q + (1 << q_bits), q_bits + 1, "q_range")
        neg = 1 - bits[q_bits]
        exact = is_zero(cs, rem, "exact")
        return q + cs.mul(neg, 1 - exact, "toward_zero")


def _fdiv_const(cs: Circuit, a: LCLike, c: int, q_bits: int, name: str) -> LC:
    """floor(a / c) for a constant c > 0 and 0 <= a < c * 2^q_bits."""
    with cs.scope(name):
        # hints
        q, rem = cs.hint_divmod(a, c, "div")
        # constraints
        cs.assert_equal(q * c + rem, a, "q_times_c")
        num2bits_le_const(cs, rem, c - 1, "rem_lt_c")
        num2bits(cs, q, q_bits, "q_range")
    return q


def _same_multiset(cs: Circuit, xs: list[LC], ys: list[LC], name: str) -> None:
    """{xs} = {ys} as multisets, by equal power sums of degree 1..len (6 products per element)."""
    n = len(xs)
    with cs.scope(name):

        def powers(v: LC, tag: str) -> list[LC]:
            p = [v]
            for e in range(2, n + 1):
                lo, hi = e // 2, e - e // 2
                p.append(cs.mul(p[lo - 1], p[hi - 1], f"{tag}^{e}"))
            return p

        px = [powers(x, f"x{i}") for i, x in enumerate(xs)]
        py = [powers(y, f"y{i}") for i, y in enumerate(ys)]
        for e in range(n):
            cs.assert_equal(lc_sum(p[e] for p in px), lc_sum(p[e] for p in py), f"sum^{e + 1}")


def _sorted_hint(cs: Circuit, keys: list[LC], name: str) -> list[LC]:
    def fn(vals: list[int]) -> list[int]:
        return sorted(vals)

    return cs.hint_py(fn, keys, len(keys), name)


def configured_signers(cs: Circuit, params: ParamsVars, name: str = "oracle_set") -> list[LC]:
    """One boolean per signer index: (x, y) != (0, 0), the padding of an absent signer (7 each;
    once per batch: params are constant)."""
    flags = []
    with cs.scope(name):
        for j in range(N):
            zx = is_zero(cs, params.oracle_xs[j], f"x{j}_zero")
            zy = is_zero(cs, params.oracle_ys[j], f"y{j}_zero")
            flags.append(1 - cs.mul(zx, zy, f"absent{j}"))
    return flags


# -- the rule -------------------------------------------------------------------------------------


def oracle_rule(
    cs: Circuit,
    entries: list[OracleEntry],
    market: MarketVars,
    cfg: MarketConfigVars,
    params: ParamsVars,
    now: LC,
    book: LC,
    last: LC,
    recovery: LC,
    name: str = "oracle",
    configured: list[LC] | None = None,
) -> MarketVars:
    """The market after the update; every rule of 4.7, 4.11, 4.12 but the signatures constrained.
    `now` must be < 2^40 (the operation's time, checked by the caller); `book`, `last` and
    `recovery` are the record's sequencer inputs, checked here."""
    if len(entries) != N:
        raise ValueError(f"oracle_rule takes {N} entries")
    mk = market
    with cs.scope(name):
        if configured is None:
            configured = configured_signers(cs, params)
        present = [e.present for e in entries]

        # -- signers: present ones first, distinct, configured --------------------------------
        with cs.scope("signers"):
            for i, e in enumerate(entries):
                cs.assert_bool(e.present, f"present{i}")
                if i:
                    cs.constrain(e.present, 1 - entries[i - 1].present, 0, f"packed{i}")
            # hints: hot[i][j] = present_i and signer_i = j (absent: 8 keeps every test nonzero)
            hot = [
                [cs.hint_is_zero(e.signer - j + 8 * (1 - e.present), f"hot{i}_{j}") for j in range(N)]
                for i, e in enumerate(entries)
            ]
            # constraints
            for i, e in enumerate(entries):
                for j in range(N):
                    cs.assert_bool(hot[i][j], f"hot{i}_{j}")
                cs.assert_equal(lc_sum(hot[i]), e.present, f"one_hot{i}")
                cs.assert_equal(lc_sum(j * h for j, h in enumerate(hot[i])), e.signer, f"index{i}")
            for j in range(N):
                used = lc_sum(hot[i][j] for i in range(N))
                cs.assert_bool(used, f"distinct{j}")
                cs.constrain(used, 1 - configured[j], 0, f"configured{j}")
            k = lc_sum(present)
            kbits = num2bits(cs, k, 3, "count")
            num2bits(cs, k - params.oracle_quorum, 3, "quorum")  # k - quorum in [-7, 7]: >= 0

        # -- timestamps: oracle_time < min, expiry >= now, max <= now + skew ----------------------
        with cs.scope("times"):
            max_age = params.oracle_max_age_s
            for i, e in enumerate(entries):
                cs.constrain(e.present, max_age, e.expiry - e.timestamp, f"expiry{i}")
            ts0 = entries[0].timestamp
            keys = [ts0] + [
                ts0 + cs.mul(e.present, e.timestamp - ts0, f"key{i}") for i, e in enumerate(entries) if i
            ]
            # hints
            u = _sorted_hint(cs, keys, "sorted")
            # constraints
            _same_multiset(cs, keys, u, "perm")
            t = u[0]
            _nonneg(cs, t - mk.oracle_time - 1, TIME_BITS, "after_oracle_time")
            _nonneg(cs, t + max_age - now, WINDOW_BITS, "not_expired")
            for j in range(N - 1):
                _nonneg(cs, u[j + 1] - u[j], WINDOW_BITS, f"order{j}")
            _nonneg(cs, now + params.oracle_max_skew_s - u[N - 1], WINDOW_BITS, "not_future")
            _nonneg(cs, (1 << TIME_BITS) - 1 - max_age - u[N - 1], TIME_BITS, "expiry_range")

        # -- prices: each in [1, 2^40), the lower median p <= max_price ----------------------------
        with cs.scope("prices"):
            for i, e in enumerate(entries):
                # hints
                inv = cs.hint_div(e.present, e.price, f"inv{i}")
                # constraints: price != 0 when present; inv pinned to 0 when absent
                cs.constrain(e.price, inv, e.present, f"nonzero{i}")
                cs.constrain(1 - e.present, inv, 0, f"inv{i}")
            keys = [cs.mul(e.present, e.price, f"key{i}") for i, e in enumerate(entries)]
            # hints
            u = _sorted_hint(cs, keys, "sorted")
            # constraints
            _same_multiset(cs, keys, u, "perm")
            _nonneg(cs, u[0], PRICE_BITS, "order_start")
            for j in range(N - 1):
                _nonneg(cs, u[j + 1] - u[j], PRICE_BITS, f"order{j}")
            _nonneg(cs, (1 << PRICE_BITS) - 1 - u[N - 1], PRICE_BITS, "price_range")
            # the k present prices are u[7-k..6]: the lower median is u[6 - k // 2]
            p = mux(cs, [kbits[1], kbits[2]], [u[6], u[5], u[4], u[3]], "median")
            _nonneg(cs, cfg.max_price - p, PRICE_BITS, "max_price")

        p0, t0 = mk.oracle_price, mk.oracle_time
        dt = t - t0  # >= 1, < 2^40

        # -- recovery: stale market, recovery quorum; first update ---------------------------------
        with cs.scope("recovery"):
            first = is_zero(cs, p0, "first")
            stale = less_than(cs, t0 + params.oracle_max_age_s, now, TIME_BITS + 1, "stale")
            enough = 1 - less_than(cs, k, params.recovery_quorum, 3, "quorum")
            # the record's flag is exactly: a price before, stale now, the recovery quorum signed
            cs.constrain(cs.mul(1 - first, stale, "stale_not_first"), enough, recovery, "flag")
            normal = 1 - first - recovery  # neither a first update nor a recovery

        # -- move bound: |p - p0| * 10^6 <= p0 * min(max_move, per_s * dt) -------------------------
        with cs.scope("move"):
            _, dist = _abs(cs, p - p0, PRICE_BITS, "dist")
            per_time = cs.mul(cfg.oracle_move_ppm_per_s, dt, "per_time")  # < 2^60
            limit = minimum(cs, cfg.oracle_max_move_ppm, per_time, PRODUCT_BITS, "limit")
            slack = cs.mul(p0, limit, "allowed") - dist * PPM
            with cs.scope("bound"):  # skipped (0) for a first update or a recovery
                _nonneg(cs, cs.mul(normal, slack, "gated"), PRODUCT_BITS, "range")

        # -- book and last within [lo, hi] around p: |x - p| * 10^6 <= p * band ---------------------
        with cs.scope("band"):
            width = cs.mul(p, cfg.price_band_ppm, "width")  # p * band < 2^60
            _, book_dist = _abs(cs, book - p, PRICE_BITS, "book_dist")
            _nonneg(cs, width - book_dist * PPM, PRODUCT_BITS, "book")
            last_below, last_dist = _abs(cs, last - p, PRICE_BITS, "last_dist")
            _nonneg(cs, width - last_dist * PPM, PRODUCT_BITS, "last")

        # -- premium sample, sums --------------------------------------------------------------------
        with cs.scope("premium"):
            # |book - p| < p (band < 10^6): |sample| < 10^9 < 2^30
            sample = _tdiv(cs, (book - p) * RATE_SCALE, p, C.PREMIUM_BITS, PRICE_BITS, "sample")
            psum = mk.premium_sum + sample
            # |sum| < 2^64: sum + 2^64 - 1 in [0, 2^65 - 2]
            lim = 1 << C.PREMIUM_SUM_BITS
            num2bits_le_const(cs, psum + lim - 1, 2 * lim - 2, "sum_range")
            samples = mk.premium_samples + 1
            assert_nonzero(cs, samples - (1 << C.PREMIUM_SAMPLES_BITS), "samples_range")  # old < 2^32
            # ema += trunc((sample - ema) * min(dt, w) / w); between ema and sample: |ema| < 2^30
            w = cfg.mark_window_s
            weight = minimum(cs, dt, w, TIME_BITS, "weight")
            step = cs.mul(sample - mk.premium_ema, weight, "pull")
            ema_next = mk.premium_ema + _tdiv(cs, step, w, C.PREMIUM_BITS + 1, C.DURATION_BITS, "ema")

        # -- mark: clamp(median(p, p + trunc(p * ema / 10^9), last), lo, hi) ------------------------
        with cs.scope("mark"):
            tilt = _tdiv(cs, cs.mul(p, ema_next, "p_ema"), RATE_SCALE, PRICE_BITS + 1, 30, "tilt")
            lo3 = select(cs, last_below, p, last, "lo3")  # min(p, last)
            hi3 = p + last - lo3
            raw = minimum(
                cs, maximum(cs, p + tilt, lo3, PRICE_BITS + 1, "raw_lo"), hi3, PRICE_BITS + 1, "raw_hi"
            )
            m0 = mk.mark_price
            d = cfg.oracle_max_move_ppm
            m0d = cs.mul(m0, d, "m0_d")
            # d < mmf <= 10^6 and m0 >= 1 after the first update: lo >= 1 (the code's max(., 1))
            lo = _fdiv_const(cs, m0 * PPM - m0d + PPM - 1, PPM, PRICE_BITS, "lo")  # ceil
            hi = minimum(
                cs,
                _fdiv_const(cs, m0 * PPM + m0d, PPM, PRICE_BITS + 1, "hi"),
                cfg.max_price,
                PRICE_BITS + 1,
                "hi_cap",
            )
            mark_next = minimum(
                cs, maximum(cs, raw, lo, PRICE_BITS + 1, "clamp_lo"), hi, PRICE_BITS + 1, "clamp_hi"
            )

        # -- breaker ----------------------------------------------------------------------------------
        with cs.scope("breaker"):
            # the status in force: 0 once status_until has passed (status_until kept only with it)
            live = less_than(cs, now, mk.status_until, TIME_BITS + 1, "live")
            status_nz = cs.mul(mk.status, 3 - mk.status, "status_nz") * INV2  # status in {0, 1, 2}: 0, 1, 1
            active = cs.mul(live, status_nz, "active")
            s0 = cs.mul(live, mk.status, "status")
            until0 = cs.mul(active, mk.status_until, "until")
            # a window older than breaker_window_s restarts at (p0, t0)
            new_window = 1 - less_than(cs, t - mk.ref_time, cfg.breaker_window_s, TIME_BITS, "window")
            ref1 = select(cs, new_window, mk.ref_price, p0, "ref_price")
            ref_t1 = select(cs, new_window, mk.ref_time, t0, "ref_time")
            _, moved = _abs(cs, p - ref1, PRICE_BITS, "moved")
            trips = less_than(
                cs, cs.mul(ref1, cfg.breaker_move_ppm, "allowed"), moved * PPM, PRODUCT_BITS, "trips"
            )
            trip = cs.mul(normal, trips, "trip")
            cool = now + cfg.cooldown_s
            until_trip = maximum(cs, until0, cool, TIME_BITS + 1, "until_trip")
            status_trip = s0 + 1 - active  # max(s0, 1)
            status = select(
                cs, recovery, select(cs, trip, s0, status_trip, "status_t"), C.STATUS_HALTED, "status_r"
            )
            until = select(cs, recovery, select(cs, trip, until0, until_trip, "until_t"), cool, "until_r")
            restart = first + recovery + trip  # at most one of the three
            ref = select(cs, restart, ref1, p, "ref_out")
            ref_t = select(cs, restart, ref_t1, t, "ref_time_out")

        with cs.scope("out"):
            fresh = first + recovery
            mark = select(cs, fresh, mark_next, p, "mark")
            ema = select(cs, fresh, ema_next, sample, "ema")

    return MarketVars(
        oracle_price=p,
        oracle_time=t,
        funding_index=mk.funding_index,
        open_interest=mk.open_interest,
        status=status,
        status_until=until,
        ref_price=ref,
        ref_time=ref_t,
        mark_price=mark,
        premium_ema=ema,
        premium_sum=psum,
        premium_samples=samples,
    )
