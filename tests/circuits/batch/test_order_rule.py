"""The order checks of a fill (circuits.batch.order_rule) against the exchange core: the message hash
against OrderMessage.hash, every TRADE step of a randomly driven exchange passing with both orders,
and broken rules failing at a named constraint."""

from __future__ import annotations

import random
from typing import Any

import pytest

from circuits.batch import order_rule as orr
from circuits.batch.vars import MarketConfigVars
from circuits.dsl import Circuit, Program, as_lc
from circuits.primitives.field import R
from protocol import constants as C
from protocol.messages.order import OrderMessage, TimeInForce
from protocol.records import StepKind
from sequencer.fills import fee_of
from sequencer.market import band_limits
from tests.circuits.helpers import build, solve_fails, solve_ok
from tests.sequencer.world import BTC, ETH, World

CFG_INPUTS = ("tick_size", "step_size", "min_order_size", "max_price", "price_band_ppm")


def cfg_inputs(cs: Circuit) -> MarketConfigVars:
    zero = as_lc(0)
    vals = {f: cs.private_input(f"cfg_{f}") for f in CFG_INPUTS}
    return MarketConfigVars(**{f: vals.get(f, zero) for f in MarketConfigVars.__dataclass_fields__})


def fill_body(cs: Circuit) -> None:
    """One fill's order checks, as the trade step will use them."""
    en = cs.private_input("enabled")
    domain = cs.private_input("domain")
    maker, taker = orr.order_inputs(cs, "maker"), orr.order_inputs(cs, "taker")
    price, q, tside = cs.private_input("price"), cs.private_input("q"), cs.private_input("tside")
    oracle, now, market = cs.private_input("oracle"), cs.private_input("now"), cs.private_input("market")
    cfg = cfg_inputs(cs)
    mult = cs.private_input("mult")
    fees = cs.private_input("maker_fee_ppm"), cs.private_input("taker_fee_ppm")
    onehot = [as_lc(0)] * C.MAX_MARKETS
    cs.public_output("maker_hash", orr.order_hash(cs, maker, domain, "maker_msg"))
    cs.public_output("taker_hash", orr.order_hash(cs, taker, domain, "taker_msg"))
    sign = 1 - 2 * tside  # the taker's position moves by sign * q
    for role, o, side, delta in (("maker", maker, 1 - tside, -sign), ("taker", taker, tside, sign)):
        acct = cs.private_input(f"{role}_account")
        flags = orr.check_order(cs, o, acct, onehot, market, side, now, cfg, oracle, en, role)
        slot = cs.private_input(f"{role}_slot_id"), cs.private_input(f"{role}_slot_filled")
        (sid, filled), index = orr.slot_rule(cs, slot, o.order_id, q, o.size, en, f"{role}_slot")
        cs.public_output(f"{role}_slot_id_after", sid)
        cs.public_output(f"{role}_slot_filled_after", filled)
        cs.public_output(f"{role}_slot_index", index)
        d = cs.mul(delta, q, f"{role}_delta")
        size_before = cs.private_input(f"{role}_size_before")
        orr.check_reduce_only(cs, flags.reduce_only, size_before, d, en, f"{role}_reduce_only")
    orr.check_fill_price(cs, price, maker, taker, tside, oracle, cfg, en)
    notional = cs.mul(cs.mul(q, price, "qp"), mult, "notional")
    cs.public_output("maker_fee", orr.fill_fee(cs, notional, fees[0], "maker_fee"))
    cs.public_output("taker_fee", orr.fill_fee(cs, notional, fees[1], "taker_fee"))


@pytest.fixture(scope="module")
def fill_program() -> Program:
    return build(fill_body, "fill")


def trade_cases(seed: int, n_ops: int) -> list[dict[str, Any]]:
    """Drive a real exchange with random orders; one assignment (and its expected outputs) per TRADE
    step."""
    rng = random.Random(seed)
    w = World().funded(4).priced()
    cases: list[dict[str, Any]] = []
    for i in range(n_ops):
        w.tick(rng.choice((0, 0, 1, 2)))
        if i % 25 == 24:  # move the oracle a little: makers may leave the band
            for m in (BTC, ETH):
                mk = w.ex.markets[m]
                assert mk is not None
                w.oracle(m, mk.oracle_price + mk.oracle_price * rng.randint(-15, 15) // 1000)
        m = rng.choice((BTC, ETH))
        mk = w.ex.markets[m]
        assert mk is not None
        trader, side = rng.randrange(4), rng.randrange(2)
        lo, hi = band_limits(mk.oracle_price, mk.band)
        mid = mk.oracle_price // mk.tick * mk.tick
        price = mid + mk.tick * rng.randint(-8, 8) * (1 if rng.random() < 0.8 else 40)
        price = max(min(price, hi // mk.tick * mk.tick), -(-lo // mk.tick) * mk.tick)
        size = mk.step * rng.randint(mk.min_size // mk.step, 40)
        kw: dict[str, Any] = {}
        r = rng.random()
        if r < 0.15:  # market order: the worst price may lie outside the band
            kw = {"market_order": True, "tif": rng.choice((TimeInForce.IOC, TimeInForce.FOK))}
            price = mk.tick if side else mk.max_price // mk.tick * mk.tick
        elif r < 0.25:
            kw = {"tif": TimeInForce.IOC}
        if rng.random() < 0.15:
            kw["reduce_only"] = True
        kw["expiry"] = w.time + rng.choice((0, 1, 3, 3600))
        if rng.random() < 0.1:
            w.order_ids[trader] += C.ORDER_SLOTS - 1  # reuse the slot of an older order
        res = w.order(trader, m, side, price, size, **kw)
        if not res.ok or res.record is None:
            continue
        for step in res.record.steps:
            if step.kind == StepKind.TRADE:
                cases.append(case_of(w, step))
    return cases


def case_of(w: World, step: Any) -> dict[str, Any]:
    d = step.data
    mk = w.ex.markets[d.market_id]
    assert mk is not None
    cfg = mk.cfg
    mo, to = d.maker_order.msg, d.taker_order.msg
    inputs: dict[str, Any] = {
        "enabled": 1,
        "domain": w.domain,
        **orr.order_assignment(mo, "maker"),
        **orr.order_assignment(to, "taker"),
        "price": d.price,
        "q": d.size,
        "tside": d.taker_side,
        "oracle": d.oracle_price,
        "now": d.taker_order.time,
        "market": d.market_id,
        **{f"cfg_{f}": getattr(cfg, f) for f in CFG_INPUTS},
        "mult": cfg.multiplier,
        "maker_fee_ppm": cfg.maker_fee_ppm,
        "taker_fee_ppm": cfg.taker_fee_ppm,
    }
    expected = {
        "maker_hash": mo.hash(w.domain),
        "taker_hash": to.hash(w.domain),
        "maker_fee": d.maker_fee % R,
        "taker_fee": d.taker_fee % R,
    }
    for role, upd in (("maker", step.updates[0]), ("taker", step.updates[1])):
        inputs[f"{role}_account"] = upd.account_id
        inputs[f"{role}_slot_id"], inputs[f"{role}_slot_filled"] = upd.slot.before
        inputs[f"{role}_size_before"] = upd.before.sizes[d.market_id]
        expected[f"{role}_slot_id_after"], expected[f"{role}_slot_filled_after"] = upd.slot.after
        expected[f"{role}_slot_index"] = upd.slot.slot
    return {"inputs": inputs, "expected": expected, "maker": mo, "taker": to, "cfg": cfg}


@pytest.fixture(scope="module")
def cases() -> list[dict[str, Any]]:
    out = trade_cases(7, 400)
    assert len(out) >= 60
    return out


def test_order_hash_matches_core() -> None:
    def body(cs: Circuit) -> None:
        o = orr.order_inputs(cs, "o")
        cs.public_output("h", orr.order_hash(cs, o, cs.private_input("domain")))

    p = build(body)
    assert p.n_constraints == 459
    rng = random.Random(1)
    for _ in range(30):
        msg = OrderMessage(
            rng.randrange(1 << 24),
            rng.randrange(C.MAX_MARKETS),
            rng.randrange(2),
            rng.randrange(1, 1 << 40),
            rng.randrange(1, 1 << 48),
            rng.randrange(1, 1 << 48),
            rng.randrange(1 << 40),
            rng.randrange(64),
        )
        domain = rng.randrange(R)
        s = solve_ok(p, {**orr.order_assignment(msg, "o"), "domain": domain})
        assert s.signal("h") == msg.hash(domain)


def test_trade_steps_pass(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    kinds = {"market": 0, "reduce_only": 0, "continued": 0, "reused": 0, "partial": 0}
    for i, c in enumerate(cases):
        s = solve_ok(fill_program, c["inputs"], mutation=i < 12)
        for k, v in c["expected"].items():
            assert s.signal(k) == v, (k, c)
        kinds["market"] += c["taker"].is_market
        kinds["reduce_only"] += c["maker"].reduce_only or c["taker"].reduce_only
        inp = c["inputs"]
        kinds["continued"] += inp["maker_slot_id"] == inp["maker_order_id"]
        kinds["reused"] += 0 < inp["taker_slot_id"] < inp["taker_order_id"]
        kinds["partial"] += c["expected"]["maker_slot_filled_after"] < c["maker"].size
    assert all(kinds.values()), kinds  # every path the rules have was exercised


def test_disabled_holds_for_any_values(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    rng = random.Random(5)
    inputs = {k: rng.randrange(R) for k in cases[0]["inputs"]}
    inputs["enabled"] = 0
    inputs["mult"] = 0  # fill_fee is not gated: the trade step computes the notional of a real fill
    s = solve_ok(fill_program, inputs)
    assert s.signal("maker_slot_id_after") == inputs["maker_slot_id"]
    assert s.signal("taker_slot_filled_after") == inputs["taker_slot_filled"]


def pick(cases: list[dict[str, Any]], cond: Any) -> dict[str, Any]:
    for c in cases:
        if cond(c):
            return dict(c["inputs"])
    raise AssertionError("no such trade in the scenario")


def limit_taker(c: dict[str, Any]) -> bool:
    return not c["taker"].is_market and not c["taker"].reduce_only and not c["maker"].reduce_only


def test_price_off_tick(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    inp = pick(cases, limit_taker)
    inp["taker_price"] += 1 if inp["tside"] == 0 else -1  # still within the limit and band
    solve_fails(fill_program, inp, "taker/tick/k_range")
    inp = pick(cases, limit_taker)
    inp["maker_price"] += 1
    inp["price"] += 1
    solve_fails(fill_program, inp, "maker/tick/k_range")


def test_price_outside_band(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    c = next(c for c in cases if limit_taker(c))
    inp = dict(c["inputs"])
    lo, hi = band_limits(inp["oracle"], inp["cfg_price_band_ppm"])
    tick = inp["cfg_tick_size"]
    # a taker limit just past the band, on the side that keeps the fill within it
    inp["taker_price"] = (hi // tick + 1) * tick if inp["tside"] == 0 else (-(-lo // tick) - 1) * tick
    solve_fails(fill_program, inp, "taker/band/" + ("hi" if inp["tside"] == 0 else "lo"))
    # the fill (and maker) price outside the band: the maker's own band check catches it first
    inp = dict(c["inputs"])
    inp["maker_price"] = inp["price"] = (hi // tick + 1) * tick
    inp["taker_price"] = inp["price"] if inp["tside"] == 0 else tick
    solve_fails(fill_program, inp, "maker/band/hi")


def test_beyond_taker_limit(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    inp = pick(cases, limit_taker)
    tick = inp["cfg_tick_size"]
    inp["taker_price"] = inp["price"] - tick if inp["tside"] == 0 else inp["price"] + tick
    solve_fails(fill_program, inp, "fill_price/taker_limit")
    inp = pick(cases, limit_taker)
    inp["price"] += inp["cfg_tick_size"]  # not the maker's price
    solve_fails(fill_program, inp, "fill_price/maker_price")


def test_expired(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    inp = pick(cases, lambda c: True)
    inp["now"] = inp["maker_expiry"] + 1
    solve_fails(fill_program, inp, "maker/expired")


def test_wrong_market_side_account(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    inp = pick(cases, lambda c: True)
    inp["market"] = 1 - inp["market"]
    solve_fails(fill_program, inp, "maker/market")
    inp = pick(cases, lambda c: True)
    inp["tside"] = 1 - inp["tside"]
    solve_fails(fill_program, inp, "maker/side")
    inp = pick(cases, lambda c: True)
    inp["taker_account"] += 1
    solve_fails(fill_program, inp, "taker/account")


def test_overfill_and_replay(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    c = next(c for c in cases if limit_taker(c))
    inp = dict(c["inputs"])
    # the maker's slot already holds all but q - step of it: the fill would over-fill by a step
    inp["maker_slot_id"] = inp["maker_order_id"]
    inp["maker_slot_filled"] = inp["maker_size"] - inp["q"] + inp["cfg_step_size"]
    solve_fails(fill_program, inp, "maker_slot/overfill")
    inp = dict(c["inputs"])
    inp["taker_slot_id"] = inp["taker_order_id"] + C.ORDER_SLOTS  # a later order used the slot
    solve_fails(fill_program, inp, "taker_slot/replay")
    inp = dict(c["inputs"])
    inp["q"] = 0
    solve_fails(fill_program, inp, "maker_slot/q_range")


def test_reduce_only_increase(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    c = next(c for c in cases if c["taker"].reduce_only)
    inp = dict(c["inputs"])
    sign = 1 if inp["tside"] == 0 else -1
    inp["taker_size_before"] = sign * inp["q"] // 2 // 10 * 10  # the fill would flip or grow it
    solve_fails(fill_program, inp, "taker_reduce_only")
    inp["taker_size_before"] = 0
    solve_fails(fill_program, inp, "taker_reduce_only/increase")


def test_fee_off_by_one(fill_program: Program, cases: list[dict[str, Any]]) -> None:
    c = next(c for c in cases if c["expected"]["taker_fee"])
    w = fill_program.solve(c["inputs"]).values()
    wire = 1 + fill_program_outputs().index("taker_fee")  # outputs come first, in declaration order
    assert w[wire] == c["expected"]["taker_fee"]
    for off in (1, -1):
        bad = list(w)
        bad[wire] = (w[wire] + off) % R
        name = fill_program.check(bad)
        assert name is not None and name.startswith("taker_fee/"), name


def fill_program_outputs() -> list[str]:
    return [
        "maker_hash",
        "taker_hash",
        *(f"{r}_slot_{k}" for r in ("maker", "taker") for k in ("id_after", "filled_after", "index")),
        "maker_fee",
        "taker_fee",
    ]


def test_fill_fee_against_fee_of() -> None:
    def body(cs: Circuit) -> None:
        cs.public_output("fee", orr.fill_fee(cs, cs.private_input("n"), cs.private_input("ppm")))

    p = build(body)
    assert p.n_constraints == 113
    rng = random.Random(3)
    cases = [(0, 500), (1, 1), (1, -1), (999_999, 1), (1_000_001, -1), ((1 << 72) - 1, 100_000)]
    cases += [((1 << 72) - 1, -100_000), (2_000_000, -100_000)]
    cases += [(rng.randrange(1 << rng.randrange(1, 73)), rng.randint(-100_000, 100_000)) for _ in range(60)]
    for n, ppm in cases:
        s = solve_ok(p, {"n": n, "ppm": ppm}, mutation=n < 10 or n == (1 << 72) - 1)
        assert s.signal("fee") == fee_of(n, ppm) % R


def test_slot_rule_paths() -> None:
    def body(cs: Circuit) -> None:
        slot = cs.private_input("id"), cs.private_input("filled")
        n, q, size, en = (cs.private_input(k) for k in ("n", "q", "size", "en"))
        (sid, filled), index = orr.slot_rule(cs, slot, n, q, size, en)
        for k, v in (("id_after", sid), ("filled_after", filled), ("index", index)):
            cs.public_output(k, v)

    p = build(body)
    assert p.n_constraints == 202
    ok = [  # (id, filled, n, q, size) -> (n, filled after)
        ((0, 0, 5, 10, 10), (5, 10)),
        ((5, 3, 5, 7, 10), (5, 10)),
        ((5, 10, 1029, 4, 10), (1029, 4)),  # a later order restarts the slot
        ((5, 3, (1 << 48) - 1, 1, (1 << 48) - 1), ((1 << 48) - 1, 1)),
    ]
    for (sid, f, n, q, size), (a, b) in ok:
        s = solve_ok(p, {"id": sid, "filled": f, "n": n, "q": q, "size": size, "en": 1})
        assert (s.signal("id_after"), s.signal("filled_after"), s.signal("index")) == (a, b, n % 1024)
    bad = [
        ((5, 3, 5, 8, 10), "slot/overfill"),
        ((1029, 0, 5, 1, 10), "slot/replay"),
        ((0, 0, 0, 1, 10), "slot/id_nonzero"),
        ((0, 0, 1 << 48, 1, 10), "slot/id_range"),
        ((0, 0, 5, -1, 10), "slot/q_range"),
    ]
    for (sid, f, n, q, size), where in bad:
        solve_fails(p, {"id": sid, "filled": f, "n": n, "q": q, "size": size, "en": 1}, where)
    s = solve_ok(p, {"id": 1029, "filled": 7, "n": 5, "q": -1, "size": 0, "en": 0})
    assert (s.signal("id_after"), s.signal("filled_after"), s.signal("index")) == (1029, 7, 0)


def test_reduce_only_rule() -> None:
    def body(cs: Circuit) -> None:
        f, sb, d, en = (cs.private_input(k) for k in ("flag", "before", "delta", "en"))
        orr.check_reduce_only(cs, f, sb, d, en)

    p = build(body)
    assert p.n_constraints == 150
    lim = (1 << 48) - 1
    for sb, d in [(10, -10), (10, -3), (-10, 10), (-10, 1), (lim, -lim), (-lim, lim), (0, 0)]:
        solve_ok(p, {"flag": 1, "before": sb, "delta": d, "en": 1})
    for sb, d, where in [(10, -11, "flip"), (10, 1, "increase"), (-10, -1, "increase"), (0, 1, "increase")]:
        solve_fails(p, {"flag": 1, "before": sb, "delta": d, "en": 1}, f"reduce_only/{where}")
        solve_ok(p, {"flag": 0, "before": sb, "delta": d, "en": 1})
        solve_ok(p, {"flag": 1, "before": sb, "delta": d, "en": 0})


def test_constraint_counts() -> None:
    def order_only(cs: Circuit) -> None:
        o = orr.order_inputs(cs, "o")
        cfg = cfg_inputs(cs)
        ins = [cs.private_input(k) for k in ("acct", "market", "side", "now", "oracle", "en")]
        orr.check_order(cs, o, ins[0], [], ins[1], ins[2], ins[3], cfg, ins[4], ins[5])

    def fill_price_only(cs: Circuit) -> None:
        m, t = orr.order_inputs(cs, "m"), orr.order_inputs(cs, "t")
        ins = [cs.private_input(k) for k in ("price", "side", "oracle", "en")]
        orr.check_fill_price(cs, ins[0], m, t, ins[1], ins[2], cfg_inputs(cs), ins[3])

    assert build(order_only).n_constraints == 494
    assert build(fill_price_only).n_constraints == 170


def test_band_edges_match_band_limits() -> None:
    """The band as integer inequalities (no division) accepts exactly [lo, hi] of band_limits."""

    def body(cs: Circuit) -> None:
        price, p, band = (cs.private_input(k) for k in ("price", "p", "band"))
        orr._band(cs, as_lc(1), price, p, band, "band")

    prog = build(body)
    rng = random.Random(9)
    for _ in range(25):
        p, band = rng.randrange(1, 1 << 40), rng.choice((1, 999_999, rng.randrange(1, C.PPM)))
        lo, hi = band_limits(p, band)
        for price in {lo, hi, max(lo - 1, 1), hi + 1, (lo + hi) // 2}:
            if lo <= price <= hi:
                solve_ok(prog, {"price": price, "p": p, "band": band}, mutation=False)
            else:
                solve_fails(
                    prog, {"price": price, "p": p, "band": band}, "band/" + ("lo" if price < lo else "hi")
                )
