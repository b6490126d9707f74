"""Step payload of DEPOSIT: one L1 priority-queue deposit credited to an account (created on first sight of its key).

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class DepositData:
    queue_index: int
    owner: int
    amount: int
    created: bool
