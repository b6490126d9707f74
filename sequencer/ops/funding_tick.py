"""Funding tick: once per funding interval, every priced market's cumulative funding index moves by
one interval's funding; accounts settle lazily (when their position next changes).

Rule (protocol.md 4.4): time >= funding_time + funding_interval_s (the first tick may come at any
time); rejected (ORACLE_STALE) while any priced market's price is stale.  Per priced market that
is not halted (a halted market is skipped, its samples kept), with index (oracle) price P > 0 and
the book premium samples S (sum) and n (count) its oracle updates took since the last tick:
  premium = tdiv(S, n), 0 when n = 0                          (parts per 10^9, toward zero)
  rate    = clamp(tdiv(premium, funding_premium_divisor), -funding_cap_ppb, +funding_cap_ppb)
  delta   = tdiv(rate * P * step_size * multiplier, 10^9)     (collateral units per step lot)
  funding_index += delta
A position of size s then pays (s / step_size) * (index_now - snapshot): longs pay when the rate is
positive; S and n start again at 0.  Sizes sum to zero in every market, so payments sum to zero
exactly.  The samples are the sequencer's input at each oracle update (the circuit bounds each by
the band and the rate by the cap; the book is not provable), averaged over the interval so one
order placed just before the tick cannot set the rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from protocol.constants import RATE_SCALE
from protocol.errors import ErrorCode, Rejected
from protocol.fixedpoint import tdiv
from protocol.records import StepKind
from protocol.steps.funding_tick import FundingData, MarketFunding
from sequencer.events import FundingApplied

if TYPE_CHECKING:
    from sequencer.ledger import Ledger
    from sequencer.market import Market


@dataclass(frozen=True, slots=True)
class FundingTick:
    TYPE: ClassVar[str] = "funding_tick"

    time: int

    def validate(self) -> None:
        return None


def funding_for(ex: Ledger, mk: Market) -> MarketFunding:
    p = mk.oracle_price
    samples = mk.premium_samples
    premium = tdiv(mk.premium_sum, samples) if samples else 0
    cap = mk.cfg.funding_cap_ppb
    rate = max(-cap, min(cap, tdiv(premium, ex.config.funding_premium_divisor)))
    delta = tdiv(rate * p * mk.step * mk.mult, RATE_SCALE)
    return MarketFunding(mk.id, mk.mark_price, p, premium, rate, delta, mk.premium_sum, samples)


def apply(ex: Ledger, op: FundingTick) -> None:
    interval = ex.config.funding_interval_s
    if ex.funding_time and op.time < ex.funding_time + interval:
        raise Rejected(ErrorCode.FUNDING_TOO_EARLY, f"next funding at {ex.funding_time + interval}")
    now = op.time
    for mk in ex.active:
        if mk.oracle_price and mk.stale(now):
            raise Rejected(ErrorCode.ORACLE_STALE, f"market {mk.id}'s price from {mk.oracle_time} is stale")
    gb = ex.global_state()
    out = []
    for mk in ex.active:
        if mk.oracle_price == 0 or mk.halted(now):
            continue  # a halted market's funding waits: its samples carry over to the next tick
        f = funding_for(ex, mk)
        ex.set_funding_index(mk, mk.funding_index + f.index_delta)
        fields = mk.risk_fields()
        ex.set_market_risk(mk, (*fields[:6], 0, 0))  # the samples start again
        out.append(f)
        ex.emit(
            FundingApplied(mk.id, f.mark_price, f.index_price, f.rate_ppb, f.index_delta, mk.funding_index)
        )
    ex.set_funding_time(op.time)
    ex.add_step(StepKind.FUNDING_TICK, (), gb, FundingData(tuple(out)))
