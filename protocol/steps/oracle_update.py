"""Step payload of ORACLE_UPDATE: a quorum of signed prices sets one market's oracle price (lower median),
and with it the market's breaker state, book premium samples and mark price.

The fields the batch circuit re-derives and checks for this step kind (protocol.md section 3.4 and 4).
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.messages import Signature
from protocol.messages.oracle_price import OraclePriceMessage


@dataclass(frozen=True, slots=True)
class SignedPrice:
    signer: int  # index into the exchange's oracle_signers
    msg: OraclePriceMessage
    sig: Signature


@dataclass(slots=True)
class OracleData:
    market_id: int
    prices: tuple[SignedPrice, ...]
    price: int
    timestamp: int
    previous_price: int
    # sequencer inputs of the mark price and the funding premium (protocol.md 4.12): the book's mid
    # and the last trade price, each clamped into the band around the new price
    book_price: int = 0
    last_trade_price: int = 0
    recovery: bool = False  # the market was stale and the recovery quorum signed (4.7): no move bound
