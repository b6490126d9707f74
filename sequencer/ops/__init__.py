"""The operations of the exchange core, one module each (the operation's dataclass and its rule).

Every operation is a frozen dataclass whose first field is `time` (unix seconds, stamped by the
node); signed ones carry the signed message `msg` and its signature `sig`.  `OPS` lists them,
`OP_TYPES` maps the stable type names used in journals to the classes, `HANDLERS` the classes to
their rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sequencer.ops import (
    cancel,
    cancel_all,
    deleverage,
    deposit,
    end_auction,
    forced_withdrawal,
    funding_tick,
    liquidate,
    oracle_update,
    order,
    start_auction,
    transfer,
    withdraw,
)
from sequencer.ops.cancel import CancelOrder
from sequencer.ops.cancel_all import CancelAll
from sequencer.ops.deleverage import Deleverage
from sequencer.ops.deposit import Deposit
from sequencer.ops.end_auction import EndAuction
from sequencer.ops.forced_withdrawal import ForcedWithdrawal
from sequencer.ops.funding_tick import FundingTick
from sequencer.ops.liquidate import Liquidate
from sequencer.ops.oracle_update import OracleUpdate
from sequencer.ops.order import PlaceOrder
from sequencer.ops.start_auction import StartAuction
from sequencer.ops.transfer import Transfer
from sequencer.ops.withdraw import Withdraw

_MODULES = {
    Deposit: deposit,
    Withdraw: withdraw,
    Transfer: transfer,
    ForcedWithdrawal: forced_withdrawal,
    PlaceOrder: order,
    CancelOrder: cancel,
    CancelAll: cancel_all,
    OracleUpdate: oracle_update,
    FundingTick: funding_tick,
    Liquidate: liquidate,
    Deleverage: deleverage,
    StartAuction: start_auction,
    EndAuction: end_auction,
}

OPS: tuple[type, ...] = tuple(_MODULES)
OP_TYPES: dict[str, type] = {cls.TYPE: cls for cls in OPS}  # type: ignore[attr-defined]  # each has a TYPE ClassVar
HANDLERS: dict[type, Callable[[Any, Any], None]] = {cls: mod.apply for cls, mod in _MODULES.items()}

__all__ = [
    "HANDLERS",
    "OPS",
    "OP_TYPES",
    "CancelAll",
    "CancelOrder",
    "Deleverage",
    "Deposit",
    "EndAuction",
    "ForcedWithdrawal",
    "FundingTick",
    "Liquidate",
    "OracleUpdate",
    "PlaceOrder",
    "StartAuction",
    "Transfer",
    "Withdraw",
]
