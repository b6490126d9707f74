"""The BN254 scalar field r, in which every circuit value, Poseidon and BabyJubJub live."""

from __future__ import annotations

from native.constants import R

__all__ = ["R", "check_field"]


def check_field(x: int, what: str = "value") -> int:
    """Return x if it is a canonical field element, else raise ValueError naming it."""
    if not isinstance(x, int) or isinstance(x, bool):
        raise TypeError(f"{what} must be an int, got {type(x).__name__}")
    if not 0 <= x < R:
        raise ValueError(f"{what} is not a canonical field element (0 <= x < r)")
    return x
