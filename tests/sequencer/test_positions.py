"""Position arithmetic of a fill (cost basis, realised PnL, rounding) and funding payments."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sequencer.positions import fill_position, funding_payment


@pytest.mark.parametrize(
    ("size", "cost", "delta", "price", "want"),
    [
        (0, 0, 10, 100, (10, 1_000, 0)),  # open long
        (10, 1_000, 5, 120, (15, 1_600, 0)),  # add at another price
        (15, 1_600, -5, 150, (10, 1_066, 216)),  # reduce a third: cost trunc(1600*10/15)=1066, 750-534
        (10, 1_066, -10, 90, (0, 0, -166)),  # close at a loss
        (10, 1_000, -15, 80, (-5, -400, -200)),  # flip: close 10 (-200), open 5 short at 80
        (-10, -1_000, 4, 50, (-6, -600, 200)),  # short covers at a profit
        (-7, -1_000, 3, 100, (-4, -571, 129)),  # cost trunc(-571.4) = -571: released -429, -300+429
    ],
)
def test_worked_fills(size: int, cost: int, delta: int, price: int, want: tuple[int, int, int]) -> None:
    assert fill_position(size, cost, delta, price, 1) == want


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-(10**6), 10**6),
    st.integers(1, 10**6),
    st.integers(-(10**6), 10**6).filter(bool),
    st.integers(1, 10**6),
    st.integers(1, 10**6),
)
def test_quote_balance_is_conserved(size: int, entry: int, delta: int, price: int, mult: int) -> None:
    """collateral - cost changes by exactly -delta * price * mult (the cash of the trade), whatever
    the rounding of the released cost."""
    cost = size * entry * mult
    new_size, new_cost, realised = fill_position(size, cost, delta, price, mult)
    assert new_size == size + delta
    assert realised - (new_cost - cost) == -delta * price * mult
    assert new_cost == 0 or (new_cost > 0) == (new_size > 0)
    if new_size == 0:
        assert new_cost == 0


def test_funding_payment_sign_and_lots() -> None:
    assert funding_payment(10_000, 10, 25_000, 0) == 25_000_000  # 1,000 lots pay 25,000 each
    assert funding_payment(-10_000, 10, 25_000, 0) == -25_000_000
    assert funding_payment(20, 10, 7, 10) == -6
