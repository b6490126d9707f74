"""Checks several operation types share."""

from __future__ import annotations

from typing import Any

from sequencer.errors import ErrorCode, Rejected
from sequencer.messages import check_signature_shape


def check_int(value: Any, lo: int, hi: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Rejected(ErrorCode.MALFORMED, f"{what} must be an integer")
    if not lo <= value <= hi:
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"{what}={value} not in [{lo}, {hi}]")
    return value


def check_signed_message(msg: Any, cls: type, sig: Any) -> None:
    if type(msg) is not cls:
        raise Rejected(ErrorCode.MALFORMED, f"expected a {cls.__name__}")
    msg.validate()
    check_signature_shape(sig)


def check_expiry(expiry: int, now: int) -> None:
    if expiry < now:
        raise Rejected(ErrorCode.EXPIRED, f"expired at {expiry}, now {now}")
