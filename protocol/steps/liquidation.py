"""Step payload of LIQUIDATION by takeover: a liquidator's signed order takes the position at the oracle price.

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class TakeoverData:
    market_id: int
    price: int  # the oracle price
    size: int
    liquidated_side: int
    liquidator_order: Any
    penalty: int
    liquidated_funding: int
    liquidator_funding: int
    liquidated_realised: int
    liquidator_realised: int
    open_interest_before: int
    open_interest_after: int
