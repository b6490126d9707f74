"""Native batched EdDSA-Poseidon verification; twin: circuits.primitives.eddsa.verify.

`verify_many` checks a whole batch of order signatures in one threaded C call (the sequencer's hot
path).  Like the twin it never raises on malformed input: a signature that cannot even be encoded
(wrong types, values of 2^256 or more) is reported invalid without reaching C, and C rejects
non-canonical values, off-curve or small-order points and S >= l.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from native._lib import ffi, lib

_LIMIT = 1 << 256
_ZERO32 = bytes(32)


def _enc(x: Any) -> bytes | None:
    if isinstance(x, int) and not isinstance(x, bool) and 0 <= x < _LIMIT:
        return x.to_bytes(32, "little")
    return None


def _enc_point(pt: Any) -> bytes | None:
    if not (isinstance(pt, tuple | list) and len(pt) == 2):
        return None
    x, y = _enc(pt[0]), _enc(pt[1])
    return None if x is None or y is None else x + y


def verify_many(pubs: Sequence[Any], msgs: Sequence[Any], sigs: Sequence[Any]) -> list[bool]:
    """Verify signature i of msgs[i] by pubs[i] for every i; one bool per signature."""
    n = len(pubs)
    if len(msgs) != n or len(sigs) != n:
        raise ValueError(f"verify_many needs equal lengths, got {n}, {len(msgs)}, {len(sigs)}")
    if n == 0:
        return []
    pub_b, msg_b, r8_b, s_b = bytearray(), bytearray(), bytearray(), bytearray()
    encodable = [True] * n
    for i, (pub, msg, sig) in enumerate(zip(pubs, msgs, sigs, strict=True)):
        a, m = _enc_point(pub), _enc(msg)
        r8 = s = None
        if isinstance(sig, tuple) and len(sig) == 2:
            r8, s = _enc_point(sig[0]), _enc(sig[1])
        if a is None or m is None or r8 is None or s is None:
            encodable[i] = False
            a, m, r8, s = _ZERO32 * 2, _ZERO32, _ZERO32 * 2, _ZERO32
        pub_b += a
        msg_b += m
        r8_b += r8
        s_b += s
    ok = ffi.new("uint8_t[]", n)
    as_u64 = lambda b: ffi.from_buffer("uint64_t[]", b)  # noqa: E731
    lib.zk_eddsa_verify_many(ok, as_u64(pub_b), as_u64(msg_b), as_u64(r8_b), as_u64(s_b), n)
    return [bool(ok[i]) and encodable[i] for i in range(n)]


def verify(pub: Any, msg: Any, sig: Any) -> bool:
    """True when sig is a valid signature of msg by pub; never raises."""
    return verify_many([pub], [msg], [sig])[0]
