"""Step payload of AUCTION_END: the liquidation auction of an account that is no longer
liquidatable (or holds no position) ends (its leaf's `auction_start` becomes 0).

The fields the batch circuit re-derives and checks for this step kind (protocol.md sections 3.4 and
4.8): previous_start != 0, and value >= maintenance or the account holds no position.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class AuctionEndData:
    previous_start: int
    value: int
    maintenance: int
