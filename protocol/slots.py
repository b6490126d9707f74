"""How the batch circuit lays steps into slots (protocol.md 7.13): a slot applies at most one leaf
update, checks at most one signature and touches at most one market, so a step takes one slot per
leaf update, per oracle signature or per market it funds.  The node's batch-closing rule and the
circuit's witness both read this table, so every closed batch fits its circuit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from protocol.constants import MAX_MARKETS
from protocol.records import Step, StepKind
from protocol.steps.liquidation import TakeoverData
from protocol.steps.trade import TradeData


class Role(IntEnum):
    """What one slot does; a step is a fixed sequence of roles (`roles_of`)."""

    NOOP = 0  # padding: no leaf, no market, no signature
    DEPOSIT = 1
    WITHDRAW = 2
    TRANSFER_FROM = 3
    TRANSFER_TO = 4
    FORCED_WITHDRAWAL = 5
    TRADE_MAKER = 6
    TRADE_TAKER = 7
    ORACLE_PRICE = 8  # one signed price of an ORACLE_UPDATE; the step's last such slot applies the rule
    FUNDING_MARKET = 9  # one market of a FUNDING_TICK, market id = the slot's place in the step
    LIQ_BOOK_MAKER = 10  # LIQUIDATION against the book: the maker's order and leg
    LIQ_BOOK_ACCOUNT = 11  # ... then the liquidated account's leg (no order, pays the penalty)
    TAKEOVER_ACCOUNT = 12  # LIQUIDATION by takeover: the liquidated account's leg and discount
    TAKEOVER_LIQUIDATOR = 13  # ... then the liquidator's signed order and leg
    DELEVERAGE_ACCOUNT = 14  # DELEVERAGE: the deleveraged account's leg
    DELEVERAGE_COUNTER = 15  # ... then the counterparty's leg and the transfer
    INSURANCE_COVER = 16
    AUCTION_START = 17
    AUCTION_END = 18


N_ROLES = len(Role)

# the role a slot must have when the previous slot left a step unfinished (Carry.next_role)
CONTINUES = {
    Role.TRANSFER_TO: Role.TRANSFER_TO,
    Role.TRADE_TAKER: Role.TRADE_TAKER,
    Role.LIQ_BOOK_ACCOUNT: Role.LIQ_BOOK_ACCOUNT,
    Role.TAKEOVER_LIQUIDATOR: Role.TAKEOVER_LIQUIDATOR,
    Role.DELEVERAGE_COUNTER: Role.DELEVERAGE_COUNTER,
}
# roles that may both start a step and continue one of their own kind
SELF_CONTINUING = (Role.ORACLE_PRICE, Role.FUNDING_MARKET)

_SINGLE = {
    StepKind.DEPOSIT: (Role.DEPOSIT,),
    StepKind.WITHDRAW: (Role.WITHDRAW,),
    StepKind.TRANSFER: (Role.TRANSFER_FROM, Role.TRANSFER_TO),
    StepKind.FORCED_WITHDRAWAL: (Role.FORCED_WITHDRAWAL,),
    StepKind.TRADE: (Role.TRADE_MAKER, Role.TRADE_TAKER),
    StepKind.FUNDING_TICK: (Role.FUNDING_MARKET,) * MAX_MARKETS,
    StepKind.DELEVERAGE: (Role.DELEVERAGE_ACCOUNT, Role.DELEVERAGE_COUNTER),
    StepKind.AUCTION_START: (Role.AUCTION_START,),
    StepKind.AUCTION_END: (Role.AUCTION_END,),
}


class UnsupportedStep(ValueError):
    """A step kind the batch circuit does not prove yet."""


def roles_of(step: Step) -> tuple[Role, ...]:
    """The slots a step occupies, in order."""
    roles = _SINGLE.get(step.kind)
    if roles is not None:
        return roles
    if step.kind is StepKind.ORACLE_UPDATE:
        return (Role.ORACLE_PRICE,) * len(step.data.prices)
    if step.kind is StepKind.LIQUIDATION:
        if isinstance(step.data, TakeoverData):
            return (Role.TAKEOVER_ACCOUNT, Role.TAKEOVER_LIQUIDATOR)
        if isinstance(step.data, TradeData):
            return (Role.LIQ_BOOK_MAKER, Role.LIQ_BOOK_ACCOUNT)
    if step.kind is StepKind.INSURANCE_COVER:
        return (Role.INSURANCE_COVER,)
    raise UnsupportedStep(f"the batch circuit does not prove {step.kind.name} steps yet")


def slot_count(steps: list[Step]) -> int:
    return sum(len(roles_of(s)) for s in steps)


@dataclass(frozen=True, slots=True)
class Usage:
    """What a batch's steps take of a batch circuit: slots, L1 queue records, withdrawals."""

    slots: int = 0
    queue: int = 0
    withdrawals: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.slots + other.slots, self.queue + other.queue, self.withdrawals + other.withdrawals)

    def fits(self, capacity: Usage) -> bool:
        return (
            self.slots <= capacity.slots
            and self.queue <= capacity.queue
            and self.withdrawals <= capacity.withdrawals
        )


def usage(steps: Iterable[Step]) -> Usage:
    n = q = wd = 0
    for s in steps:
        n += len(roles_of(s))
        if s.kind in (StepKind.DEPOSIT, StepKind.FORCED_WITHDRAWAL):
            q += 1
        elif s.kind is StepKind.WITHDRAW:
            wd += 1
    return Usage(n, q, wd)


# the default batch size of the node and of `zkclear batch`: the largest whose validium circuit
# (about 2.02 M constraints) fits a 2^21 evaluation domain, so proving pays for no empty half
DEFAULT_BATCH_SLOTS = 48


def default_capacity(slots: int) -> Usage:
    """A batch size's default capacities: one L1 queue record and one withdrawal per eight slots,
    at least one of each (the public data's sections are hashed at these capacities)."""
    return Usage(slots, max(1, slots // 8), max(1, slots // 8))
