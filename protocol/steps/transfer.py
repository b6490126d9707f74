"""Step payload of TRANSFER: a signed move of free collateral between two accounts (sender, receiver).

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TransferData:
    amount: int
    withdrawable_before: int
