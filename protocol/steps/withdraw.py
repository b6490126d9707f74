"""Step payload of WITHDRAW: a signed withdrawal of free collateral to an L1 recipient.

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class WithdrawData:
    amount: int
    recipient: int
    withdrawable_before: int
