"""The fill gadget (circuits/batch/position.py) against the exchange core's fill_position,
funding_payment and snapshot rule (sequencer Margin.apply_leg), and against wrong witnesses."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from circuits.batch.position import fill
from circuits.batch.vars import PositionVars
from circuits.dsl import Circuit, Program
from circuits.dsl.compiled import N8
from circuits.primitives.field import R
from native.constants import R_HALF
from native.witness_ops import OP_BITS, OP_DIV, OP_DIVMOD, OP_ISZERO, OP_LIN, OP_MUL, OP_SDIVMOD
from sequencer.positions import fill_position, funding_payment
from tests.circuits.helpers import solve_fails, solve_ok

INPUTS = ("size", "cost", "fsnap", "delta", "price", "mult", "step", "findex")
OUTPUTS = (
    "new_size",
    "new_cost",
    "new_fsnap",
    "realised",
    "funding",
    "cash",
    "reduced_only",
    "size_abs_before",
    "size_abs_after",
    "long_oi_delta",
)
GADGET_CONSTRAINTS = 342
SIZE_LIMIT = 1 << 48
COST_LIMIT = 1 << 72
INDEX_LIMIT = 1 << 80


def build_program(check_flows: bool = False, outputs: bool = True) -> Program:
    cs = Circuit("fill_test")
    x = {k: cs.private_input(k) for k in INPUTS}
    pos = PositionVars(x["size"], x["cost"], x["fsnap"])
    f = fill(cs, pos, x["delta"], x["price"], x["mult"], x["step"], x["findex"], check_flows=check_flows)
    if outputs:
        values = {
            "new_size": f.new.size,
            "new_cost": f.new.cost,
            "new_fsnap": f.new.fsnap,
            "realised": f.realised,
            "funding": f.funding,
            "cash": f.cash,
            "reduced_only": f.reduced_only,
            "size_abs_before": f.size_abs_before,
            "size_abs_after": f.size_abs_after,
            "long_oi_delta": f.long_oi_delta,
        }
        for k in OUTPUTS:
            cs.public_output(k, values[k])
    return cs.compile()


@pytest.fixture(scope="module")
def program() -> Program:
    return build_program()


def expected(inp: dict[str, int]) -> dict[str, int]:
    """What apply_leg does to the position, plus the flags the gadget derives."""
    s, k, fs, d = inp["size"], inp["cost"], inp["fsnap"], inp["delta"]
    if d == 0:
        ns, nc, nf, realised, funding = s, k, fs, 0, 0
    else:
        funding = funding_payment(s, inp["step"], inp["findex"], fs) if s else 0
        ns, nc, realised = fill_position(s, k, d, inp["price"], inp["mult"])
        nf = inp["findex"] if ns else 0
    return {
        "new_size": ns,
        "new_cost": nc,
        "new_fsnap": nf,
        "realised": realised,
        "funding": funding,
        "cash": realised - funding,
        "reduced_only": int(abs(ns) < abs(s) and ns * s >= 0),
        "size_abs_before": abs(s),
        "size_abs_after": abs(ns),
        "long_oi_delta": max(ns, 0) - max(s, 0),
    }


def signed(v: int) -> int:
    return v - R if v > R_HALF else v


def outputs_of(solved: Any) -> dict[str, int]:
    return {k: signed(solved.signal(k)) for k in OUTPUTS}


# -- random valid positions and fills ----------------------------------------------------------------
KINDS = ("open", "increase", "reduce", "close", "flip", "zero")


def random_case(rng: random.Random, kind: str) -> dict[str, int]:
    """A position read from state (invariants: multiple of step, cost of the size's sign, no
    snapshot when flat) and a fill of the given kind whose result stays in bounds."""
    step = rng.choice([1, 1, 7, 10, 1000, 12345])
    mult = 10 ** rng.randrange(7)
    price = rng.randrange(1, 1 << rng.randrange(1, 41))
    # room for size * price * mult below 2^71 keeps the increase and flip costs in bounds
    max_lots = max(1, min(SIZE_LIMIT - 1, (1 << 71) // (price * mult)) // step // 2)
    lots = rng.randrange(1, 1 + min(max_lots, 1 << rng.randrange(1, 48)))
    sign = rng.choice([1, -1])
    size = 0 if kind == "open" else sign * lots * step
    a = abs(size)
    if size:
        # an entry price anywhere, and an odd cost so the reductions truncate
        entry = rng.randrange(1, 1 << rng.randrange(1, 41))
        mag = max(a, min(COST_LIMIT - 1, a * entry * mult // 2 + rng.randrange(1 << 20)))
        cost = sign * (mag | 1)
    else:
        cost = 0
    fsnap = rng.randrange(-INDEX_LIMIT + 1, INDEX_LIMIT) if size else 0
    findex = rng.choice([rng.randrange(-INDEX_LIMIT + 1, INDEX_LIMIT), fsnap + rng.randrange(-1000, 1000)])
    findex = max(-INDEX_LIMIT + 1, min(INDEX_LIMIT - 1, findex))
    more = rng.randrange(1, 1 + max_lots) * step
    if kind == "open":
        delta = rng.choice([1, -1]) * more
    elif kind == "increase":
        delta = sign * more
    elif kind == "reduce":
        delta = -sign * rng.randrange(1, lots) * step if lots > 1 else 0
    elif kind == "close":
        delta = -size
    elif kind == "flip":
        delta = -size - sign * more
    else:
        delta = 0
    return {
        "size": size,
        "cost": cost,
        "fsnap": fsnap,
        "delta": delta,
        "price": price,
        "mult": mult,
        "step": step,
        "findex": findex,
    }


def in_bounds(exp: dict[str, int]) -> bool:
    return abs(exp["new_size"]) < SIZE_LIMIT and abs(exp["new_cost"]) < COST_LIMIT


def test_constraint_count() -> None:
    assert build_program(outputs=False).n_constraints == GADGET_CONSTRAINTS
    assert build_program(check_flows=True, outputs=False).n_constraints == GADGET_CONSTRAINTS + 75 + 130


def test_matches_the_exchange_core(program: Program) -> None:
    rng = random.Random(4_3)
    seen = dict.fromkeys(KINDS, 0)
    odd_truncations = 0
    for i in range(180):
        kind = KINDS[i % len(KINDS)]
        inp = random_case(rng, kind)
        exp = expected(inp)
        if not in_bounds(exp):
            continue
        solved = solve_ok(program, inp, mutation=i < 36)
        assert outputs_of(solved) == exp, (kind, inp)
        seen[kind] += 1
        s, k, d = inp["size"], inp["cost"], inp["delta"]
        if s and d and s * d < 0 and abs(d) < abs(s) and (abs(k) * (abs(s) - abs(d))) % abs(s):
            odd_truncations += 1
    assert min(seen.values()) >= 20, seen
    assert odd_truncations >= 20


@pytest.mark.parametrize(
    ("size", "cost", "delta", "price", "mult"),
    [
        (10, 1005, -3, 50, 1),  # long reduce: 703.5 -> 703
        (-10, -1005, 3, 50, 1),  # short reduce: -703.5 -> -703, toward zero (floor would be -704)
        (-10, -1005, 15, 50, 10),  # flip to long 5 at 500
        (10, 1005, -10, 50, 1),  # close exactly
        (0, 0, -5, 7, 1),  # open short
        (-7, -1003, -2, 50, 1000),  # increase short
        (10, 1005, 0, 50, 1),  # nothing happens, funding included
        (0, 0, 0, 1, 1),  # a disabled slot on an empty position
        (-(SIZE_LIMIT - 1), -(COST_LIMIT - 1), SIZE_LIMIT - 2, 1, 1),  # extreme short, reduced to -1
        (
            SIZE_LIMIT - 1,
            COST_LIMIT - 1,
            -(2 * SIZE_LIMIT - 2),
            1,
            1,
        ),  # extreme long flipped to the extreme short
    ],
)
@pytest.mark.parametrize("findex", [-(INDEX_LIMIT - 1), -12345, 0, 999, INDEX_LIMIT - 1])
def test_edges(
    program: Program, size: int, cost: int, delta: int, price: int, mult: int, findex: int
) -> None:
    fsnap = (INDEX_LIMIT - 1) if size and findex < 0 else (-(INDEX_LIMIT - 1) if size else 0)
    inp = dict(zip(INPUTS, (size, cost, fsnap, delta, price, mult, 1, findex), strict=True))
    solved = solve_ok(program, inp)
    assert outputs_of(solved) == expected(inp)


def test_flow_checks_accept_extremes() -> None:
    p = build_program(check_flows=True)
    # the largest funding: a full position against the widest index move
    for s, fs, f in (
        (SIZE_LIMIT - 1, -(INDEX_LIMIT - 1), INDEX_LIMIT - 1),
        (-(SIZE_LIMIT - 1), -(INDEX_LIMIT - 1), INDEX_LIMIT - 1),
    ):
        inp = dict(zip(INPUTS, (s, s, fs, -s, 1, 1, 1, f), strict=True))
        assert outputs_of(solve_ok(p, inp, mutation=False)) == expected(inp)


# -- out of bounds: the exchange core rejects these, so must the circuit -----------------------------------
def base(**kw: int) -> dict[str, int]:
    inp = {"size": 0, "cost": 0, "fsnap": 0, "delta": 0, "price": 1, "mult": 1, "step": 1, "findex": 0}
    inp.update(kw)
    return inp


@pytest.mark.parametrize(
    ("inp", "where"),
    [
        (base(size=SIZE_LIMIT - 1, cost=SIZE_LIMIT - 1, delta=1), "fill/new_sign"),  # size' = 2^48
        (base(size=-(SIZE_LIMIT - 1), cost=-(SIZE_LIMIT - 1), delta=-1), "fill/new_sign"),  # size' = -2^48
        (base(size=5, cost=5, delta=-SIZE_LIMIT - 5), "fill/new_bound"),  # size' = -2^48 in the long frame
        (base(size=-5, cost=-5, delta=SIZE_LIMIT + 5), "fill/new_bound"),  # size' = 2^48 in the short frame
        (base(delta=1, price=1 << 39, mult=1 << 33), "fill/cost_"),  # opens at 2^72
        (base(size=2, cost=COST_LIMIT - 1, delta=1, price=1), "fill/cost_"),  # increases to 2^72
        (base(size=-2, cost=-2, delta=2 + (1 << 40), price=1 << 32, mult=1), "fill/cost_"),  # flips to 2^72
    ],
)
def test_out_of_bounds_fails(program: Program, inp: dict[str, int], where: str) -> None:
    exp_ok = in_bounds(expected(inp)) if abs(inp["delta"]) < SIZE_LIMIT else False
    assert not exp_ok
    solve_fails(program, inp, where)


def test_largest_cost_in_bounds(program: Program) -> None:
    inp = base(size=2, cost=COST_LIMIT - 2, delta=1, price=1)  # to 2^72 - 1
    assert outputs_of(solve_ok(program, inp, mutation=False)) == expected(inp)


# -- wrong witnesses: a prover's hint replaced, everything after it computed honestly -------------------------
def run_tampered(
    program: Program, inputs: dict[str, int], overrides: dict[str, Callable[[int, int], int]]
) -> bytes:
    """The witness where each named hinted or computed signal takes override(value, divisor_or_0)
    instead of its value, and the tape computes everything after it from there (the twin of
    circuits.dsl.vm.run with a hook), as a prover with a modified solver would."""
    c = program.compiled
    by_name = {name: s for s, name in c.slot_names.own.items()}
    hooks = {by_name[n]: fn for n, fn in overrides.items()}
    assert len(hooks) == len(overrides)
    w = [int(x) for x in c.tape_words]
    pool = c.pool
    vals = [0] * c.n_slots
    vals[0] = 1
    for s, v in program.input_assignment(inputs).items():
        vals[s] = v
    pc = 0

    def lc() -> int:
        nonlocal pc
        k = w[pc]
        pc += 1
        acc = 0
        for _ in range(k):
            acc += vals[w[pc]] * pool[w[pc + 1]]
            pc += 2
        return acc % R

    def hook(s: int, extra: int = 0) -> None:
        if s in hooks:
            vals[s] = hooks[s](vals[s], extra) % R

    while pc < len(w):
        op = w[pc]
        pc += 1
        if op == OP_LIN:
            out = w[pc]
            pc += 1
            vals[out] = lc()
            hook(out)
        elif op in (OP_MUL, OP_DIV):
            out = w[pc]
            pc += 1
            a, b = lc(), lc()
            vals[out] = a * b % R if op == OP_MUL else (a * pow(b, R - 2, R) % R if b else 0)
            hook(out)
        elif op == OP_ISZERO:
            out = w[pc]
            pc += 1
            vals[out] = int(lc() == 0)
            hook(out)
        elif op == OP_BITS:
            nb = w[pc]
            pc += 1
            x = lc()
            for i in range(nb):
                vals[w[pc + i]] = (x >> i) & 1
                hook(w[pc + i])
            pc += nb
        elif op in (OP_DIVMOD, OP_SDIVMOD):
            q, r = w[pc], w[pc + 1]
            pc += 2
            a, b = lc(), lc()
            if op == OP_SDIVMOD and a > R_HALF:
                a -= R
            qq, rr = divmod(a, b) if b else (0, 0)
            vals[q], vals[r] = qq % R, rr % R
            hook(q, b)
            hook(r, b)
        else:
            raise AssertionError(f"opcode {op} not expected in this circuit")
    return b"".join(vals[int(s)].to_bytes(N8, "little") for s in program.wire_slots)


def fails_at(
    program: Program, inputs: dict[str, int], overrides: dict[str, Callable[[int, int], int]]
) -> str:
    # the hook itself is honest when it changes nothing
    honest = run_tampered(program, inputs, {n: (lambda v, _b: v) for n in overrides})
    assert program.check(honest) is None
    name = program.check(run_tampered(program, inputs, overrides))
    assert name is not None
    return name


DIV = "fill/remaining/div"
REDUCE_LONG = base(size=10, cost=1005, delta=-3, price=50)  # remaining 1005 * 7 / 10 = 703.5
REDUCE_SHORT = base(size=-10, cost=-1005, delta=3, price=50)  # remaining -703.5: trunc -703, floor -704


def test_tamper_hook_changes_the_outputs(program: Program) -> None:
    # with the remainder check's bits still honest, the rounding up goes through everything downstream
    w = run_tampered(program, REDUCE_SHORT, {f"{DIV}/q": lambda q, _b: q + 1, f"{DIV}/r": lambda r, b: r - b})
    cost_wire = int(program.wire_of_slot[program.compiled.public_outputs["new_cost"]])
    assert signed(int.from_bytes(w[cost_wire * N8 : (cost_wire + 1) * N8], "little")) == -704


@pytest.mark.parametrize("inp", [REDUCE_LONG, REDUCE_SHORT], ids=["long_ceil", "short_floor"])
def test_other_rounding_fails(program: Program, inp: dict[str, int]) -> None:
    # cost' one further from zero (ceil for a long, Python's floor for a short), its remainder made
    # consistent: the remainder then has the opposite sign of the dividend
    name = fails_at(program, inp, {f"{DIV}/q": lambda q, _b: q + 1, f"{DIV}/r": lambda r, b: r - b})
    assert "fill/remaining/rem_range" in name, name


@pytest.mark.parametrize("inp", [REDUCE_LONG, REDUCE_SHORT], ids=["long", "short"])
def test_remaining_one_toward_zero_fails(program: Program, inp: dict[str, int]) -> None:
    # cost' one nearer zero: the remainder reaches |size|
    name = fails_at(program, inp, {f"{DIV}/q": lambda q, _b: q - 1, f"{DIV}/r": lambda r, b: r + b})
    assert "fill/remaining/rem_lt_a" in name, name


def test_remaining_cost_alone_fails(program: Program) -> None:
    name = fails_at(program, REDUCE_SHORT, {f"{DIV}/q": lambda q, _b: q + 1})
    assert "fill/remaining/q_times_a" in name, name


@pytest.mark.parametrize(
    "inp",
    [
        REDUCE_LONG,
        base(size=10, cost=1005, delta=-12, price=50),
        base(size=10, cost=1005, delta=4, price=50),
        base(delta=5),
    ],
    ids=["reduce", "flip", "increase", "open"],
)
def test_wrong_reduced_only_fails(program: Program, inp: dict[str, int]) -> None:
    name = fails_at(program, inp, {"fill/reduced_only": lambda v, _b: 1 - v})
    assert "fill/reduced_only" in name, name
    # or the comparison behind it: its sign bit flipped
    name = fails_at(program, inp, {"fill/shrinks/b[48]": lambda v, _b: 1 - v})
    assert "fill/shrinks" in name, name


def test_wrong_sign_fails(program: Program) -> None:
    # the old size's sign flipped: the short then reads as a size of about 2^49
    name = fails_at(program, REDUCE_SHORT, {"fill/size_sign/b[48]": lambda v, _b: 1 - v})
    assert "fill/size_sign" in name, name
    name = fails_at(program, REDUCE_SHORT, {"fill/new_sign/b[48]": lambda v, _b: 1 - v})
    assert "fill/new_sign" in name, name


def test_wrong_funding_fails(program: Program) -> None:
    inp = base(size=20, cost=1000, fsnap=-7, delta=-10, step=10, findex=5)
    name = fails_at(program, inp, {"fill/funding/lots": lambda v, _b: v + 1})
    assert "fill/funding/lots_exact" in name, name
    # a disabled slot cannot claim the fill happened (and settle funding, move the snapshot)
    name = fails_at(
        program,
        base(size=20, cost=1000, fsnap=-7, step=10, findex=5),
        {"fill/funding/delta_zero/x_inv": lambda v, _b: 1},
    )
    assert "fill/funding/delta_zero" in name, name


def test_flow_checks_bound_realised() -> None:
    # closing 2^47 at a price of 2^40 - 1 with mult 10^6 realises about 2^107: within what the gadget
    # computes exactly (the default), past the optional 2^74 check (which relies on the market
    # configs' notional bound, 4.1)
    inp = base(size=1 << 47, cost=1 << 47, delta=-(1 << 47), price=(1 << 40) - 1, mult=10**6)
    assert outputs_of(solve_ok(build_program(), inp, mutation=False)) == expected(inp)
    solve_fails(build_program(check_flows=True), inp, "fill/realised_range")
