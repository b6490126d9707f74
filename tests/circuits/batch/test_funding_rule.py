"""The FUNDING_TICK rule (circuits/batch/funding_rule.py) against the exchange core: a real exchange
samples book premiums at its oracle updates and ticks funding; each FUNDING_TICK step's
global_before goes in, and the circuit's markets (and funding time) must equal its global_after."""

from __future__ import annotations

import random
from dataclasses import fields
from typing import Any

import pytest

from circuits.batch.funding_rule import funding_market, funding_market_parts, funding_time_rule
from circuits.batch.vars import MARKET_FIELDS, MarketConfigVars, MarketVars, ParamsVars
from circuits.dsl import Circuit, Program, Solved
from circuits.primitives.field import R
from protocol.constants import MAX_MARKETS, RATE_SCALE, STATUS_HALTED
from protocol.errors import ErrorCode
from protocol.records import GlobalState, MarketState, Step, StepKind
from sequencer.config import ExchangeConfig, MarketConfig
from sequencer.market import Market
from tests.circuits.helpers import build, solve_fails, solve_ok
from tests.sequencer.world import BTC, BTC_MARKET, BUY, ETH, ETH_MARKET, SELL, World, make_config

SOL = 5  # a third market id, configured but never priced; ids 2, 3, 4, 6, 7 are not configured
SOL_MARKET = MarketConfig(
    **{**ETH_MARKET.__dict__, "market_id": SOL, "symbol": "SOL-USD", "max_price": 10_000_000}
)
CONFIG_FIELDS = [f.name for f in fields(MarketConfigVars)]
PARAM_SCALARS = [f.name for f in fields(ParamsVars) if f.name not in ("oracle_xs", "oracle_ys")]
MARKET_COST, TIME_COST = 423, 84


# -- the circuit: one FUNDING_TICK step, 8 market slots and the time rule ---------------------------------
def step_circuit(cs: Circuit) -> None:
    now = cs.private_input("now")
    params = ParamsVars(
        oracle_xs=[], oracle_ys=[], **{k: cs.private_input(f"params.{k}") for k in PARAM_SCALARS}
    )
    cs.public_output(
        "funding_time_after", funding_time_rule(cs, cs.private_input("funding_time"), params, now)
    )
    for j in range(MAX_MARKETS):
        mk = MarketVars(*(cs.private_input(f"m{j}.{k}") for k in MARKET_FIELDS))
        cfg = MarketConfigVars(*(cs.private_input(f"c{j}.{k}") for k in CONFIG_FIELDS))
        with cs.scope(f"m{j}"):
            after, parts = funding_market_parts(cs, mk, cfg, params, now)
        for k in MARKET_FIELDS:
            cs.public_output(f"m{j}.after.{k}", getattr(after, k))
        for k in ("applied", "premium", "rate_abs", "rate_neg", "delta"):
            cs.public_output(f"m{j}.{k}", getattr(parts, k))


@pytest.fixture(scope="module")
def program() -> Program:
    return build(step_circuit, "funding_step")


def config_inputs(cfg: MarketConfig | None) -> dict[str, int]:
    if cfg is None:
        return dict.fromkeys(CONFIG_FIELDS, 0)
    values = {k: getattr(cfg, k) for k in CONFIG_FIELDS if hasattr(cfg, k)}
    values |= {"imf": cfg.initial_margin_ppm, "mmf": cfg.maintenance_margin_ppm}
    values |= {"configured": 1, "mult": cfg.multiplier}
    assert set(values) == set(CONFIG_FIELDS)
    return values


def inputs(config: ExchangeConfig, g: GlobalState, now: int) -> dict[str, Any]:
    out: dict[str, Any] = {"now": now, "funding_time": g.funding_time}
    out |= {f"params.{k}": getattr(config, k) for k in PARAM_SCALARS}
    cfgs: dict[int, MarketConfig] = {m.market_id: m for m in config.markets}
    for j in range(MAX_MARKETS):
        mk = g.markets[j] or MarketState(0, 0, 0, 0)
        out |= {f"m{j}.{k}": v % R for k, v in zip(MARKET_FIELDS, mk, strict=True)}
        out |= {f"c{j}.{k}": v % R for k, v in config_inputs(cfgs.get(j)).items()}
    return out


def signed(v: int) -> int:
    return v - R if v > R // 2 else v


def check_step(program: Program, config: ExchangeConfig, step: Step, now: int, audit: bool) -> Solved:
    assert step.kind == StepKind.FUNDING_TICK
    s = solve_ok(program, inputs(config, step.global_before, now), mutation=audit)
    after = step.global_after
    assert s.signal("funding_time_after") == after.funding_time == now
    applied = {f.market_id: f for f in step.data.markets}
    for j in range(MAX_MARKETS):
        want = after.markets[j] or MarketState(0, 0, 0, 0)
        got = tuple(signed(s.signal(f"m{j}.after.{k}")) for k in MARKET_FIELDS)
        assert got == tuple(want), f"market {j}"
        assert s.signal(f"m{j}.applied") == int(j in applied)
        if j in applied:
            f = applied[j]
            rate = s.signal(f"m{j}.rate_abs") * (-1 if s.signal(f"m{j}.rate_neg") else 1)
            assert (signed(s.signal(f"m{j}.premium")), rate) == (f.premium_ppb, f.rate_ppb)
            assert signed(s.signal(f"m{j}.delta")) == f.index_delta
        else:
            assert s.signal(f"m{j}.delta") == 0
    return s


# -- the exchange: three markets, odd divisor, books that give premiums --------------------------------
def world() -> World:
    config = make_config((BTC_MARKET, ETH_MARKET, SOL_MARKET), funding_premium_divisor=3)
    w = World(config).funded(4)
    # prices that do not divide evenly: the samples and averages truncate
    assert w.oracle(BTC, 5_000_037).ok
    assert w.oracle(ETH, 300_013).ok
    return w


def market(w: World, market_id: int) -> Market:
    mk = w.ex.markets[market_id]
    assert mk is not None
    return mk


def tick(w: World) -> tuple[Step, int]:
    res = w.funding()
    assert res.ok and res.record is not None, res
    (step,) = res.record.steps
    return step, w.time


def book(w: World, trader: int, market: int, bid: int, ask: int) -> list[int]:
    """A resting bid and ask (no cross): the mid sets the next samples. Returns the order ids."""
    ids = []
    for side, price in ((BUY, bid), (SELL, ask)):
        assert w.order(trader, market, side, price, 10, expiry=w.time + 10**7).ok
        ids.append(w.order_ids[trader])
    return ids


def clear(w: World, trader: int, ids: list[int]) -> None:
    for oid in ids:
        assert w.cancel(trader, oid).ok


@pytest.fixture(scope="module")
def scripted() -> tuple[ExchangeConfig, list[tuple[Step, int]], World]:
    """Ticks through: genesis samples, premiums both ways, the cap both ways, a halt after a recovery
    (skipped, its samples kept) and the tick after it."""
    w = world()
    steps = [tick(w)]
    # BTC mid above the index by ~0.3% (rate below the cap), ETH mid below by odd amounts
    ids_b = book(w, 2, BTC, 5_010_000, 5_020_000)
    ids_e = book(w, 3, ETH, 299_400, 299_530)
    for k in range(3):  # ETH's samples differ: their average truncates
        w.tick(7)
        assert w.oracle(BTC, 5_000_037).ok
        assert w.oracle(ETH, 300_013 + 17 * (k + 1)).ok
    w.tick(w.config.funding_interval_s)
    w.refresh()
    steps.append(tick(w))
    # the cap both ways: BTC +2% (rate 0.67% > 0.1%), ETH -4%
    clear(w, 2, ids_b)
    clear(w, 3, ids_e)
    ids_b = book(w, 2, BTC, 5_090_000, 5_110_000)
    ids_e = book(w, 3, ETH, 287_000, 289_000)
    w.tick(w.config.funding_interval_s)
    w.refresh()
    w.tick(11)
    w.refresh()
    steps.append(tick(w))
    # an outage, a recovery of BTC (halted), ETH back with a bounded update: BTC is skipped
    clear(w, 2, ids_b)
    w.tick(w.config.funding_interval_s)
    assert w.oracle(BTC, 3_250_019, signers=(0, 1, 2), walk=False).ok
    w.tick()
    assert w.oracle(ETH, 300_013).ok
    assert market(w, BTC).status == STATUS_HALTED
    assert market(w, BTC).halted(w.time) and market(w, BTC).premium_samples > 0
    steps.append(tick(w))
    # the halt over: BTC's kept samples (and new ones) are used
    while market(w, BTC).halted(w.time):
        w.tick(100)
        w.refresh()
    w.tick(w.config.funding_interval_s)
    w.refresh()
    steps.append(tick(w))
    return w.config, steps, w


def test_scripted_ticks(program: Program, scripted: Any) -> None:
    config, steps, _ = scripted
    for step, now in steps:
        check_step(program, config, step, now, audit=True)
    rates = [{f.market_id: f.rate_ppb for f in step.data.markets} for step, _ in steps]
    cap = BTC_MARKET.funding_cap_ppb
    assert rates[2] == {BTC: cap, ETH: -cap}  # the cap both ways
    assert BTC not in rates[3] and ETH in rates[3]  # the halted market is skipped
    assert 0 < rates[1][BTC] < cap and -cap < rates[1][ETH] < 0
    halted_before = steps[3][0].global_before.markets[BTC]
    assert halted_before is not None and halted_before.premium_samples > 0
    assert steps[3][0].global_after.markets[BTC] == halted_before  # kept as it was
    deltas = [f.index_delta for step, _ in steps for f in step.data.markets]
    assert any(d < 0 for d in deltas) and any(d > 0 for d in deltas)


def test_random_ticks(program: Program) -> None:
    """Seeded random books and prices: many premium averages and truncations, each step checked."""
    rng = random.Random(7)
    w = world()
    check_step(program, w.config, *tick(w), audit=False)
    resting: dict[int, list[int]] = {BTC: [], ETH: []}
    traders = {BTC: 2, ETH: 3}
    checked = 0
    for _ in range(12):
        for mk_id in (BTC, ETH):
            mk = market(w, mk_id)
            tick_size = mk.cfg.tick_size
            clear(w, traders[mk_id], resting[mk_id])
            p = mk.oracle_price
            off = rng.randrange(-4_500, 4_500)  # ppm of the price: rates both ways, some at the cap
            mid = p + p * off // 1_000_000
            half = rng.randrange(1, 30) * tick_size
            bid = (mid - half) // tick_size * tick_size
            resting[mk_id] = book(w, traders[mk_id], mk_id, bid, bid + 2 * half)
        for _ in range(rng.randrange(1, 5)):
            w.tick(rng.randrange(1, 20))
            for mk_id in (BTC, ETH):  # small oracle moves: the index and the samples change
                mk = market(w, mk_id)
                move = mk.oracle_price * rng.randrange(-900, 900) // 1_000_000
                assert w.oracle(mk_id, mk.oracle_price + move).ok
        w.tick(w.config.funding_interval_s)
        w.refresh()
        check_step(program, w.config, *tick(w), audit=False)
        checked += 1
    assert checked == 12


# -- invalid: what the core rejects, and tampered witnesses --------------------------------------------------
def test_too_early(program: Program, scripted: Any) -> None:
    config, steps, _ = scripted
    step, now = steps[1]
    g = step.global_after
    solve_fails(program, inputs(config, g, now + config.funding_interval_s - 1), "funding_time/not_early")
    solve_ok(program, inputs(config, g, now + config.funding_interval_s) | stale_free(g, now), mutation=False)


def stale_free(g: GlobalState, now: int) -> dict[str, int]:
    """Oracle times moved up so that no market is stale at now + interval (for the valid twin)."""
    return {f"m{j}.oracle_time": now + 3600 for j, mk in enumerate(g.markets) if mk and mk.oracle_price}


def test_stale_market(program: Program) -> None:
    w = world()
    assert w.funding().ok
    w.tick(w.config.funding_interval_s)
    res = w.ex.apply(w.funding_op())
    assert not res.ok and res.code == ErrorCode.ORACLE_STALE
    solve_fails(program, inputs(w.config, w.ex.global_state(), w.time), "m0/funding/not_stale")
    # the unpriced and unconfigured markets have no price to be stale: a fresh BTC and ETH pass
    w.refresh()
    check_step(program, w.config, *tick(w), audit=False)


def tampered(program: Program, solved: Solved, changes: dict[str, int]) -> str | None:
    """Change the named wires of an honest witness; the first constraint it breaks."""
    by_name = {program.wire_name(i): i for i in range(program.n_wires)}
    w = solved.values()
    for name, delta in changes.items():
        w[by_name[name]] = (w[by_name[name]] + delta) % R
    return program.check(w)


def test_wrong_index_delta(program: Program, scripted: Any) -> None:
    """Off by one from truncation: the new index, the delta's quotient, the premium rounded down
    instead of toward zero, the rate's magnitude one more."""
    config, steps, _ = scripted
    step, now = steps[1]
    f = {m.market_id: m for m in step.data.markets}[ETH]
    assert f.index_delta < 0 and f.rate_ppb * f.index_price * 10 * 10 % RATE_SCALE != 0  # inexact
    before = step.global_before.markets[ETH]
    assert before is not None and before.premium_sum < 0 and before.premium_sum % before.premium_samples
    s = check_step(program, config, step, now, audit=False)
    m = f"m{ETH}/funding"
    for d in (1, -1):
        bad = tampered(program, s, {f"m{ETH}.after.funding_index": d})
        assert bad == f"{m}/delta/signed", bad
        bad = tampered(program, s, {f"{m}/delta/div/q": d})
        assert bad == f"{m}/delta/dividend", bad
    # floor(sum / n) - 1 with the remainder + n: premium = floor, rounded the wrong way
    bad = tampered(program, s, {f"{m}/premium/div/q": -1, f"{m}/premium/div/r": before.premium_samples})
    assert bad is not None and bad.startswith(f"{m}/premium/rem_"), bad
    # |rate| one more, the remainder one divisor less
    bad = tampered(program, s, {f"{m}/rate/div/q": 1, f"{m}/rate/div/r": -config.funding_premium_divisor})
    assert bad is not None and bad.startswith(f"{m}/rate/rem_"), bad


def test_samples_not_reset(program: Program, scripted: Any) -> None:
    config, steps, _ = scripted
    step, now = steps[1]
    s = check_step(program, config, step, now, audit=False)
    samples = step.global_before.markets[BTC].premium_samples
    assert samples > 0
    bad = tampered(program, s, {f"m{BTC}.after.premium_samples": samples})
    assert bad is not None and "m0/funding/reset_samples" in bad, bad


def test_constraint_counts() -> None:
    from circuits.batch.vars import MarketConfigVars as C
    from circuits.batch.vars import MarketVars as M

    def market(cs: Circuit) -> None:
        mk = M(*cs.private_inputs("m", len(MARKET_FIELDS)))
        cfg = C(*cs.private_inputs("c", len(CONFIG_FIELDS)))
        params = ParamsVars([], [], *cs.private_inputs("p", len(PARAM_SCALARS)))
        funding_market_parts(cs, mk, cfg, params, cs.private_input("now"))

    def time_rule(cs: Circuit) -> None:
        params = ParamsVars([], [], *cs.private_inputs("p", len(PARAM_SCALARS)))
        funding_time_rule(cs, cs.private_input("ft"), params, cs.private_input("now"))

    assert build(market).n_constraints == MARKET_COST
    assert build(time_rule).n_constraints == TIME_COST

    def gated(cs: Circuit) -> None:
        mk = M(*cs.private_inputs("m", len(MARKET_FIELDS)))
        cfg = C(*cs.private_inputs("c", len(CONFIG_FIELDS)))
        params = ParamsVars([], [], *cs.private_inputs("p", len(PARAM_SCALARS)))
        now, active = cs.private_input("now"), cs.private_input("active")
        funding_market(cs, mk, cfg, params, now, active=active)
        funding_time_rule(cs, cs.private_input("ft"), params, now, active=active)

    assert build(gated).n_constraints == MARKET_COST + TIME_COST + 2


def test_active_gates_the_assertions(scripted: Any) -> None:
    """With `active`, a slot holding another step kind asserts nothing: too early and stale pass."""
    config, steps, _ = scripted

    def body(cs: Circuit) -> None:
        active, now = cs.private_input("active"), cs.private_input("now")
        cs.assert_bool(active, "active_bool")
        params = ParamsVars(
            oracle_xs=[], oracle_ys=[], **{k: cs.private_input(f"params.{k}") for k in PARAM_SCALARS}
        )
        funding_time_rule(cs, cs.private_input("funding_time"), params, now, active=active)
        mk = MarketVars(*(cs.private_input(f"m0.{k}") for k in MARKET_FIELDS))
        cfg = MarketConfigVars(*(cs.private_input(f"c0.{k}") for k in CONFIG_FIELDS))
        with cs.scope("m0"):
            after = funding_market(cs, mk, cfg, params, now, active=active)
        cs.public_output("index", after.funding_index)

    p = build(body, "gated")
    step, now = steps[1]
    full = inputs(config, step.global_after, now + 1)  # too early, and BTC is stale
    ins = {k: v for k, v in full.items() if k in p.compiled.inputs}
    solve_ok(p, ins | {"active": 0})
    solve_fails(p, ins | {"active": 1}, "funding_time/not_early")
    later = inputs(config, step.global_after, now + config.funding_interval_s)
    solve_fails(
        p, {k: v for k, v in later.items() if k in p.compiled.inputs} | {"active": 1}, "m0/funding/not_stale"
    )
