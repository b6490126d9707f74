"""One rule module per step kind (mirroring sequencer/ops/ and protocol/steps/); each module's
`rules(ctx)` adds its roles' effects to the slot (circuits/batch/context.py), every term gated by
the role's flag.  `RULES`, `POST_FILL` and `FINISH` are what the universal slot runs, in order."""

from __future__ import annotations

from collections.abc import Callable

from circuits.batch.context import SlotCtx
from circuits.batch.position import FillVars
from circuits.batch.steps import (
    auction_end,
    auction_start,
    deleverage,
    deposit,
    forced_withdrawal,
    funding_tick,
    insurance_cover,
    liquidation,
    messages,
    noop,
    oracle_update,
    order_leg,
    trade,
    transfer,
    withdraw,
)

# every module's rules run in every slot (each gates itself by its roles' flags)
RULES: tuple[Callable[[SlotCtx], None], ...] = (
    noop.rules,
    order_leg.rules,
    deposit.rules,
    withdraw.rules,
    transfer.sender,
    transfer.receiver,
    forced_withdrawal.rules,
    trade.rules,
    oracle_update.rules,
    funding_tick.rules,
    liquidation.rules,
    insurance_cover.rules,
    deleverage.rules,
    auction_start.rules,
    auction_end.rules,
)
# after the fill of the selected market (circuits/batch/position.py)
POST_FILL: tuple[Callable[[SlotCtx, FillVars], None], ...] = (
    trade.after_fill,
    liquidation.after_fill,
    deleverage.after_fill,
)
# after every rule: the shared message hash
FINISH: tuple[Callable[[SlotCtx], None], ...] = (messages.finish_rows, order_leg.finish)
