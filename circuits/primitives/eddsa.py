"""EdDSA-Poseidon on BabyJubJub, identical to circomlibjs `prv2pub` / `signPoseidon` / `verifyPoseidon`.

Key derivation and nonces follow circomlibjs: h = BLAKE-512(prv), s = pruned h[0:32] (little-endian),
A = (s >> 3) * Base8; r = BLAKE-512(h[32:64] || msg as 32 LE bytes) mod l, R8 = r * Base8,
S = (r + Poseidon([R8x, R8y, Ax, Ay, msg]) * s) mod l.  A signature is valid when
S * Base8 == R8 + 8 * hm * A.

`verify` adds the checks circomlibjs leaves out (docs/protocol.md section 10): A and R8 must be canonical curve points
not of small order, S < l and msg < r.  It never raises: any malformed input is simply invalid.
This module is the twin of the native batched verifier (native.eddsa) and of the circuit gadget.
"""

from __future__ import annotations

from typing import NamedTuple, TypeGuard

from circuits.primitives import babyjub as bj
from circuits.primitives.blake512 import blake512
from circuits.primitives.field import R, check_field
from circuits.primitives.poseidon import poseidon

Point = tuple[int, int]


class Signature(NamedTuple):
    R8: Point
    S: int


def _prune(h: bytes) -> int:
    buf = bytearray(h[:32])
    buf[0] &= 0xF8
    buf[31] &= 0x7F
    buf[31] |= 0x40
    return int.from_bytes(buf, "little")


def _check_prv(prv: bytes) -> bytes:
    if not isinstance(prv, bytes | bytearray):
        raise TypeError(f"private key must be bytes, got {type(prv).__name__}")
    return bytes(prv)


def secret_scalar(prv: bytes) -> int:
    """The pruned secret scalar s (a multiple of 8) that circomlibjs derives from prv."""
    return _prune(blake512(_check_prv(prv)))


def prv2pub(prv: bytes) -> Point:
    """The public key A = (s >> 3) * Base8 of a private key (any byte string, usually 32 bytes)."""
    return bj.mul(bj.BASE8, secret_scalar(prv) >> 3)


def message_hash(r8: Point, pub: Point, msg: int) -> int:
    """hm = Poseidon([R8x, R8y, Ax, Ay, msg]), the challenge of the signature."""
    return poseidon([r8[0], r8[1], pub[0], pub[1], msg])


def sign(prv: bytes, msg: int) -> Signature:
    """Sign a field element msg exactly as circomlibjs signPoseidon (deterministic nonce)."""
    check_field(msg, "message")
    h = blake512(_check_prv(prv))
    s = _prune(h)
    pub = bj.mul(bj.BASE8, s >> 3)
    r = int.from_bytes(blake512(h[32:64] + msg.to_bytes(32, "little")), "little") % bj.SUBORDER
    r8 = bj.mul(bj.BASE8, r)
    hm = message_hash(r8, pub, msg)
    return Signature(R8=r8, S=(r + hm * s) % bj.SUBORDER)


def _is_int(x: object) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool)


def precheck(pub: object, msg: object, sig: object) -> bool:
    """The structural checks of verify (everything but the curve equation S*B8 == R8 + 8*hm*A)."""
    if not _is_int(msg) or not 0 <= msg < R:
        return False
    if not isinstance(sig, tuple) or len(sig) != 2:
        return False
    r8, s = sig
    if not _is_int(s) or not 0 <= s < bj.SUBORDER:
        return False
    return all(bj.on_curve(pt) and not bj.is_small_order(tuple(pt)) for pt in (pub, r8))  # type: ignore[arg-type]  # on_curve checked pt is a canonical pair


def verify(pub: Point, msg: int, sig: Signature) -> bool:
    """True when sig is a valid signature of msg by pub; False (never an exception) otherwise."""
    try:
        if not precheck(pub, msg, sig):
            return False
        r8, s = (sig[0][0], sig[0][1]), sig[1]
        a = (pub[0], pub[1])
        hm = message_hash(r8, a, msg)
        left = bj.mul(bj.BASE8, s)
        right = bj.add(r8, bj.mul(a, 8 * hm))
        return left == right
    except (TypeError, ValueError, IndexError):
        return False


def pack_signature(sig: Signature) -> bytes:
    """circomlibjs packSignature: packed R8 (32 bytes) then S little-endian (32 bytes)."""
    return bj.pack(sig.R8) + sig.S.to_bytes(32, "little")


def unpack_signature(buf: bytes) -> Signature | None:
    """Inverse of pack_signature; None when R8 does not decode to a curve point."""
    if not isinstance(buf, bytes | bytearray) or len(buf) != 64:
        return None
    r8 = bj.unpack(bytes(buf[:32]))
    if r8 is None:
        return None
    return Signature(R8=r8, S=int.from_bytes(buf[32:], "little"))
