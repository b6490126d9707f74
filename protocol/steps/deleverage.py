"""Step payload of DELEVERAGE (ADL): a position closed against an opposite one at the bankruptcy price.

The fields the batch circuit re-derives and checks for this step kind (protocol.md sections 3.4 and
4.8): both legs close at the mark price M, then `transfer` moves from the counterparty to the
deleveraged account (negative: the account pays the counterparty its bankruptcy discount).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class DeleverageData:
    market_id: int
    price: int  # the mark price M (protocol.md 4.8, 4.12)
    size: int
    value: int  # the deleveraged account's value before the step
    maintenance: int  # its maintenance margin before the step (all markets)
    position_maintenance: int  # the closed market's term of it: ceil(|s| * M * mult * mmf / 10^6)
    position_size: int  # |s|, the account's position before the step
    counterparty_value: int  # the counterparty's value after both legs, before the transfer
    transfer: int  # counterparty -> account: min(-value, max(0, counterparty_value)) or -discount
    liquidated_funding: int
    counterparty_funding: int
    liquidated_realised: int
    counterparty_realised: int
    open_interest_before: int
    open_interest_after: int
