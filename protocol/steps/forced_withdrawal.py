"""Step payload of FORCED_WITHDRAWAL: an L1 priority-queue request, always consumed, paying min(requested, withdrawable).

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class ForcedWithdrawalData:
    queue_index: int
    owner: int
    requested: int
    amount: int  # what was withdrawn
    withdrawable_before: int
