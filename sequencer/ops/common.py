"""Checks several operation types share."""

from __future__ import annotations

from typing import Any

from protocol.errors import ErrorCode, Rejected
from protocol.messages import Signature, check_signature_shape


def check_int(value: Any, lo: int, hi: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise Rejected(ErrorCode.MALFORMED, f"{what} must be an integer")
    if not lo <= value <= hi:
        raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"{what}={value} not in [{lo}, {hi}]")
    return value


def check_signed_message(msg: Any, cls: type[Any], sig: Any) -> None:
    if type(msg) is not cls:
        raise Rejected(ErrorCode.MALFORMED, f"expected a {cls.__name__}")
    msg.validate()
    if type(sig) is Signature and type(sig.S) is int:  # the usual case, without a call
        r8 = sig.R8
        if type(r8) is tuple and len(r8) == 2 and type(r8[0]) is int and type(r8[1]) is int:
            return
    check_signature_shape(sig)


def check_expiry(expiry: int, now: int) -> None:
    if expiry < now:
        raise Rejected(ErrorCode.EXPIRED, f"expired at {expiry}, now {now}")
