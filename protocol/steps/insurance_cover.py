"""Step payload of INSURANCE_COVER: an account left flat with negative collateral is paid back to zero,
first from the insurance fund, then from the fee pool."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class InsuranceCoverData:
    from_fund: int
    from_fees: int
