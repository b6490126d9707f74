"""The escape hatch's calls (contracts/src/Exodus.sol, protocol.md 7.12), built from the
protocol's types: `publishExitState`'s preimage of the last proven root and an account's
`escape` arguments; and the payout rule, for checking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from protocol.constants import MAX_MARKETS
from protocol.hashing import market_row
from protocol.records import AccountState, GlobalState


def exit_state(
    accounts_root: int,
    params_hash: int,
    config_rows: Sequence[Sequence[int] | None],
    g: GlobalState,
) -> tuple[Any, ...]:
    """ExitState: config_rows[m] = the 15 inputs of market m's config_hash after its tag
    (size_decimals .. risk_hash, signed values mod r), None where no market is configured."""
    configured = 0
    markets = []
    for m in range(MAX_MARKETS):
        row, ms = config_rows[m], g.markets[m]
        if row is None or ms is None:
            markets.append(([0] * 15, [0] * 12))
            continue
        assert len(row) == 15
        configured |= 1 << m
        markets.append((list(row), market_row(0, ms)[2:]))
    return (accounts_root, params_hash, g.insurance_fund, g.fee_pool, g.funding_time, configured, markets)


def leaf_args(state: AccountState, orders_root: int) -> tuple[Any, ...]:
    """Exodus.Leaf of an account state."""
    return (
        state.pub_x,
        state.pub_y,
        "0x" + state.owner.to_bytes(20, "big").hex(),
        state.collateral,
        state.nonce,
        list(state.sizes),
        list(state.costs),
        list(state.fsnaps),
        orders_root,
        state.auction_start,
    )


def escape_value(state: AccountState, g: GlobalState, mults: Sequence[int], steps: Sequence[int]) -> int:
    """collateral + sum_m (size * P * mult - cost - (size / step) * (F - snapshot)) at the oracle
    prices P and funding indices F of `g` (may be negative; the escape pays max(0, value))."""
    v = state.collateral
    for m in range(MAX_MARKETS):
        s = state.sizes[m]
        if s == 0:
            continue
        ms = g.markets[m]
        assert ms is not None and s % steps[m] == 0
        v += (
            s * ms.oracle_price * mults[m]
            - state.costs[m]
            - (s // steps[m]) * (ms.funding_index - state.fsnaps[m])
        )
    return v
