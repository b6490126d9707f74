"""The liquidation arithmetic gadgets against the exchange core (sequencer.margin, sequencer.fills,
the liquidate / deleverage rules): random values within the protocol.md 4.1 bounds plus the edge
cases of 4.8, then dishonest witnesses (a hint moved by one) that must break a named constraint."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from circuits.batch import liquidation_math as lm
from circuits.dsl import LC, Circuit, LCLike, Program, as_lc
from circuits.dsl.audit import free_wires
from circuits.primitives.field import R
from protocol.constants import LIQUIDATION_TARGET_PPM, PPM
from sequencer import margin as core
from sequencer.fills import fee_of
from tests.circuits.helpers import solve_fails

V_MIN, V_MAX = -(2**89), 2**89 - 1
FUND_MAX = 2**80 - 1
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Patch = Callable[[Circuit], None]


def _build(
    gadget: Callable[..., Any], names: Sequence[str], outs: Sequence[str], patch: Patch | None = None
) -> Program:
    cs = Circuit("liq")
    if patch is not None:
        patch(cs)
    ins = [cs.private_input(n) for n in names]
    res = gadget(cs, *ins)
    res = res if isinstance(res, tuple) else (res,)
    for n, v in zip(outs, res, strict=True):
        cs.public_output(n, v)
    return cs.compile()


DISC_IN = ("value", "q", "mm_m", "size_abs", "maintenance", "e", "duration")
RESTORE_IN = ("value", "maintenance", "mark", "mult", "mmf", "liq_fee", "step", "size_abs")
PENALTY_IN = ("notional", "liq_fee", "value_after")
ADL_IN = ("value", "cv", "disc_full")
COVER_IN = ("value", "fund", "has_position", "fee_pool")
AUCTION_IN = ("start", "duration", "now")


@functools.cache
def program(kind: str) -> Program:
    """Each gadget compiled once for the module (the honest witness generator)."""
    return {
        "disc": lambda: _build(lm.bankruptcy_discount, DISC_IN, ["out"]),
        "restore": lambda: _build(lm.restore_size, RESTORE_IN, ["out"]),
        "penalty": lambda: _build(lm.liquidation_penalty, PENALTY_IN, ["out"]),
        "adl": lambda: _build(lm.adl_transfer, ADL_IN, ["out"]),
        "cover": lambda: _build(lm.insurance_cover, COVER_IN, ["from_fund", "from_fees"]),
        "live": lambda: _build(lm.auction_live, AUCTION_IN, ["live", "holding"]),
        "clock": lambda: _build(lm.auction_clock, AUCTION_IN, ["live", "holding", "elapsed"]),
    }[kind]()


def signed(x: int) -> int:
    return x - R if x > R // 2 else x


def run(kind: str, inputs: dict[str, int], outs: Sequence[str] = ("out",), audit: bool = False) -> list[int]:
    """Solve (every constraint checked) and read the outputs as signed integers; with audit, also
    check that no wire is free."""
    p = program(kind)
    s = p.solve(inputs)
    if audit:
        assert free_wires(p, s) == []
    return [signed(s.signal(o)) for o in outs]


# ---- constraint counts (the module docstring quotes them) -----------------------------------------


def test_constraint_counts() -> None:
    counts = {
        k: program(k).n_constraints for k in ("disc", "restore", "penalty", "adl", "cover", "live", "clock")
    }
    assert counts == {
        "disc": 500,
        "restore": 526,
        "penalty": 295,
        "adl": 275,
        "cover": 276,
        "live": 89,
        "clock": 90,
    }


# ---- bankruptcy discount --------------------------------------------------------------------------


@st.composite
def disc_case(draw: st.DrawFn) -> dict[str, int]:
    size_abs = draw(st.sampled_from([1, 2**48 - 1]) | st.integers(1, 2**48 - 1))
    q = draw(
        st.sampled_from([size_abs, 1]) | st.integers(1, size_abs) | st.integers(size_abs // 2 + 1, size_abs)
    )
    mm_m = draw(st.sampled_from([0, 1, 2**72 - 1]) | st.integers(0, 2**72 - 1))
    maintenance = mm_m + draw(
        st.sampled_from([0]) | st.integers(0, 7 * (2**72 - 1)) | st.integers(0, 7 * mm_m)
    )
    value = draw(
        st.sampled_from([0, -1, 1, V_MIN, V_MAX]) | st.integers(V_MIN, V_MAX) | st.integers(1, V_MAX)
    )
    duration = draw(st.sampled_from([1, 2**32 - 1]) | st.integers(1, 2**32 - 1))
    e = draw(st.sampled_from([0, duration]) | st.integers(0, duration))
    return dict(
        value=value, q=q, mm_m=mm_m, size_abs=size_abs, maintenance=maintenance, e=e, duration=duration
    )


def core_disc(c: dict[str, int], sign: int = 1) -> int:
    return core.bankruptcy_discount(
        c["value"], c["q"], sign * c["size_abs"], c["mm_m"], c["maintenance"], c["e"], c["duration"]
    )


@SETTINGS
@given(disc_case(), st.sampled_from([1, -1]))
@example(dict(value=10**12, q=5, mm_m=3 * 10**9, size_abs=5, maintenance=3 * 10**9, e=600, duration=600), 1)
@example(dict(value=-(10**9), q=5, mm_m=10**9, size_abs=5, maintenance=2 * 10**9, e=600, duration=600), -1)
@example(dict(value=10**9, q=5, mm_m=0, size_abs=5, maintenance=0, e=300, duration=600), 1)
def test_discount_matches_core(c: dict[str, int], sign: int) -> None:
    assert run("disc", c) == [core_disc(c, sign)]


def test_discount_uniform() -> None:
    # hypothesis favours small and edge values (mostly a zero discount): uniform ones as well
    rng = random.Random(48)
    nonzero = 0
    for _ in range(100):
        size_abs = rng.randrange(1, 2**48)
        mm_m = rng.randrange(2**72)
        duration = rng.randrange(1, 2**32)
        c = dict(
            value=rng.randrange(V_MIN, V_MAX + 1),
            q=rng.randrange(1, size_abs + 1),
            mm_m=mm_m,
            size_abs=size_abs,
            maintenance=mm_m + rng.randrange(7 * 2**72),
            e=rng.randrange(duration + 1),
            duration=duration,
        )
        want = core_disc(c)
        nonzero += want != 0
        assert run("disc", c) == [want]
    assert nonzero > 30


def test_discount_guards_and_audit() -> None:
    # V <= 0 or MM = 0: the core's guards give 0; |s| = 0 (the core divides by zero) gives 0 here
    base = dict(value=10**12, q=3, mm_m=7 * 10**8, size_abs=9, maintenance=2 * 10**9, e=17, duration=600)
    assert run("disc", base, audit=True) == [core_disc(base)] != [0]
    for over in ({"value": 0}, {"value": -5}, {"maintenance": 0, "mm_m": 0}, {"e": 0}):
        c = base | over
        assert run("disc", c, audit=True) == [core_disc(c)] == [0]
    assert run("disc", base | {"size_abs": 0, "q": 0}, audit=True) == [0]
    assert run("disc", dict.fromkeys(DISC_IN, 0), audit=True) == [0]  # an idle slot stays satisfiable
    solve_fails(program("disc"), base | {"value": 2**89}, "disc/v/bits")


# ---- restoring size ------------------------------------------------------------------------------


@st.composite
def restore_case(draw: st.DrawFn) -> dict[str, int]:
    mark = draw(st.sampled_from([1, 2**40 - 1]) | st.integers(1, 2**40 - 1))
    mult = 10 ** draw(st.integers(0, 6))
    mmf = draw(st.sampled_from([1, PPM]) | st.integers(1, PPM))
    fee = draw(st.sampled_from([0, mmf]) | st.integers(0, mmf))
    step = draw(st.sampled_from([1, 10**6]) | st.integers(1, 2**24))
    size_abs = step * draw(st.integers(1, (2**48 - 1) // step))
    maintenance = draw(st.sampled_from([0, 2**75 - 1]) | st.integers(0, 2**75 - 1))
    per_unit = mark * mult * (mmf * LIQUIDATION_TARGET_PPM - fee * PPM)
    mode = draw(st.sampled_from(["random", "near", "target"]))
    if mode == "random":
        value = draw(st.integers(V_MIN, V_MAX))
    elif mode == "near":
        # value such that the restoring amount lands around the position's size (both branches of
        # the cap, and the step rounding)
        x = draw(st.integers(0, 3 * size_abs))
        value = (maintenance * LIQUIDATION_TARGET_PPM - x * per_unit // PPM) // PPM + draw(st.integers(-2, 2))
    else:
        # exactly at the target: MM * k = V * 10^6, nothing to restore
        maintenance -= maintenance % 5
        value = maintenance * 6 // 5
    value = max(V_MIN, min(V_MAX, value))
    return dict(
        value=value,
        maintenance=maintenance,
        mark=mark,
        mult=mult,
        mmf=mmf,
        liq_fee=fee,
        step=step,
        size_abs=size_abs,
    )


def core_restore(c: dict[str, int], sign: int = 1) -> int:
    mk = SimpleNamespace(
        mark_price=c["mark"], mult=c["mult"], mmf=c["mmf"], liq_fee=c["liq_fee"], step=c["step"]
    )
    return core.restore_size(c["value"], c["maintenance"], mk, sign * c["size_abs"])  # type: ignore[arg-type]


RESTORE_BASE = dict(
    value=1_147_000_000,
    maintenance=10**9,
    mark=50_000,
    mult=10,
    mmf=50_000,
    liq_fee=10_000,
    step=100,
    size_abs=10_000,
)


@SETTINGS
@given(restore_case(), st.sampled_from([1, -1]))
@example(RESTORE_BASE, 1)
@example(RESTORE_BASE | {"value": 12 * 10**8}, -1)  # exactly at the target
@example(RESTORE_BASE | {"value": 12 * 10**8 - 1}, 1)  # one unit below: one step
@example(
    RESTORE_BASE | {"value": V_MIN, "maintenance": 2**75 - 1, "mark": 1, "mult": 1, "mmf": 1, "liq_fee": 1}, 1
)
def test_restore_matches_core(c: dict[str, int], sign: int) -> None:
    assert run("restore", c) == [core_restore(c, sign)]


def test_restore_branches_and_audit() -> None:
    c = RESTORE_BASE
    want = core_restore(c)
    assert 0 < want < c["size_abs"] and want % c["step"] == 0  # the rounded, uncapped branch
    assert run("restore", c, audit=True) == [want]
    for over in ({"value": 12 * 10**8}, {"value": -(10**12)}, {"size_abs": 100}, {"value": V_MIN}):
        cc = c | over
        assert run("restore", cc, audit=True) == [core_restore(cc)]
    assert run("restore", dict.fromkeys(RESTORE_IN, 0), audit=True) == [0]


# ---- liquidation penalty ------------------------------------------------------------------------


def core_penalty(c: dict[str, int]) -> int:
    return min(fee_of(c["notional"], c["liq_fee"]), max(c["value_after"], 0))


@SETTINGS
@given(
    st.sampled_from([0, 1, 2**72 - 1]) | st.integers(0, 2**72 - 1),
    st.sampled_from([0, 1, PPM]) | st.integers(0, PPM),
    st.sampled_from([0, -1, 1, V_MIN, V_MAX]) | st.integers(V_MIN, V_MAX) | st.integers(-5, 2**40),
)
@example(10**9, 10_000, 10**7)  # the cap equals the fee
@example(10**9, 10_000, 10**7 - 1)
@example(10**9 + 1, 10_000, 10**9)  # rounds up
def test_penalty_matches_core(notional: int, fee: int, value_after: int) -> None:
    c = dict(notional=notional, liq_fee=fee, value_after=value_after)
    assert run("penalty", c) == [core_penalty(c)]


def test_penalty_audit() -> None:
    for v in (-3, 5, 10**12):
        c = dict(notional=123_456_789, liq_fee=25_000, value_after=v)
        assert run("penalty", c, audit=True) == [core_penalty(c)]


# ---- ADL transfer --------------------------------------------------------------------------------


def core_adl(value: int, cv: int, disc_full: int) -> int:
    # sequencer.ops.deleverage.apply, with disc_full = bankruptcy_discount(v, size, s, mm_m, MM, 1, 1)
    return min(-value, max(0, cv)) if value < 0 else -disc_full


@SETTINGS
@given(disc_case(), st.sampled_from([0, -1, 1, V_MIN, V_MAX]) | st.integers(V_MIN, V_MAX), st.booleans())
def test_adl_matches_core(c: dict[str, int], cv: int, cv_is_deficit: bool) -> None:
    full = c | {"e": 1, "duration": 1}
    disc_full = core_disc(full)
    if cv_is_deficit:
        cv = min(-c["value"], V_MAX)  # the counterparty can pay exactly the deficit
    assert run("adl", dict(value=c["value"], cv=cv, disc_full=disc_full)) == [
        core_adl(c["value"], cv, disc_full)
    ]


def test_adl_edges_and_audit() -> None:
    for v, cv, d in ((-100, 40, 0), (-100, 400, 0), (-100, -5, 0), (0, 10, 0), (50, 10, 7), (-1, V_MAX, 0)):
        assert run("adl", dict(value=v, cv=cv, disc_full=d), audit=True) == [core_adl(v, cv, d)]


def _deleverage(cs: Circuit, value: LC, q: LC, mm_m: LC, size_abs: LC, maintenance: LC, cv: LC) -> LC:
    """A DELEVERAGE step's arithmetic: the full discount (e = duration = 1, constants) and the
    transfer, sharing V's sign."""
    sign = lm.value_sign(cs, value, "v")
    disc = lm.bankruptcy_discount(cs, value, q, mm_m, size_abs, maintenance, as_lc(1), as_lc(1), v_sign=sign)
    return lm.adl_transfer(cs, value, cv, disc, v_sign=sign)


def test_deleverage_composition_shares_the_sign() -> None:
    p = _build(_deleverage, ("value", "q", "mm_m", "size_abs", "maintenance", "cv"), ["out"])
    assert p.n_constraints == 91 + (500 - 91 - 2) + (275 - 91)  # e and duration constants: 2 products fewer
    rng = random.Random(5)
    for v in (-(10**9), 0, 10**15, V_MIN, V_MAX, *(rng.randrange(V_MIN, V_MAX) for _ in range(20))):
        c = dict(
            value=v,
            q=3,
            mm_m=7 * 10**8,
            size_abs=9,
            maintenance=2 * 10**9,
            cv=rng.randrange(-(10**12), 10**12),
        )
        disc_full = core.bankruptcy_discount(v, 3, -9, 7 * 10**8, 2 * 10**9, 1, 1)
        s = p.solve(c)
        assert signed(s.signal("out")) == core_adl(v, c["cv"], disc_full)
    assert free_wires(p, s) == []


# ---- insurance cover -----------------------------------------------------------------------------


class _CoverStub:
    """Just what Margin.cover_from_insurance touches, recording the fund and fee-pool draws."""

    records_enabled = False
    bad_debt_total = 0

    def __init__(self, value: int, fund: int, pool: int) -> None:
        self.value, self.fund, self.fee_pool = value, fund, pool
        self.from_fund = self.from_fees = 0

    def risk_tuple(self, acct: Any) -> tuple[int, int, int, int]:
        return self.value, 0, 0, 0

    def fund_for(self, acct: Any) -> int:
        return self.fund

    def global_state(self) -> None:
        return None

    def add_insurance(self, delta: int) -> None:
        self.from_fund = -delta

    def add_fees(self, delta: int) -> None:
        self.from_fees = -delta

    def add_collateral(self, acct: Any, delta: int) -> None:
        pass

    def emit(self, event: Any) -> None:
        pass

    def set_attr(self, obj: Any, name: str, value: Any) -> None:
        pass


def core_cover(value: int, fund: int, pool: int, has_position: int) -> list[int]:
    stub = _CoverStub(value, fund, pool)
    acct = SimpleNamespace(id=1, sizes=[0, 3 if has_position else 0])
    core.Margin.cover_from_insurance(stub, acct)  # type: ignore[arg-type]
    return [stub.from_fund, stub.from_fees]


@SETTINGS
@given(
    st.sampled_from([0, -1, 1, V_MIN, V_MAX]) | st.integers(V_MIN, V_MAX) | st.integers(-(2**81), 2**20),
    st.sampled_from([0, 1, FUND_MAX]) | st.integers(0, FUND_MAX) | st.integers(0, 2**40),
    st.sampled_from([0, 1, FUND_MAX]) | st.integers(0, FUND_MAX) | st.integers(0, 2**40),
    st.integers(0, 1),
)
@example(-100, 0, 30, 0)  # no fund: the fee pool pays what it has
@example(-100, 60, 30, 0)  # the fund, then the pool smaller than the rest
@example(-100, 60, 30, 1)  # positions open: no fee pool
@example(-100, 160, 30, 0)
def test_cover_matches_core(value: int, fund: int, pool: int, has_position: int) -> None:
    c = dict(value=value, fund=fund, has_position=has_position, fee_pool=pool)
    assert run("cover", c, ("from_fund", "from_fees")) == core_cover(value, fund, pool, has_position)


def test_cover_audit() -> None:
    for v, f, p, h in ((-100, 60, 30, 0), (-100, 0, 500, 0), (5, 10, 10, 0), (-100, 60, 30, 1)):
        c = dict(value=v, fund=f, has_position=h, fee_pool=p)
        assert run("cover", c, ("from_fund", "from_fees"), audit=True) == core_cover(v, f, p, h)


# ---- auction clock -------------------------------------------------------------------------------


def core_clock(start: int, duration: int, now: int) -> list[int]:
    # sequencer.ops.liquidate._takeover (live, elapsed) and sequencer.ops.deleverage.apply (holding)
    live = bool(start) and now < start + 2 * duration
    holding = bool(start) and start + duration <= now < start + 2 * duration
    return [int(live), int(holding), min(now - start, duration)]


@st.composite
def clock_case(draw: st.DrawFn) -> tuple[int, int, int]:
    duration = draw(st.sampled_from([1, 2**32 - 1]) | st.integers(1, 2**32 - 1))
    start = draw(st.sampled_from([0, 1]) | st.integers(0, 2**40 - 2**34))
    base = draw(st.sampled_from([start, start + duration, start + 2 * duration]))
    now = base + draw(st.sampled_from([-1, 0, 1]) | st.integers(0, 2**33))
    return start, duration, max(now, start)


@SETTINGS
@given(clock_case())
def test_auction_clock_matches_core(case: tuple[int, int, int]) -> None:
    start, duration, now = case
    c = dict(start=start, duration=duration, now=now)
    want = core_clock(start, duration, now)
    assert run("live", c, ("live", "holding")) == want[:2]
    got = run("clock", c, ("live", "holding", "elapsed"))
    assert got[:2] == want[:2]
    if want[0]:
        assert got[2] == want[2]


def test_auction_audit() -> None:
    for start, d, now in (
        (0, 600, 10**9),
        (10**9, 600, 10**9 + 599),
        (10**9, 600, 10**9 + 600),
        (10**9, 600, 10**9 + 1200),
    ):
        c = dict(start=start, duration=d, now=now)
        want = core_clock(start, d, now)
        assert run("clock", c, ("live", "holding", "elapsed"), audit=True)[:2] == want[:2]
        assert run("live", c, ("live", "holding"), audit=True) == want[:2]


# ---- dishonest witnesses: same constraints, one hint moved ---------------------------------------


def _evil_divmod(where: str, shift: int) -> Patch:
    """A prover whose divmod hint under `where` returns (q + shift, rem - shift * d)."""

    def patch(cs: Circuit) -> None:
        honest = cs.hint_divmod

        def hint_divmod(a: LCLike, b: LCLike, name: str, signed: bool = False) -> tuple[LC, LC]:
            if where not in cs.path(name):
                return honest(a, b, name, signed)

            def fn(vals: list[int]) -> list[int]:
                x, d = vals
                x = x - R if signed and x > R // 2 else x
                q, rem = divmod(x, d)
                return [q + shift, rem - shift * d]

            q, rem = cs.hint_py(fn, [as_lc(a), as_lc(b)], 2, name)
            return q, rem

        cs.hint_divmod = hint_divmod  # type: ignore[method-assign]

    return patch


def _evil_comparison(where: str) -> Patch:
    """A prover whose less_than under `where` claims the opposite outcome (top bit flipped)."""

    def patch(cs: Circuit) -> None:
        honest = cs.hint_bits

        def hint_bits(a: LCLike, n: int, name: str) -> list[LC]:
            if where not in cs.path(name):
                return honest(a, n, name)

            def fn(vals: list[int]) -> list[int]:
                x = vals[0] ^ (1 << (n - 1))
                return [(x >> i) & 1 for i in range(n)]

            return cs.hint_py(fn, [as_lc(a)], n, name)

        cs.hint_bits = hint_bits  # type: ignore[method-assign]

    return patch


@pytest.mark.parametrize("shift, where", [(1, "disc/floor/rem_range"), (-1, "disc/floor/rem_lt_d")])
def test_discount_off_by_one_fails(shift: int, where: str) -> None:
    c = dict(value=10**12, q=3, mm_m=7 * 10**8, size_abs=9, maintenance=2 * 10**9, e=17, duration=600)
    evil = _build(lm.bankruptcy_discount, DISC_IN, ["out"], _evil_divmod("disc/floor", shift))
    assert evil.n_constraints == program("disc").n_constraints
    solve_fails(evil, c, where)


def test_restore_one_step_too_large_fails() -> None:
    # ceil = -floor(-x / d): the step count one larger is the floor hint one smaller
    evil = _build(lm.restore_size, RESTORE_IN, ["out"], _evil_divmod("restore/steps", -1))
    solve_fails(evil, RESTORE_BASE, "restore/steps/rem_lt_d")
    # and the unrounded amount one larger (a whole step too large once rounded, step = 1)
    evil = _build(lm.restore_size, RESTORE_IN, ["out"], _evil_divmod("restore/ceil", -1))
    solve_fails(evil, RESTORE_BASE | {"step": 1}, "restore/ceil/rem_lt_d")


def test_penalty_above_value_fails() -> None:
    c = dict(notional=10**9, liq_fee=10_000, value_after=10**6)  # fee 10^7 > value
    assert run("penalty", c) == [10**6]
    evil = _build(lm.liquidation_penalty, PENALTY_IN, ["out"], _evil_comparison("penalty/cap/lt"))
    solve_fails(evil, c, "penalty/cap/lt")
    # a fee rounded down instead of up
    evil = _build(lm.liquidation_penalty, PENALTY_IN, ["out"], _evil_divmod("penalty/ceil", -1))
    solve_fails(evil, c | {"notional": 10**9 + 1, "value_after": 10**12}, "penalty/ceil/rem_lt_scale")


def test_transfer_above_counterparty_value_fails() -> None:
    c = dict(value=-(10**9), cv=10**6, disc_full=0)
    assert run("adl", c) == [10**6]
    evil = _build(lm.adl_transfer, ADL_IN, ["out"], _evil_comparison("adl/cap/lt"))
    solve_fails(evil, c, "adl/cap/lt")


def test_cover_above_fund_fails() -> None:
    c = dict(value=-100, fund=60, has_position=1, fee_pool=0)
    evil = _build(lm.insurance_cover, COVER_IN, ["from_fund", "from_fees"], _evil_comparison("cover/fund/lt"))
    solve_fails(evil, c, "cover/fund/lt")


def test_auction_past_its_end_fails() -> None:
    c = dict(start=10**9, duration=600, now=10**9 + 1200)  # over: not live
    evil = _build(lm.auction_live, AUCTION_IN, ["live", "holding"], _evil_comparison("auction/before_end"))
    solve_fails(evil, c, "auction/before_end")
