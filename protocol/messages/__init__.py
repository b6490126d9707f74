"""Signed message layouts (protocol.md §5), one module per message type.

Every message hashes, with Poseidon: its type tag, the domain hash Poseidon([TAG_DOMAIN, chain_id,
rollup_address]), a nonce, an expiry (unix seconds), then its own fields, and is signed with
EdDSA-Poseidon on BabyJubJub (`circuits.primitives.eddsa`, circomlibjs-identical).  Each message
class has `hash(domain)`, `validate()` (types and bit bounds, raising `Rejected`) and
`sign(prv, domain)` for clients and tests.
"""

from __future__ import annotations

from typing import Any

from circuits.primitives.eddsa import Signature, sign, verify
from native.poseidon import poseidon
from protocol.errors import ErrorCode, Rejected

__all__ = ["Signature", "check_fields", "message_hash", "message_row", "sign_hash", "verify_hash"]


def message_row(tag: int, domain: int, nonce: int, expiry: int, *fields: int) -> list[int]:
    """[tag, domain, nonce, expiry, *fields]: the Poseidon inputs of a signed message."""
    return [tag, domain, nonce, expiry, *fields]


def message_hash(tag: int, domain: int, nonce: int, expiry: int, *fields: int) -> int:
    """Poseidon([tag, domain, nonce, expiry, *fields])."""
    return poseidon([tag, domain, nonce, expiry, *fields])


def sign_hash(prv: bytes, h: int) -> Signature:
    return sign(prv, h)


def verify_hash(pub: tuple[int, int], h: int, sig: Any) -> bool:
    """Pure-Python check (cold paths); the node verifies in batches with native.eddsa."""
    return verify(pub, h, sig)


def check_fields(msg: Any, bounds: dict[str, tuple[int, int]]) -> None:
    """Each named field is an int in [lo, hi]; otherwise Rejected(MALFORMED / VALUE_OUT_OF_RANGE)."""
    for name, (lo, hi) in bounds.items():
        v = getattr(msg, name)
        if not isinstance(v, int) or isinstance(v, bool):
            raise Rejected(ErrorCode.MALFORMED, f"{type(msg).__name__}.{name} must be an integer")
        if not lo <= v <= hi:
            raise Rejected(
                ErrorCode.VALUE_OUT_OF_RANGE, f"{type(msg).__name__}.{name}={v} not in [{lo}, {hi}]"
            )


def check_signature_shape(sig: Any) -> Signature:
    """The signature is (R8=(x, y), S) of ints; its validity is checked separately."""
    if type(sig) is Signature and type(sig.S) is int:
        r8 = sig.R8
        if type(r8) is tuple and len(r8) == 2 and type(r8[0]) is int and type(r8[1]) is int:
            return sig
    if isinstance(sig, Signature):
        ok = isinstance(sig.R8, tuple) and len(sig.R8) == 2
        if ok and all(isinstance(v, int) and not isinstance(v, bool) for v in (*sig.R8, sig.S)):
            return sig
    raise Rejected(ErrorCode.MALFORMED, "signature must be Signature(R8=(x, y), S) of integers")
