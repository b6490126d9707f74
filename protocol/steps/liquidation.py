"""Step payload of LIQUIDATION by takeover: a liquidator's signed order takes a position in the
account's liquidation auction, at the mark price less the auction discount.

The fields the batch circuit re-derives and checks for this step kind (protocol.md sections 3.4 and
4.8): `elapsed = min(time - auction_start, auction_duration_s)` and
`discount = floor(max(value, 0) * size * position_maintenance * elapsed /
(position_size * maintenance * auction_duration_s))`, paid by the account to the liquidator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class TakeoverData:
    market_id: int
    price: int  # the mark price M (protocol.md 4.8, 4.12)
    size: int
    liquidated_side: int
    liquidator_order: Any
    penalty: int  # the auction discount paid to the liquidator
    liquidated_funding: int
    liquidator_funding: int
    liquidated_realised: int
    liquidator_realised: int
    open_interest_before: int
    open_interest_after: int
    time: int  # the operation time
    elapsed: int  # min(time - auction_start, auction_duration_s)
    value: int  # the account's value before the step
    maintenance: int  # its maintenance margin before the step (all markets)
    position_maintenance: int  # the market's term of it
    position_size: int  # |s| before the step
