"""Step payload of TRADE (and LIQUIDATION against the book): one fill between a maker and a taker.

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class TradeData:
    """Payload of a TRADE / LIQUIDATION step (updates: maker leaf, then taker leaf)."""

    market_id: int
    price: int
    size: int
    taker_side: int
    oracle_price: int
    maker_order: Any  # the maker's signed Order operation
    taker_order: Any  # the taker's signed Order operation; None for a liquidation
    maker_fee: int
    taker_fee: int  # liquidation: the penalty paid to the insurance fund
    maker_funding: int
    taker_funding: int
    maker_realised: int
    taker_realised: int
    open_interest_before: int
    open_interest_after: int
