"""Fast EdDSA-Poseidon signing for clients, tests and benchmarks: the same signatures as
`circuits.primitives.eddsa.sign` (circomlibjs signPoseidon), with the scalar multiplications and
the challenge hash done natively.  Signing needs no secrecy-hardening beyond the reference's
(deterministic nonce from BLAKE-512 of the key and message)."""

from __future__ import annotations

from circuits.primitives import babyjub as bj
from circuits.primitives.blake512 import blake512
from circuits.primitives.eddsa import Signature
from circuits.primitives.field import check_field
from native.babyjub import mul_base8
from native.poseidon import poseidon


class Signer:
    """An L2 key: `pub` and `sign(msg)` for field-element messages."""

    __slots__ = ("_h", "_s", "pub")

    def __init__(self, prv: bytes) -> None:
        if not isinstance(prv, bytes | bytearray):
            raise TypeError("private key must be bytes")
        self._h = blake512(bytes(prv))
        buf = bytearray(self._h[:32])
        buf[0] &= 0xF8
        buf[31] &= 0x7F
        buf[31] |= 0x40
        self._s = int.from_bytes(buf, "little")
        self.pub: tuple[int, int] = mul_base8(self._s >> 3)

    def sign(self, msg: int) -> Signature:
        check_field(msg, "message")
        r = int.from_bytes(blake512(self._h[32:64] + msg.to_bytes(32, "little")), "little") % bj.SUBORDER
        r8 = mul_base8(r)
        hm = poseidon([r8[0], r8[1], self.pub[0], self.pub[1], msg])
        return Signature(R8=r8, S=(r + hm * self._s) % bj.SUBORDER)
