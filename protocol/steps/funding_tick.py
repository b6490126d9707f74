"""Step payload of FUNDING_TICK: every priced market's funding index moves by the capped average premium rate.

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class MarketFunding:
    market_id: int
    mark_price: int
    index_price: int
    premium_ppb: int
    rate_ppb: int
    index_delta: int
    premium_sum: int = 0  # the samples averaged (protocol.md 4.4): sum and count
    premium_samples: int = 0


@dataclass(slots=True)
class FundingData:
    markets: tuple[MarketFunding, ...]
