"""Funding tick: once per funding interval, every priced market's cumulative funding index moves by
one interval's funding; accounts settle lazily (when their position next changes).

Rule: time >= funding_time + funding_interval_s (the first tick may come at any time).  Per market
with index (oracle) price P > 0:
  mark    = mid of the best bid and ask, floor((bid + ask) / 2), clamped into the price band;
            P when either side of the book is empty
  premium = tdiv((mark - P) * 10^9, P)                        (parts per 10^9, toward zero)
  rate    = clamp(tdiv(premium, funding_premium_divisor), -funding_cap_ppb, +funding_cap_ppb)
  delta   = tdiv(rate * P * step_size * multiplier, 10^9)     (collateral units per step lot)
  funding_index += delta
A position of size s then pays (s / step_size) * (index_now - snapshot): longs pay when the rate is
positive.  Sizes sum to zero in every market, so payments sum to zero exactly.  The mark price is
the sequencer's input (the circuit bounds the rate by the cap; the book is not provable).
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


def mark_price(mk: Market) -> int:
    mid = mk.book.mid()
    if mid is None:
        return mk.oracle_price
    return min(max(mid, mk.band_lo), mk.band_hi)


def funding_for(ex: Ledger, mk: Market) -> MarketFunding:
    p = mk.oracle_price
    mark = mark_price(mk)
    premium = tdiv((mark - p) * RATE_SCALE, p)
    cap = mk.cfg.funding_cap_ppb
    rate = max(-cap, min(cap, tdiv(premium, ex.config.funding_premium_divisor)))
    delta = tdiv(rate * p * mk.step * mk.mult, RATE_SCALE)
    return MarketFunding(mk.id, mark, p, premium, rate, delta)


def apply(ex: Ledger, op: FundingTick) -> None:
    interval = ex.config.funding_interval_s
    if ex.funding_time and op.time < ex.funding_time + interval:
        raise Rejected(ErrorCode.FUNDING_TOO_EARLY, f"next funding at {ex.funding_time + interval}")
    gb = ex.global_state()
    out = []
    for mk in ex.active:
        if mk.oracle_price == 0:
            continue
        f = funding_for(ex, mk)
        ex.set_funding_index(mk, mk.funding_index + f.index_delta)
        out.append(f)
        ex.emit(
            FundingApplied(mk.id, f.mark_price, f.index_price, f.rate_ppb, f.index_delta, mk.funding_index)
        )
    ex.set_funding_time(op.time)
    ex.add_step(StepKind.FUNDING_TICK, (), gb, FundingData(tuple(out)))
