"""The issue-13 stress scenarios on the exchange core (`tests/sequencer/stress_lib.py`), asserted.

Each scenario runs with its liquidity provider taking auctions (`AuctionBackstop`, the default)
and with the core's keeper alone (auctions end in ADL at the bankruptcy price).  Invariants
(conservation in ledger and value form, positions and funding summing to zero, fund and fee pool
>= 0, withdrawals within independently recomputed free collateral, takeovers only in a live
auction, ADL only once the backstops are spent) hold after every operation of every scenario and
of hypothesis-generated price paths.  The price paths obey the oracle rules of protocol.md 4.7, so
circuit breakers (4.11) trip as they would live.  Targets (issue 13): zero bad debt while a
profitable counterparty exists, no ADL while the fund could cover (with the provider present), a
Mango-style attacker ending with no more than it put in.  A target the core still misses is a
strict xfail naming the defect and its figures, so a fix turns it into an unexpected pass that
must be un-marked.  Tests assert rules and targets, not the core's exact liquidation prices.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sequencer.exchange import Exchange, Result
from sequencer.liquidation import run_keeper
from sequencer.ops import Deleverage, Liquidate
from tests.sequencer.stress_lib import (
    BTC,
    BUY,
    CASCADE,
    CRASH,
    DEVNET_MARKETS,
    ETH,
    FUNDING_STORM,
    LP,
    MANGO,
    MANGO_GAP,
    OUTAGE,
    SCENARIOS,
    Action,
    AuctionBackstop,
    Funding,
    Move,
    Open,
    PricePath,
    Quote,
    Report,
    Scenario,
    Sim,
    WithdrawMax,
    margin_of,
)

ROOT = Path(__file__).resolve().parents[2]
_runs: dict[tuple[str, bool], tuple[Sim, Report]] = {}
BACKSTOPS = pytest.mark.parametrize("backstop", [True, False], ids=["provider", "keeper_only"])


def run(scenario: Scenario, backstop: bool = True) -> tuple[Sim, Report]:
    """Each scenario runs once per session and backstop setting (deterministic: every test sees
    the same run)."""
    key = (scenario.name, backstop)
    if key not in _runs:
        sim = Sim(scenario, scenario_backstop=backstop)
        _runs[key] = (sim, sim.run())
    return _runs[key]


# ---- invariants --------------------------------------------------------------------------------------
@BACKSTOPS
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_invariants_hold_after_every_operation(scenario: Scenario, backstop: bool) -> None:
    sim, r = run(scenario, backstop)
    assert r.violations == []
    assert r.ops > 15 and sim.checker.ops == r.ops
    # the keeper always had a rule to apply, and every auction ran its course
    assert r.left_liquidatable == 0 and r.liquidatable_at_end == 0
    assert not any(sim.auction_live(a) for a in sim.ex.in_auction)
    # the checker's margin (protocol.md 4.5, its own arithmetic) agrees with the core's at the end
    for acct in sim.ex.accounts.values():
        m, core = margin_of(sim.ex, acct), sim.ex.risk(acct)
        assert (m.value, m.settled, m.initial, m.maintenance) == (
            core.value,
            core.settled,
            core.initial,
            core.maintenance,
        )


@BACKSTOPS
def test_crash_reaches_minus_half_and_liquidates_everyone(backstop: bool) -> None:
    sim, r = run(CRASH, backstop)
    assert sim.mk(BTC).oracle_price == 2_500_000
    assert all(not sim.acct(f"long{i}").has_positions() for i in range(4))
    assert r.bad_debt == 0
    assert r.auctions >= 1  # the thin book could not restore everyone
    if backstop:
        assert r.auction_fills >= 1 and r.adls_fund_could_cover == 0
    else:
        assert r.auction_fills == 0 and r.adls >= 1  # the auctions ran their course: ADL
    # the breaker tripped past -10% and was renewed down the path; the thin book's requotes were
    # refused while the market was reduce-only
    assert r.reduce_only_entries >= 1 and r.breaker_trips > r.reduce_only_entries
    assert r.refused_reduce_only > 0 and r.halts == 0


def test_funding_storm_pays_at_the_cap_for_100_intervals() -> None:
    sim, r = run(FUNDING_STORM)
    assert sim.checker.events["FundingApplied"] == 2 * 100  # BTC and ETH, every interval
    mk = sim.mk(BTC)
    cap_delta = mk.cfg.funding_cap_ppb * mk.oracle_price * mk.step * mk.mult // 10**9
    assert mk.funding_index == 100 * cap_delta  # longs paid the cap every interval
    # partial liquidations against the quotes, each to the restoring size: the longs shrink
    assert r.liquidations >= 4 and r.bad_debt == 0 and r.liquidatable_at_end == 0


@BACKSTOPS
def test_outage_then_recovery_reaches_the_true_price_and_halts(backstop: bool) -> None:
    sim, r = run(OUTAGE, backstop)
    assert sim.mk(BTC).oracle_price == sim.true_price[BTC] == 3_250_000
    assert r.halts == 1 and r.oracle_rejects == 0  # one update signed by every signer
    assert r.refused_stale == 3  # the probe's order, withdrawal and funding tick
    assert all(not sim.acct(f"long{i}").has_positions() for i in range(3))
    # the longs are under water in a market halted by the recovery: the fund pays nothing towards
    # that gap (protocol.md 4.8), so they go straight to ADL against the shorts who gained from it
    assert r.auctions == 0 and r.adls >= 1 and r.bad_debt == 0 and r.insurance_paid == 0


@BACKSTOPS
def test_mango_fund_pays_nothing(backstop: bool) -> None:
    """Under the 5% per-update bound with the keeper between updates, the attacker's short falls
    below maintenance while still solvent: its auction starts (the provider takes it at a discount,
    or it recovers when the price falls back); the fund pays nothing."""
    _, r = run(MANGO, backstop)
    assert r.auctions >= 1
    assert r.fund_after == r.fund_before and r.insurance_paid == 0 and r.bad_debt == 0
    assert r.reduce_only_entries == 1  # the pump tripped the illiquid market's breaker
    if backstop:
        assert r.auction_fills >= 1 and r.auction_discount > 0


@BACKSTOPS
def test_mango_attacker_ends_with_no_more_than_it_put_in(backstop: bool) -> None:
    _, r = run(MANGO, backstop)
    assert r.attacker_profit is not None and r.attacker_profit <= 0


@BACKSTOPS
def test_mango_gap_attacker_pays_its_own_deficit_through_adl(backstop: bool) -> None:
    """After the recovery gap the short is past bankruptcy in a halted market: the fund may not pay
    towards a recovery's deficit, so there is no auction and ADL at the bankruptcy price makes its
    own long pay it: the fund pays nothing and the attacker keeps nothing (protocol.md 4.8)."""
    _, r = run(MANGO_GAP, backstop)
    assert r.halts == 1 and r.auctions == 0 and r.adls >= 1 and r.bad_debt == 0
    assert r.fund_after == r.fund_before and r.insurance_paid == 0
    assert r.attacker_profit is not None and r.attacker_profit <= 0


def test_mango_gap_attacker_ends_with_no_more_than_it_put_in() -> None:
    _, r = run(MANGO_GAP)
    assert r.attacker_profit is not None and r.attacker_profit <= 0


def test_outage_nothing_accepted_on_a_stale_price() -> None:
    _, r = run(OUTAGE)
    assert r.stale_accepts == 0


def test_outage_true_price_accepted() -> None:
    _, r = run(OUTAGE)
    assert r.oracle_rejects == 0


# ---- targets -------------------------------------------------------------------------------------------
@BACKSTOPS
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_no_bad_debt_while_a_counterparty_could_pay(scenario: Scenario, backstop: bool) -> None:
    _, r = run(scenario, backstop)
    assert r.bad_debt_with_payer == 0


def test_cascade_deficits_paid_by_the_counterparties() -> None:
    """The -20% gap leaves each long past its 6,000 USD and beyond the 3,000 USD fund: ADL at once,
    the profitable shorts pay the deficits; no bad debt, the fund untouched."""
    _, r = run(CASCADE)
    assert r.adls >= 4 and r.bad_debt == 0 and r.fund_after == r.fund_before


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_no_adl_while_the_fund_could_cover(scenario: Scenario) -> None:
    """With the liquidity provider present, every account whose deficit the fund could cover is
    closed by the book or the auction, never by ADL."""
    _, r = run(scenario)
    assert r.adls_fund_could_cover == 0


# ---- plug points ---------------------------------------------------------------------------------------
def test_keeper_plug_runs_between_price_steps_and_is_checked() -> None:
    """A custom keeper is called after every price step (and while the auctions run out), and its
    operations pass the checker."""
    calls: list[int] = []

    def keeper(ex: Exchange, time: int) -> list[tuple[Any, Result]]:
        calls.append(time)
        return run_keeper(ex, time)

    sim = Sim(CRASH, keeper=keeper, scenario_backstop=False)
    r = sim.run()
    # -2.5% a step: 0.975^27 > 0.5 > 0.975^28; then the drain every 10 s
    assert len(calls) > 28 and len(set(calls[:28])) == 28
    assert r.violations == [] and r.adls >= 1 and r.liquidatable_at_end == 0


def test_auction_backstop_acts_before_the_keeper() -> None:
    """The provider's takeovers are ordinary signed operations the checker sees; another account
    can be the provider, with a higher threshold."""
    sim = Sim(CASCADE, backstop=AuctionBackstop("btc_short", threshold_ppm=50_000))
    r = sim.run()
    assert r.violations == [] and r.auction_fills >= 1
    assert all(not sim.acct(f"long{i}").has_positions() for i in range(4))


def test_checker_flags_a_broken_ledger() -> None:
    """The checker is not vacuous: one collateral unit created out of nothing is caught."""
    sim = Sim(CRASH)
    sim.acct("mm").collateral += 1  # a corrupted state, behind the core's back
    sim.checker.check_invariants("tampered")
    kinds = {f.kind for f in sim.checker.violations}
    assert {"conservation", "conservation_value"} <= kinds


def test_checker_flags_backstops_out_of_order() -> None:
    """... nor is its backstop order: an ADL within the fund before the auction held at the
    bankruptcy price, and a takeover with no live auction, are violations."""
    sim = Sim(CRASH)
    c, t = sim.checker, sim.time
    order = sim.order_op("lp", BTC, BUY, 5_000_000, 100)
    c._backstop_order(Deleverage(t, 1, BTC, 2, 100), "adl", {"beyond_fund": False, "elapsed": 10})
    c._backstop_order(Deleverage(t, 1, BTC, 2, 100), "adl", {"beyond_fund": True, "elapsed": None})
    c._backstop_order(Liquidate(t, 1, BTC, 100, order), "takeover", {"elapsed": None})
    c._backstop_order(Liquidate(t, 1, BTC, 100, order), "takeover", {"elapsed": 10})
    assert [f.kind for f in c.violations] == ["adl_before_the_auction_ran", "takeover_without_auction"]


# ---- hypothesis-generated price paths ------------------------------------------------------------------
# the devnet markets move at most 2.5% an update (a larger move is clamped to it)
MOVE = st.one_of(st.sampled_from([-25_000, -12_500, 12_500, 25_000]), st.integers(-40_000, 40_000))
STEP = st.one_of(
    st.tuples(st.just("move"), st.sampled_from([BTC, ETH]), MOVE),
    # a trend: maximal moves, spaced as the per-second bound allows, to -30% .. +30%
    st.tuples(st.just("trend"), st.sampled_from([BTC, ETH]), st.integers(-300_000, 300_000)),
    st.tuples(st.just("funding"), st.just(0), st.just(0)),
    st.tuples(st.just("withdraw"), st.integers(0, 3), st.integers(1, 1_000_000)),
    # time passes at the same prices (refreshed): auctions move toward the bankruptcy price
    st.tuples(st.just("wait"), st.just(BTC), st.sampled_from([30, 120, 310])),
)


def path_scenario(
    leverage: list[int], steps: list[tuple[str, int, int]], fund: int, backstop: bool = True
) -> Scenario:
    actions: list[Action] = []
    for i, lev in enumerate(leverage):
        m = BTC if i % 2 == 0 else ETH
        side = BUY if i < 2 else 1 - BUY
        # lev percent of the market's maximum leverage (20x BTC, 10x ETH)
        actions.append(Open("mm", f"t{i}", m, side, leverage=lev / (5 if m == BTC else 10)))
    actions.append(Quote("bids", BTC, 5_000, bids=(-10_000,), asks=(10_000,)))
    actions.append(Quote("bids", ETH, 5_000, bids=(-10_000,), asks=(10_000,)))
    for kind, a, b in steps:
        if kind == "move":
            actions.append(Move(a, b))
        elif kind == "trend":
            actions.append(PricePath(a, b))
        elif kind == "wait":
            actions.append(Move(a, 0, dt=b))
        elif kind == "funding":
            actions.append(Funding())
        else:
            actions.append(WithdrawMax(f"t{a}", b))
    return Scenario(
        name="path",
        title="hypothesis price path",
        markets=DEVNET_MARKETS,
        insurance_fund_usd=fund,
        accounts=(*((f"t{i}", 10_000) for i in range(4)), ("mm", 1_000_000), ("bids", 200_000), LP),
        actions=tuple(actions),
        backstop="lp" if backstop else None,
    )


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    leverage=st.lists(st.integers(50, 95), min_size=4, max_size=4),  # 50% .. 95% of the maximum
    steps=st.lists(STEP, min_size=3, max_size=10),
    fund=st.sampled_from([0, 1_000, 50_000]),
    backstop=st.booleans(),
)
def test_price_paths_keep_the_invariants(
    leverage: list[int], steps: list[Any], fund: int, backstop: bool
) -> None:
    sim = Sim(path_scenario(leverage, steps, fund, backstop))
    r = sim.run()
    event(f"liquidated, taken over or deleveraged: {r.liquidations + r.auction_fills + r.adls > 0}")
    event(f"auction fills: {r.auction_fills > 0}")  # --hypothesis-show-statistics
    event(f"bad debt: {r.bad_debt > 0}")
    assert r.violations == []
    assert r.left_liquidatable == 0 and r.liquidatable_at_end == 0
    assert sim.ex.insurance_fund >= 0
    assert r.bad_debt_with_payer == 0
    if backstop:
        assert r.adls_fund_could_cover == 0


# ---- the bench ------------------------------------------------------------------------------------------
def test_bench_prints_one_json_object_last() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stress.py"), "--json", "--scenario", "cascade"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    cascade = data["scenarios"]["cascade"]
    assert cascade["bad_debt"] == 0 and cascade["violations"] == []
    assert cascade["halts"] == 1 and cascade["breaker_trips"] == 0
    assert cascade["auctions"] >= 1 and cascade["adls"] >= 1
    assert set(cascade["targets"]) == {
        "no_invariant_violations",
        "no_bad_debt_while_a_counterparty_could_pay",
        "attacker_ends_with_at_most_its_deposit",
        "no_adl_while_the_fund_could_cover",
    }
    assert all(cascade["targets"].values()) and data["targets_missed"] == 0
