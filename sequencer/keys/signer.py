"""A fast EdDSA-Poseidon signer for clients: circomlibjs `signPoseidon`, with the curve multiplication
and the challenge hash in the native core.

Signatures are bit-identical to `circuits.primitives.eddsa.sign` (tests compare them); the secret
scalar and public key are derived once per key instead of once per message, so signing a stream
of orders costs one native fixed-base multiplication and one Poseidon each.
"""

from __future__ import annotations

from circuits.primitives import babyjub as bj
from circuits.primitives.blake512 import blake512
from circuits.primitives.eddsa import Signature, prv2pub
from circuits.primitives.field import R
from native.babyjub import mul_base8
from native.poseidon import poseidon


class Signer:
    def __init__(self, private_key: bytes) -> None:
        if not isinstance(private_key, bytes | bytearray):
            raise TypeError("private key must be bytes")
        self._h = blake512(bytes(private_key))
        buf = bytearray(self._h[:32])
        buf[0] &= 0xF8
        buf[31] &= 0x7F
        buf[31] |= 0x40
        self._s = int.from_bytes(buf, "little")
        self.public_key: tuple[int, int] = prv2pub(bytes(private_key))

    def sign(self, msg: int) -> Signature:
        if not isinstance(msg, int) or not 0 <= msg < R:
            raise ValueError("message must be a canonical field element")
        r = int.from_bytes(blake512(self._h[32:64] + msg.to_bytes(32, "little")), "little") % bj.SUBORDER
        r8 = mul_base8(r)
        hm = poseidon([r8[0], r8[1], self.public_key[0], self.public_key[1], msg])
        return Signature(R8=r8, S=(r + hm * self._s) % bj.SUBORDER)
