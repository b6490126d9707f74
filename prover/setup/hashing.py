"""BLAKE2b whose state can be saved and restored in snarkjs's "partial hash" layout.

A powers-of-tau contribution stores the response hasher's state after the new points and before
the contributor's public key (216 bytes: noble-hashes' internal buffer, chaining value and
counters), so a verifier can finish the response hash without re-reading the points.  The
hashing itself runs in the native core (native.groth16.blake2b_*), gigabytes at a time.
"""

from __future__ import annotations

from typing import Any

from native.engine import Engine, get_engine

__all__ = ["PartialBlake2b"]

STATE_SIZE = 216


class PartialBlake2b:
    def __init__(self, engine: Engine | None = None, state: bytes | None = None) -> None:
        self._g = (engine or get_engine()).groth16
        if state is None:
            self.state = self._g.blake2b_init()
        else:
            if len(state) != STATE_SIZE:
                raise ValueError(f"a partial hash is {STATE_SIZE} bytes")
            self.state = bytearray(state)
            if int.from_bytes(self.state[200:208], "little") > 128:
                raise ValueError("corrupt partial hash (buffer position beyond the block)")

    def update(self, data: Any) -> PartialBlake2b:
        self._g.blake2b_update(self.state, data)
        return self

    def digest(self) -> bytes:
        return bytes(self._g.blake2b_final(self.state))

    def partial(self) -> bytes:
        """The state as snarkjs stores it (bytes past the pending input are zeroed)."""
        out = bytearray(self.state)
        pos = int.from_bytes(out[200:208], "little")
        out[pos:128] = bytes(128 - pos)
        return bytes(out)
