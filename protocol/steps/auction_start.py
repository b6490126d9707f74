"""Step payload of AUCTION_START: a liquidatable account's liquidation auction begins (its leaf's
`auction_start` becomes the operation time).

The fields the batch circuit re-derives and checks for this step kind (protocol.md sections 3.4 and
4.8): value < maintenance, and the previous auction absent or over (previous_start = 0 or time >=
previous_start + 2 * auction_duration_s).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class AuctionStartData:
    time: int
    previous_start: int
    value: int
    maintenance: int
