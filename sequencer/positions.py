"""Position arithmetic of one fill and of funding (protocol.md §4.3-4.4).

A position is (size, cost, funding snapshot): cost is the signed open notional in collateral units
(same sign as the size), so unrealised PnL = size * price * multiplier - cost.  Collateral changes
only by realised PnL, fees, funding, deposits, withdrawals and transfers.
"""

from __future__ import annotations

from protocol.fixedpoint import tdiv


def fill_position(size: int, cost: int, delta: int, price: int, mult: int) -> tuple[int, int, int]:
    """Apply a fill of signed `delta` at `price`: returns (new_size, new_cost, realised_pnl).

    Increasing (or opening): cost += delta * price * mult, nothing realised.
    Reducing by c = min(|delta|, |size|): the remaining cost is cost * (|size| - c) / |size| rounded
    toward zero, the released cost r = cost - remaining, realised = sign(size) * c * price * mult - r.
    Flipping: the rest opens at cost new_size * price * mult.
    """
    if size == 0 or (size > 0) == (delta > 0):
        return size + delta, cost + delta * price * mult, 0
    s = abs(size)
    closed = min(abs(delta), s)
    remaining = tdiv(cost * (s - closed), s)
    sign = 1 if size > 0 else -1
    realised = sign * closed * price * mult - (cost - remaining)
    new_size = size + delta
    if abs(delta) > s:
        remaining = new_size * price * mult
    return new_size, remaining, realised


def funding_payment(size: int, step: int, index: int, snapshot: int) -> int:
    """What the position pays (negative: receives) since its snapshot: (size / step) * (index - snapshot).
    Sizes are multiples of the step, so the division is exact."""
    return (size // step) * (index - snapshot)
