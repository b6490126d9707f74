"""Stress runs of the exchange core (issue 13): crash, Mango-style pump (by steps and through an
oracle gap), oracle outage, funding storm, cascade with the fund exhausted; a table per scenario of
what the risk rules did.

    .venv/bin/python bench/stress.py [--json] [--scenario NAME ...] [--backstop provider|none]

Each scenario runs on a fresh exchange (`tests/sequencer/stress_lib.py`, shared with the tests):
signed deposits, orders and devnet-oracle prices; between price steps the scenario's liquidity
provider (`AuctionBackstop`: signed takeovers of live liquidation auctions at a 1% discount, or at
the bankruptcy price; `--backstop none` leaves it out) and the core's keeper
(`sequencer.liquidation.run_keeper`: partial book liquidation, StartAuction/EndAuction, ADL at the
bankruptcy price), then the clock runs on until every auction has run its course; a checker runs
after every operation.  Figures: partial liquidations against the book, auctions started and
their fills (takeovers, from the core's Liquidated events with a liquidator) with the discount
paid, ADLs (and those of an account whose whole deficit the insurance fund held), accounts the
keeper left liquidatable without a live auction and those liquidatable at the end, the fund before
and after, what it paid, bad debt (and the part left while a counterparty that gained from the
move could still pay), operations accepted on a stale price, true prices the oracle rule rejected,
circuit-breaker trips (and of them those that took a normal market reduce-only), halts (oracle
recoveries), operations refused because a market was reduce-only, halted or stale, the attacker's
profit, and invariant violations.  Targets (issue 13): zero violations, zero bad debt while a
profitable counterparty exists, an attacker ending with no more than it put in, no ADL while the
fund could cover (with the provider present).  `--json` prints one JSON object as the last line.
Deterministic: the same core gives the same figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# run as a script, bench/ comes first on sys.path, and its native.py (the native-core benchmark)
# would shadow the `native` package: put the repository root there instead
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [str(_BENCH.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _BENCH]

from tests.sequencer.stress_lib import SCENARIOS, Report, Sim  # noqa: E402

ROWS: tuple[tuple[str, str], ...] = (
    ("operations applied (rejected)", "ops"),
    ("partial liquidations against the book", "liquidations"),
    ("auctions started", "auctions"),
    ("auction fills (discount paid, USD)", "auction_fills"),
    ("ADLs (the fund could cover the deficit)", "adls"),
    ("left liquidatable: no auction / at end", "left_liquidatable"),
    ("insurance fund before, USD", "fund_before"),
    ("insurance fund after, USD", "fund_after"),
    ("paid by fund/fee pool, USD", "insurance_paid"),
    ("bad debt, USD", "bad_debt"),
    ("  of it while a counterparty could pay", "bad_debt_with_payer"),
    ("ops accepted on a stale price", "stale_accepts"),
    ("true oracle prices rejected", "oracle_rejects"),
    ("breaker trips (normal -> reduce-only)", "breaker_trips"),
    ("halts (oracle recoveries)", "halts"),
    ("refused: reduce-only / halted / stale", "refused"),
    ("attacker profit, USD", "attacker_profit"),
    ("invariant violations", "violations"),
)


def cell(r: Report, key: str) -> str:
    if key == "ops":
        return f"{r.ops} ({r.rejected})"
    if key == "auction_fills":
        return f"{r.auction_fills} ({r.auction_discount:,.2f})"
    if key == "left_liquidatable":
        return f"{r.left_liquidatable} / {r.liquidatable_at_end}"
    if key == "adls":
        return f"{r.adls} ({r.adls_fund_could_cover})"
    if key == "breaker_trips":
        return f"{r.breaker_trips} ({r.reduce_only_entries})"
    if key == "refused":
        return f"{r.refused_reduce_only} / {r.refused_halted} / {r.refused_stale}"
    if key == "violations":
        return str(len(r.violations))
    v = getattr(r, key)
    if v is None:
        return "-"
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


def table(r: Report, title: str) -> str:
    lines = [f"== {r.scenario}: {title}"]
    lines += [f"  {label:<40} {cell(r, key):>16}" for label, key in ROWS]
    for f in r.violations:
        lines.append(f"  VIOLATION {f.kind} after op {f.op_index} ({f.op}): {f.detail}")
    for f in r.misses:
        if f.kind == "bad_debt_with_payer":
            lines.append(f"  target missed after op {f.op_index} ({f.op}): {f.detail}")
    return "\n".join(lines)


def targets(r: Report, backstop: bool) -> dict[str, bool]:
    met = {
        "no_invariant_violations": not r.violations,
        "no_bad_debt_while_a_counterparty_could_pay": r.bad_debt_with_payer == 0,
        "attacker_ends_with_at_most_its_deposit": r.attacker_profit is None or r.attacker_profit <= 0,
    }
    if backstop:  # without a liquidity provider an auction that finds no taker ends in ADL
        met["no_adl_while_the_fund_could_cover"] = r.adls_fund_could_cover == 0
    return met


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object as the last line")
    ap.add_argument("--scenario", action="append", choices=[s.name for s in SCENARIOS], help="repeatable")
    ap.add_argument(
        "--backstop",
        choices=["provider", "none"],
        default="provider",
        help="provider: the scenario's liquidity provider takes auctions (default); none: the keeper alone",
    )
    args = ap.parse_args(argv)
    chosen = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    out: dict[str, Any] = {}
    missed = 0
    for sc in chosen:
        provider = args.backstop == "provider"
        r = Sim(sc, scenario_backstop=provider).run()
        print(table(r, sc.title))
        met = targets(r, provider and sc.backstop is not None)
        missed += sum(not ok for ok in met.values())
        out[sc.name] = {**r.as_dict(), "title": sc.title, "targets": met}
    print(f"targets missed: {missed}")
    if args.json:
        doc = {"backstop": args.backstop, "scenarios": out, "targets_missed": missed}
        print(json.dumps(doc, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
