"""circuits/batch/oracle_rule.py against the exchange core: a real Exchange runs oracle updates
(first price, small moves, breaker trips, staleness then recovery, 3..7 signers, book and last
trade inputs), and each ORACLE_UPDATE step's record feeds the circuit, which must reproduce the
market after; broken rules fail at named constraints."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from typing import Any

import pytest

from circuits.batch.oracle_rule import OracleEntry, configured_signers, oracle_rule
from circuits.batch.vars import MARKET_FIELDS, MarketConfigVars, MarketVars, ParamsVars
from circuits.dsl import Circuit, Program, Solved
from circuits.primitives.field import R
from protocol import constants as C
from protocol.messages.order import TimeInForce
from protocol.records import Step, StepKind
from sequencer.config import ExchangeConfig
from tests.circuits.helpers import solve_fails, solve_ok
from tests.sequencer.world import BTC, BTC_MARKET, BUY, SELL, World, make_config, oracle_signer

ENTRY = ("present", "signer", "price", "timestamp", "expiry")
SCALARS = (
    "oracle_quorum",
    "oracle_max_age_s",
    "oracle_max_skew_s",
    "funding_interval_s",
    "funding_premium_divisor",
    "recovery_quorum",
    "auction_duration_s",
)
CFG_NAMES = {"imf": "initial_margin_ppm", "mmf": "maintenance_margin_ppm"}
EXPECTED_CONSTRAINTS = 2424  # the rule with the signer flags given (they are computed once per batch)


def build(with_flags: bool = True) -> Program:
    cs = Circuit("oracle_test")
    entries = [
        OracleEntry(*(cs.private_input(f"e{i}_{f}") for f in ENTRY)) for i in range(C.MAX_ORACLE_SIGNERS)
    ]
    market = MarketVars(*(cs.private_input(f"m_{f}") for f in MARKET_FIELDS))
    cfg = MarketConfigVars(*(cs.private_input(f"c_{f.name}") for f in fields(MarketConfigVars)))
    params = ParamsVars(
        cs.private_inputs("xs", C.MAX_ORACLE_SIGNERS),
        cs.private_inputs("ys", C.MAX_ORACLE_SIGNERS),
        *(cs.private_input(s) for s in SCALARS),
    )
    now, book, last, rec = (cs.private_input(s) for s in ("now", "book", "last", "recovery"))
    flags = configured_signers(cs, params) if with_flags else None
    out = oracle_rule(cs, entries, market, cfg, params, now, book, last, rec, configured=flags)
    for f in MARKET_FIELDS:
        cs.public_output(f"out_{f}", getattr(out, f))
    return cs.compile()


@pytest.fixture(scope="module")
def program() -> Program:
    return build()


def count(p: Program, prefix: str) -> int:
    return sum(p.constraint_name(i).startswith(prefix) for i in range(p.n_constraints))


def expected(step: Step) -> list[int]:
    after = step.global_after.markets[step.data.market_id]
    assert after is not None
    return [getattr(after, f) % R for f in MARKET_FIELDS]


def outputs(solved: Solved) -> list[int]:
    return [solved.signal(f"out_{f}") for f in MARKET_FIELDS]


def inputs_of(cfg: ExchangeConfig, step: Step, now: int) -> dict[str, Any]:
    d = step.data
    before = step.global_before.markets[d.market_id]
    after = step.global_after.markets[d.market_id]
    mcfg = cfg.market(d.market_id)
    assert before is not None and after is not None and mcfg is not None
    ins: dict[str, Any] = {}
    for i in range(C.MAX_ORACLE_SIGNERS):
        if i < len(d.prices):
            sp = d.prices[i]
            vals = (1, sp.signer, sp.msg.price, sp.msg.timestamp, sp.msg.expiry)
        else:
            vals = (0, 0, 0, 0, 0)
        for f, v in zip(ENTRY, vals, strict=True):
            ins[f"e{i}_{f}"] = v
    for f in MARKET_FIELDS:
        ins[f"m_{f}"] = getattr(before, f) % R
    for name in (fl.name for fl in fields(MarketConfigVars)):
        if name == "configured":
            v = 1
        elif name == "mult":
            v = mcfg.multiplier
        else:
            v = getattr(mcfg, CFG_NAMES.get(name, name))
        ins[f"c_{name}"] = v % R
    keys = list(cfg.oracle_signers) + [(0, 0)] * (C.MAX_ORACLE_SIGNERS - len(cfg.oracle_signers))
    ins["xs"] = [k[0] for k in keys]
    ins["ys"] = [k[1] for k in keys]
    for s in SCALARS:
        ins[s] = cfg.recovery_quorum if s == "recovery_quorum" else getattr(cfg, s)
    ins.update(now=now, book=d.book_price, last=d.last_trade_price, recovery=int(d.recovery))
    return ins


# -- driving the exchange -----------------------------------------------------------------------------


def run_world(seed: int, n_signers: int) -> list[tuple[ExchangeConfig, Step, int]]:
    rng = random.Random(seed)
    quorum = n_signers // 2 + 1
    market = replace(
        BTC_MARKET, breaker_move_ppm=40_000, breaker_window_s=40, cooldown_s=60, mark_window_s=30
    )
    config = replace(
        make_config(markets=(market,)),
        oracle_signers=tuple(oracle_signer(i).pub for i in range(n_signers)),
        oracle_quorum=quorum,
        oracle_recovery_quorum=rng.choice([0, quorum, n_signers]),
    )
    w = World(config)
    w.funded(4)
    steps: list[tuple[ExchangeConfig, Step, int]] = []

    def update(price: int, k: int, spread_ppm: int = 5_000, lag: int = 3) -> None:
        signers = tuple(rng.sample(range(n_signers), k))
        op = w.oracle_op(BTC, price, signers)
        prices = []
        for sp in op.prices:
            px = max(1, price + price * rng.randint(-spread_ppm, spread_ppm) // 1_000_000)
            if rng.random() < 0.1:
                px = px * rng.choice([2, 3]) // rng.choice([1, 2, 4])  # an outlier
            ts = w.time - rng.randint(0, lag)
            msg = replace(sp.msg, price=px, timestamp=ts, expiry=ts + config.oracle_max_age_s)
            prices.append(replace(sp, msg=msg, sig=oracle_signer(sp.signer).sign(msg.hash(w.domain))))
        res = w.apply(replace(op, prices=tuple(prices)))
        if res.ok:
            assert res.record is not None
            steps.extend((config, s, op.time) for s in res.record.steps if s.kind == StepKind.ORACLE_UPDATE)

    price = 5_000_000
    update(price, quorum)
    for _ in range(3):  # prices that never moved through the bound
        w.tick(rng.randint(4, 10))
        update(price, rng.randint(quorum, n_signers))
    # a book around the price and a last trade
    mk = w.ex.markets[BTC]
    assert mk is not None
    p = mk.oracle_price // 100 * 100
    assert w.order(1, BTC, SELL, p + 3_000, 200).ok
    assert w.order(2, BTC, BUY, p - 2_000, 200).ok
    assert w.order(3, BTC, SELL, p, 100).ok
    assert w.order(0, BTC, BUY, p, 100, tif=TimeInForce.IOC).ok
    for _ in range(3):  # +2.4% every 5 s: past the 4% breaker within its window
        w.tick(5)
        update(mk.oracle_price * 1_024 // 1_000, n_signers, spread_ppm=0, lag=0)
    for _ in range(14):
        r = rng.random()
        if r < 0.15:
            w.tick(rng.randint(70, 200))  # stale: a recovery (or a rejected move)
            target = mk.oracle_price * rng.choice([650, 1_300, 1_010]) // 1_000
            update(target, rng.choice([quorum, n_signers, n_signers]), lag=1)
        else:
            w.tick(rng.randint(1, 12))
            move = rng.choice([-30_000, -10_000, 0, 5_000, 24_000, 30_000])
            update(mk.oracle_price * (1_000_000 + move) // 1_000_000, rng.randint(quorum, n_signers))
    return steps


@pytest.fixture(scope="module")
def records() -> list[tuple[ExchangeConfig, Step, int]]:
    out = []
    for seed, n in enumerate((3, 4, 5, 6, 7, 7)):
        out += run_world(seed, n)
    return out


def test_constraint_count(program: Program) -> None:
    assert count(program, "oracle/") == EXPECTED_CONSTRAINTS
    assert count(program, "oracle_set/") == 7 * 7  # once per batch


def test_matches_the_exchange(program: Program, records: list[tuple[ExchangeConfig, Step, int]]) -> None:
    kinds = {"first": 0, "recovery": 0, "trip": 0, "normal": 0, "book": 0, "big": 0}
    for i, (cfg, step, now) in enumerate(records):
        d = step.data
        before = step.global_before.markets[d.market_id]
        after = step.global_after.markets[d.market_id]
        assert before is not None and after is not None
        kinds["first"] += d.previous_price == 0
        kinds["recovery"] += d.recovery
        kinds["trip"] += after.status == C.STATUS_REDUCE_ONLY and after.ref_time == d.timestamp
        kinds["normal"] += d.previous_price != 0 and not d.recovery
        kinds["book"] += d.book_price != d.price
        kinds["big"] += len(d.prices) >= 6
        solved = solve_ok(program, inputs_of(cfg, step, now), mutation=i % 10 == 0)
        assert outputs(solved) == expected(step), (i, d)
    assert len(records) >= 60
    assert all(kinds.values()), kinds


# -- broken rules --------------------------------------------------------------------------------------


def pick(records: list[tuple[ExchangeConfig, Step, int]], cond: Any) -> dict[str, Any]:
    for cfg, step, now in records:
        if cond(step.data, step.global_before.markets[step.data.market_id], cfg):
            return inputs_of(cfg, step, now)
    raise AssertionError("no such step")


def normal(d: Any, m: Any, cfg: Any) -> bool:
    return d.previous_price != 0 and not d.recovery and len(d.prices) >= 3


def test_too_few_signers(program: Program, records: list) -> None:
    ins = pick(records, lambda d, m, cfg: normal(d, m, cfg) and len(d.prices) == cfg.oracle_quorum)
    k = ins["oracle_quorum"]
    ins[f"e{k - 1}_present"] = ins[f"e{k - 1}_signer"] = 0
    ins[f"e{k - 1}_expiry"] = ins[f"e{k - 1}_timestamp"]
    solve_fails(program, ins, "oracle/signers/quorum")


def test_repeated_and_unknown_signer(program: Program, records: list) -> None:
    ins = pick(records, normal)
    ins["e1_signer"] = ins["e0_signer"]
    solve_fails(program, ins, "oracle/signers/distinct")
    ins = pick(records, lambda d, m, cfg: normal(d, m, cfg) and len(cfg.oracle_signers) < 7)
    used = {ins[f"e{i}_signer"] for i in range(7) if ins[f"e{i}_present"]}
    ins["e0_signer"] = 6
    if 6 not in used:
        solve_fails(program, ins, "oracle/signers/configured6")


def test_absent_entries_after_present_ones(program: Program, records: list) -> None:
    ins = pick(records, lambda d, m, cfg: normal(d, m, cfg) and len(d.prices) < 7)
    ins["e0_present"] = 0
    solve_fails(program, ins, "oracle/signers/")


def test_median_is_the_lower_median(program: Program, records: list) -> None:
    ins = pick(records, lambda d, m, cfg: normal(d, m, cfg) and len({p.msg.price for p in d.prices}) >= 3)
    k = sum(ins[f"e{i}_present"] for i in range(7))
    prices = sorted(ins[f"e{i}_price"] for i in range(k))
    solved = program.solve(ins)
    assert solved.signal("out_oracle_price") == prices[(k - 1) // 2]
    wires = solved.values()
    out = next(w for w in range(program.n_wires) if program.wire_name(w) == "out_oracle_price")
    wires[out] = prices[(k - 1) // 2 + 1]  # the next one up: a claimed price that is not the median
    assert program.check(wires) is not None
    # a sorted hint that is not sorted
    wires = solved.values()
    u = [w for w in range(program.n_wires) if program.wire_name(w).startswith("oracle/prices/sorted[")]
    assert len(u) == 7
    wires[u[5]], wires[u[6]] = wires[u[6]], wires[u[5]]
    bad = program.check(wires)
    assert bad is not None and "oracle/prices/" in bad


def test_move_bound_and_recovery_flag(program: Program, records: list) -> None:
    ins = pick(records, normal)
    for i in range(7):
        ins[f"e{i}_price"] = ins[f"e{i}_price"] * 105 // 100
    solve_fails(program, ins, "oracle/move/bound")
    ins = pick(records, normal)
    ins["recovery"] = 1
    solve_fails(program, ins, "oracle/recovery/flag")
    ins = pick(records, lambda d, m, cfg: d.recovery)
    ins["recovery"] = 0
    solve_fails(program, ins, "oracle/recovery/flag")


def test_book_and_last_in_band(program: Program, records: list) -> None:
    ins = pick(records, normal)
    p = program.solve(ins).signal("out_oracle_price")
    band = ins["c_price_band_ppm"]
    ins["book"] = p + p * band // 1_000_000 + 1
    solve_fails(program, ins, "oracle/band/book")
    ins = pick(records, normal)
    ins["last"] = p - p * band // 1_000_000 - 2
    solve_fails(program, ins, "oracle/band/last")


def test_message_times(program: Program, records: list) -> None:
    ins = pick(records, normal)
    ins["e1_timestamp"] = ins["m_oracle_time"]
    ins["e1_expiry"] = ins["e1_timestamp"] + ins["oracle_max_age_s"]
    solve_fails(program, ins, "oracle/times/after_oracle_time")
    ins = pick(records, normal)
    ins["e1_timestamp"] = ins["now"] + ins["oracle_max_skew_s"] + 1
    ins["e1_expiry"] = ins["e1_timestamp"] + ins["oracle_max_age_s"]
    solve_fails(program, ins, "oracle/times/not_future")
    ins = pick(records, normal)
    ins["e0_expiry"] += 1
    solve_fails(program, ins, "oracle/times/expiry0")
    ins = pick(
        records, lambda d, m, cfg: d.recovery and d.timestamp - m.oracle_time > cfg.oracle_max_age_s + 2
    )
    ins["e0_timestamp"] = ins["now"] - ins["oracle_max_age_s"] - 1  # still after the market's time
    ins["e0_expiry"] = ins["e0_timestamp"] + ins["oracle_max_age_s"]
    solve_fails(program, ins, "oracle/times/not_expired")


def test_price_bounds_and_sample_count(program: Program, records: list) -> None:
    ins = pick(records, normal)
    ins["c_max_price"] = program.solve(ins).signal("out_oracle_price") - 1
    solve_fails(program, ins, "oracle/prices/max_price")
    ins = pick(records, normal)
    ins["e0_price"] = 0
    solve_fails(program, ins, "oracle/prices/nonzero0")
    ins = pick(records, normal)
    ins["m_premium_samples"] = (1 << 32) - 1
    solve_fails(program, ins, "oracle/premium/samples_range")
