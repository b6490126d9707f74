"""Integer division with the rounding rules the protocol states, and bound checks.

Python's `//` floors; the protocol names the rounding of every division explicitly (protocol.md §4),
so rules call one of these instead of writing `//` on signed values.
"""

from __future__ import annotations

from protocol.errors import ErrorCode, Rejected


def fdiv(a: int, b: int) -> int:
    """floor(a / b) for b > 0."""
    return a // b


def cdiv(a: int, b: int) -> int:
    """ceil(a / b) for b > 0."""
    return -((-a) // b)


def tdiv(a: int, b: int) -> int:
    """a / b rounded toward zero, for b > 0."""
    q = abs(a) // b
    return q if a >= 0 else -q


def check_unsigned(value: int, bits: int, what: str) -> int:
    if not 0 <= value < (1 << bits):
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"{what} must be in [0, 2^{bits}), got {value}")
    return value


def check_signed(value: int, bits: int, what: str) -> int:
    if not -(1 << bits) < value < (1 << bits):
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"|{what}| must be below 2^{bits}, got {value}")
    return value


def check_positive(value: int, bits: int, what: str) -> int:
    if not 0 < value < (1 << bits):
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"{what} must be in [1, 2^{bits}), got {value}")
    return value
