"""Step payload of DELEVERAGE (ADL): a bankrupt position closed at the oracle price against an opposite one.

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class DeleverageData:
    market_id: int
    price: int
    size: int
    uncovered: int
    total_notional: int
    share: int
    loss: int
    liquidated_funding: int
    counterparty_funding: int
    liquidated_realised: int
    counterparty_realised: int
    open_interest_before: int
    open_interest_after: int
