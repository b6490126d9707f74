"""circuits.batch.risk against sequencer.margin: Margin.compute_risk (called on plain stand-ins for
the state and the account), Risk.withdrawable / liquidatable, Margin.fill_allowed, and a full
recompute after a fill made with sequencer.positions.fill_position."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field, fields
from types import SimpleNamespace
from typing import Any

import pytest

from circuits.batch import risk as rk
from circuits.batch.vars import MARKET_FIELDS, MarketConfigVars, MarketVars, PositionVars
from circuits.dsl import LC, Circuit, Program, as_lc, lc_sum
from circuits.primitives.field import R
from protocol import constants as C
from sequencer.margin import Margin, Risk
from sequencer.positions import fill_position
from tests.circuits.helpers import build, solve_fails, solve_ok

N = C.MAX_MARKETS
TERM_FIELDS = ("value", "pending", "notional", "initial", "maintenance")
RISK_FIELDS = ("value", "settled", "initial", "maintenance")
CFG_INPUTS = ("step_size", "imf", "mmf", "configured", "mult")


def market_inputs(cs: Circuit, prefix: str) -> tuple[MarketVars, MarketConfigVars]:
    m = MarketVars(**{f: as_lc(0) for f in MARKET_FIELDS})
    m.mark_price = cs.private_input(f"{prefix}mark")
    m.funding_index = cs.private_input(f"{prefix}findex")
    c = MarketConfigVars(**{f.name: as_lc(0) for f in fields(MarketConfigVars)})
    for f in CFG_INPUTS:
        setattr(c, f, cs.private_input(f"{prefix}{f}"))
    return m, c


def position_inputs(cs: Circuit, prefix: str) -> PositionVars:
    return PositionVars(*(cs.private_input(f"{prefix}{f}") for f in ("size", "cost", "fsnap")))


def pick(cs: Circuit, onehot: list[LC], values: list[LC], name: str) -> LC:
    """The caller's one-hot selection (test harness, not the gadget)."""
    return lc_sum(cs.mul(h, v, f"{name}{i}") for i, (h, v) in enumerate(zip(onehot, values, strict=True)))


def outputs(cs: Circuit, prefix: str, r: rk.RiskVars) -> None:
    for f in RISK_FIELDS:
        cs.public_output(f"{prefix}{f}", getattr(r, f))
    for i, t in enumerate(r.terms):
        for f in TERM_FIELDS:
            cs.public_output(f"{prefix}m{i}_{f}", getattr(t, f))
    cs.public_output(f"{prefix}withdrawable", rk.withdrawable(cs, r, f"{prefix}withdrawable"))
    cs.public_output(f"{prefix}liquidatable", rk.is_liquidatable(cs, r, f"{prefix}liquidatable"))


def body(cs: Circuit) -> None:
    collateral = cs.private_input("collateral")
    mcs = [market_inputs(cs, f"k{i}_") for i in range(N)]
    markets, configs = [m for m, _ in mcs], [c for _, c in mcs]
    positions = [position_inputs(cs, f"p{i}_") for i in range(N)]
    before = rk.account_risk(cs, collateral, positions, markets, configs)
    outputs(cs, "", before)

    onehot = cs.private_inputs("onehot", N)
    with cs.scope("harness"):
        for i, h in enumerate(onehot):
            cs.assert_bool(h, f"onehot{i}")
        cs.assert_equal(lc_sum(onehot), 1, "onehot_sum")
        m = MarketVars(**{f: as_lc(0) for f in MARKET_FIELDS})
        m.mark_price = pick(cs, onehot, [x.mark_price for x in markets], "mark")
        m.funding_index = pick(cs, onehot, [x.funding_index for x in markets], "findex")
        c = MarketConfigVars(**{f.name: as_lc(0) for f in fields(MarketConfigVars)})
        for f in CFG_INPUTS:
            setattr(c, f, pick(cs, onehot, [getattr(x, f) for x in configs], f))
        old = rk.MarketTerms(
            *(pick(cs, onehot, [getattr(t, f) for t in before.terms], f) for f in TERM_FIELDS)
        )
        size_before = pick(cs, onehot, [p.size for p in positions], "size")
    new_pos = position_inputs(cs, "new_")
    after = rk.risk_after(cs, before, onehot, cs.private_input("dcol"), old, new_pos, m, c)
    outputs(cs, "after_", after)
    rk.assert_trade_rule(cs, after, size_before, new_pos.size, cs.private_input("enabled"), "trade")


@pytest.fixture(scope="module")
def program() -> Program:
    return build(body)


# ---- plain accounts and the sequencer's arithmetic ----------------------------------------------
@dataclass
class Mkt:
    id: int
    mark_price: int
    mult: int
    step: int
    funding_index: int
    imf: int
    mmf: int
    max_price: int


@dataclass
class Acct:
    collateral: int
    sizes: list[int] = field(default_factory=lambda: [0] * N)
    costs: list[int] = field(default_factory=lambda: [0] * N)
    fsnaps: list[int] = field(default_factory=lambda: [0] * N)


def state(mkts: list[Mkt | None]) -> Any:
    st = SimpleNamespace(active=[m for m in mkts if m is not None])
    st.risk_tuple = lambda a: Margin.compute_risk(st, a)  # type: ignore[arg-type]
    return st


def expected(mkts: list[Mkt | None], acct: Acct) -> dict[str, int]:
    st = state(mkts)
    risk = Risk(*Margin.compute_risk(st, acct))  # type: ignore[arg-type]
    out = {f: getattr(risk, f) for f in RISK_FIELDS}
    out["withdrawable"] = risk.withdrawable
    out["liquidatable"] = int(risk.liquidatable)
    for i, mk in enumerate(mkts):
        s = acct.sizes[i]
        if mk is None:
            vals = dict.fromkeys(TERM_FIELDS, 0)
        else:
            pm = mk.mark_price * mk.mult
            pend = (s // mk.step) * (mk.funding_index - acct.fsnaps[i])
            n = abs(s) * pm
            vals = {
                "value": s * pm - acct.costs[i] - pend,
                "pending": pend,
                "notional": n,
                "initial": -((-n * mk.imf) // C.PPM),
                "maintenance": -((-n * mk.mmf) // C.PPM),
            }
        out.update({f"m{i}_{f}": v for f, v in vals.items()})
    return out


def random_market(rng: random.Random, i: int) -> Mkt:
    sd = rng.randrange(0, 5)
    pd = rng.randrange(0, 7 - sd)
    mult = 10 ** (6 - sd - pd)
    max_price = rng.choice([2**40 - 1, rng.randrange(1, 2**40), rng.randrange(1, 10**6)])
    max_price = min(max_price, (2**72 - 1) // mult)
    mark = rng.choice([0, 1, max_price, rng.randrange(1, max_price + 1)])
    imf = rng.randrange(1, C.PPM + 1)
    mmf = rng.randrange(1, imf + 1)
    findex = rng.randrange(-(2**79), 2**79)
    return Mkt(i, mark, mult, 10 ** rng.randrange(0, 5), findex, imf, mmf, max_price)


def random_size(rng: random.Random, mk: Mkt, price: int) -> int:
    """A multiple of the step, |s| < 2^48, notional at `price` < 2^72, sometimes tiny."""
    top = min(2**48 - 1, (2**72 - 1) // max(price * mk.mult, 1)) // mk.step
    if top == 0:
        return 0  # not one step fits below the notional bound
    lots = rng.choice([1, top, rng.randrange(1, top + 1), rng.randrange(1, min(top, 1000) + 1)])
    return rng.choice([-1, 1]) * lots * mk.step


def random_snapshot(rng: random.Random, mk: Mkt, size: int) -> int:
    """A funding snapshot leaving |pending| < 2^78 (so settling it keeps collateral in its bound)."""
    lots = abs(size) // mk.step
    span = min(2**79, (2**78) // max(lots, 1))
    return mk.funding_index + rng.randrange(-span, span + 1)


def random_account(rng: random.Random) -> tuple[list[Mkt | None], Acct]:
    mkts: list[Mkt | None] = [random_market(rng, i) if rng.random() < 0.75 else None for i in range(N)]
    acct = Acct(0)
    n_pos = rng.randrange(0, N + 1)
    for i in rng.sample(range(N), n_pos):
        mk = mkts[i]
        if mk is None or mk.mark_price == 0:
            continue
        s = random_size(rng, mk, mk.mark_price)
        entry = rng.randrange(1, mk.max_price + 1)
        cost = s * entry * mk.mult
        if abs(cost) >= 2**72:
            cost = (2**72 - 1) * (1 if s > 0 else -1)
        acct.sizes[i], acct.costs[i], acct.fsnaps[i] = s, cost, random_snapshot(rng, mk, s)
    acct.collateral = rng.randrange(-(2**78), 2**78)
    return mkts, acct


def inputs(mkts: list[Mkt | None], acct: Acct) -> dict[str, Any]:
    d: dict[str, Any] = {"collateral": acct.collateral}
    for i, mk in enumerate(mkts):
        if mk is None:
            vals = dict.fromkeys(["mark", "findex", *CFG_INPUTS], 0)
        else:
            vals = {"mark": mk.mark_price, "findex": mk.funding_index, "step_size": mk.step}
            vals |= {"imf": mk.imf, "mmf": mk.mmf, "configured": 1, "mult": mk.mult}
        d |= {f"k{i}_{k}": v for k, v in vals.items()}
        d |= {f"p{i}_size": acct.sizes[i], f"p{i}_cost": acct.costs[i], f"p{i}_fsnap": acct.fsnaps[i]}
    return d


def fill_inputs(m: int, acct_after: Acct, dcol: int, enabled: int) -> dict[str, Any]:
    return {
        "onehot": [int(i == m) for i in range(N)],
        "new_size": acct_after.sizes[m],
        "new_cost": acct_after.costs[m],
        "new_fsnap": acct_after.fsnaps[m],
        "dcol": dcol,
        "enabled": enabled,
    }


def random_fill(rng: random.Random, mkts: list[Mkt | None], acct: Acct) -> tuple[int, Acct] | None:
    """A fill in a priced market as Margin.apply_leg makes it, or None when none fits the bounds."""
    priced = [mk for mk in mkts if mk is not None and mk.mark_price]
    if not priced:
        return None
    mk = rng.choice(priced)
    m = mk.id
    s, cost, fs = acct.sizes[m], acct.costs[m], acct.fsnaps[m]
    price = rng.randrange(1, mk.max_price + 1)
    for _ in range(20):
        delta = random_size(rng, mk, min(price, mk.mark_price))
        if rng.random() < 0.3 and s:
            delta = -s + rng.choice([0, mk.step, -mk.step])  # close, or reduce / flip by one step
        if delta == 0:
            continue
        ns, nc, realised = fill_position(s, cost, delta, price, mk.mult)
        if abs(ns) < 2**48 and abs(nc) < 2**72 and abs(ns) * mk.mark_price * mk.mult < 2**72:
            break
    else:
        return None
    funding = (s // mk.step) * (mk.funding_index - fs) if s else 0
    fee = rng.randrange(-(10**9), 10**12)
    ncol = acct.collateral + realised - fee - funding
    if abs(ncol) >= 2**80:
        return None  # apply_leg rejects it (VALUE_OUT_OF_RANGE)
    after = Acct(ncol, list(acct.sizes), list(acct.costs), list(acct.fsnaps))
    after.sizes[m], after.costs[m] = ns, nc
    after.fsnaps[m] = mk.funding_index if ns else 0
    return m, after


def check_outputs(solved: Any, exp: dict[str, int], prefix: str) -> None:
    for k, v in exp.items():
        assert solved.signal(f"{prefix}{k}") == v % R, f"{prefix}{k}"


def allowed(mkts: list[Mkt | None], after: Acct, m: int, size_before: int) -> bool:
    return Margin.fill_allowed(state(mkts), after, m, size_before)  # type: ignore[arg-type]


# ---- tests ------------------------------------------------------------------------------------------
def risk_inputs(cs: Circuit) -> tuple[LC, LC, LC, LC]:
    v, s, i, m = cs.private_inputs("r", 4)
    return v, s, i, m


def test_counts() -> None:
    def terms_body(cs: Circuit) -> None:
        m, c = market_inputs(cs, "")
        rk.market_terms(cs, position_inputs(cs, "p"), m, c, "t")

    def account_body(cs: Circuit) -> None:
        mcs = [market_inputs(cs, f"k{i}_") for i in range(N)]
        pos = [position_inputs(cs, f"p{i}_") for i in range(N)]
        rk.account_risk(cs, cs.private_input("c"), pos, [m for m, _ in mcs], [c for _, c in mcs])

    def compare_body(cs: Circuit) -> None:
        r = rk.RiskVars(*risk_inputs(cs), [])
        cs.public_output("w", rk.withdrawable(cs, r, "w"))
        cs.public_output("l", rk.is_liquidatable(cs, r, "l"))
        s = cs.private_inputs("s", 3)
        rk.assert_trade_rule(cs, r, s[0], s[1], s[2], "t")

    def after_body(cs: Circuit, with_terms: bool) -> None:
        t = [rk.MarketTerms(*cs.private_inputs(f"t{i}", 5)) for i in range(N)]
        before = rk.RiskVars(*risk_inputs(cs), t)
        m, c = market_inputs(cs, "")
        old = rk.MarketTerms(*cs.private_inputs("old", 5))
        onehot = cs.private_inputs("onehot", N)
        after = rk.risk_after(
            cs,
            before,
            onehot,
            cs.private_input("d"),
            old,
            position_inputs(cs, "p"),
            m,
            c,
            with_terms=with_terms,
        )
        cs.public_output("v", after.value)

    assert build(terms_body).n_constraints == 226
    assert build(account_body).n_constraints == 8 * 226
    assert build(lambda cs: after_body(cs, False)).n_constraints == 226
    assert build(lambda cs: after_body(cs, True)).n_constraints == 226 + 5 * N
    assert build(compare_body).n_constraints == 171 + 91 + 195


def test_differential(program: Program) -> None:
    rng = random.Random(7)
    verdicts = {True: 0, False: 0}
    seen = dict.fromkeys(("withdrawable", "liquidatable", "settled_below"), 0)
    for case in range(150):
        mkts, acct = random_account(rng)
        fill = random_fill(rng, mkts, acct)
        if fill is None:
            m, after = 0, acct
            while mkts[m] is None:
                m += 1
        else:
            m, after = fill
        # half the accounts sit near the margin the trade rule checks after the fill
        if rng.random() < 0.6:
            zero = Acct(0, after.sizes, after.costs, after.fsnaps)
            v0, _, im, mm = Margin.compute_risk(state(mkts), zero)  # type: ignore[arg-type]
            target = rng.choice([im, mm, (im + mm) // 2])
            col_after = target - v0 + rng.randrange(-2, 3) * rng.choice([1, max(im // 8, 1)])
            shift = col_after - after.collateral
            if abs(col_after) < 2**80 and abs(acct.collateral + shift) < 2**80:
                acct.collateral += shift
                after.collateral = col_after
        assert abs(acct.collateral) < 2**80 and abs(after.collateral) < 2**80
        ok = allowed(mkts, after, m, acct.sizes[m])
        verdicts[ok] += 1
        ins = inputs(mkts, acct) | fill_inputs(m, after, after.collateral - acct.collateral, int(ok))
        solved = solve_ok(program, ins, mutation=case < 10)
        check_outputs(solved, expected(mkts, acct), "")
        exp_after = expected(mkts, after)
        check_outputs(solved, exp_after, "after_")
        seen["withdrawable"] += exp_after["withdrawable"] > 0
        seen["liquidatable"] += exp_after["liquidatable"]
        seen["settled_below"] += exp_after["settled"] < exp_after["value"]
        if not ok:
            solve_fails(program, ins | {"enabled": 1}, "trade/margin")
            program.solve(ins | {"enabled": 0})
    assert min(verdicts.values()) >= 10, verdicts
    assert min(seen.values()) >= 10, seen  # both sides of every comparison were exercised


def one_market() -> list[Mkt | None]:
    mk = Mkt(0, mark_price=1000, mult=1, step=10, funding_index=0, imf=100_000, mmf=50_000, max_price=10**6)
    return [mk] + [None] * (N - 1)


@pytest.mark.parametrize(
    ("size", "new_size", "collateral", "allowed_"),
    [
        (100, 200, 15_000, False),  # increase: value 15,000 < initial 20,000
        (100, 200, 20_000, True),
        (200, 100, 7_000, True),  # reduce: value 7,000 >= maintenance 5,000, < initial 10,000
        (200, 100, 4_999, False),  # reduce, below maintenance
        (-200, -100, 7_000, True),  # short reduce
        (-200, -300, 29_999, False),  # short increase
        (200, 0, 0, True),  # close out
        (100, -100, 7_000, False),  # flip: not a reduction, value < initial
        (100, -100, 10_000, True),
        (0, 100, 9_999, False),  # open
        (200, 200, 7_000, False),  # unchanged is no reduction
    ],
)
def test_trade_rule(program: Program, size: int, new_size: int, collateral: int, allowed_: bool) -> None:
    mkts = one_market()
    acct = Acct(collateral)
    acct.sizes[0], acct.costs[0] = size, size * 1000
    after = Acct(collateral, list(acct.sizes), [new_size * 1000] + [0] * (N - 1), list(acct.fsnaps))
    after.sizes[0] = new_size
    assert allowed(mkts, after, 0, size) is allowed_
    ins = inputs(mkts, acct) | fill_inputs(0, after, 0, 1)
    if allowed_:
        check_outputs(solve_ok(program, ins, mutation=False), expected(mkts, after), "after_")
    else:
        solve_fails(program, ins, "trade/margin")
        program.solve(ins | {"enabled": 0})


def honest(program: Program) -> tuple[dict[str, Any], list[int]]:
    mkts = one_market()
    mkts[3] = Mkt(3, 12_345, 100, 1000, 10**12, 200_000, 30_000, 10**6)
    acct = Acct(10**11)
    acct.sizes[0], acct.costs[0], acct.fsnaps[0] = -70, -71_000, 5
    acct.sizes[3], acct.costs[3], acct.fsnaps[3] = 37_000, 45_000_000_000, 10**12 - 999
    ins = inputs(mkts, acct) | fill_inputs(3, acct, 0, 1)
    return ins, program.solve(ins).values()


def wire(program: Program, name: str) -> int:
    for w in range(program.n_wires):
        if program.wire_name(w) == name:
            return w
    raise KeyError(name)


@pytest.mark.parametrize(
    ("tampered", "delta", "where"),
    [
        ("risk/m3/lots_hint", 1, "risk/m3/lots"),  # wrong claimed quotient
        ("risk/m3/lots_range/b[48]", -1, "risk/m3/lots_range"),  # wrong sign bit
        ("risk/m3/initial/ceil_hint/q", 1, "risk/m3/initial"),  # wrong rounded quotient
        ("risk/m3/initial/rem_range/b[3]", 1, "risk/m3/initial"),  # wrong remainder
        ("risk/m3/split_hint/r", 1, "risk/m3/"),  # wrong split of the notional
    ],
)
def test_tampered_hints(program: Program, tampered: str, delta: int, where: str) -> None:
    _, w = honest(program)
    w[wire(program, tampered)] += delta
    name = program.check(w)
    assert name is not None and name.startswith(where), name


def test_wrong_sign_with_consistent_lots(program: Program) -> None:
    # Flip the sign bit and move lots by 2^48 so the range decomposition still sums: lots * step = size breaks.
    _, w = honest(program)
    w[wire(program, "risk/m3/lots_range/b[48]")] = 0
    w[wire(program, "risk/m3/lots_hint")] = (w[wire(program, "risk/m3/lots_hint")] - 2**48) % R
    assert program.check(w) == "risk/m3/lots"


def set_bits(program: Program, w: list[int], prefix: str, value: int, n: int) -> None:
    """Write value's bits into those of prefix/b[i] that folding kept as wires."""
    for i in range(n):
        with contextlib.suppress(KeyError):
            w[wire(program, f"{prefix}/b[{i}]")] = (value >> i) & 1


def test_remainder_off_by_a_unit(program: Program) -> None:
    # q + 1 with remainder + 10^6 keeps the ceil equation: the remainder's range check refuses it.
    # (Honest here: lo = 500,000, imf = 20%, so q = 100,000 and the remainder is 0.)
    _, w = honest(program)
    neg_q = wire(program, "risk/m3/initial/ceil_hint/q")
    assert w[neg_q] == R - 100_000
    w[neg_q] -= 1
    set_bits(program, w, "risk/m3/initial/q_range", 100_001, rk.LO_CEIL_BITS)
    set_bits(program, w, "risk/m3/initial/rem_range", C.PPM, 20)
    name = program.check(w)
    assert name is not None and name.startswith("risk/m3/initial/rem_range"), name


def test_bad_positions(program: Program) -> None:
    ins, _ = honest(program)
    solve_fails(program, ins | {"p3_size": 37_001}, "risk/m3/lots_range")  # not a multiple of the step
    solve_fails(program, ins | {"new_size": 37_500}, "risk_after/terms/lots_range")
    solve_fails(program, ins | {"p3_size": 2**48 * 1000}, "risk/m3/lots_range")  # |s| >= 2^48
    # notional >= 2^72 (outside protocol.md 4.1): no witness
    solve_fails(program, ins | {"k3_mark": 2**40 - 1, "p3_size": (2**47 // 1000) * 1000}, "risk/m3/split_hi")
