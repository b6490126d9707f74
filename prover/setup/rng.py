"""The deterministic randomness of snarkjs ceremonies, reproduced exactly so that transcripts made
here verify in snarkjs and the other way round.

- `ChaCha`: ffjavascript's ChaCha20 generator (seeded with 8 uint32, block counter in word 12).
- `fq_from_rng`, `fr_from_rng`, `g1_from_rng`, `g2_from_rng`: ffjavascript's `fromRng`.  Field
  elements are drawn as 254-bit integers below the modulus and then *taken as Montgomery
  representations* (ffjavascript stores field elements in Montgomery form and fromRng writes the
  raw integer), so the element is v * 2^-256.  Curve points: x drawn until x^3 + b is a square,
  y's sign from one extra draw, then (G2) times the cofactor.
- `hash_to_g2`: the G2 point a 64-byte hash names (the "sp" of a proof of knowledge).
- `beacon_rng`: 2^e iterated SHA-256 of a public beacon value, as snarkjs's `beacon` commands.

Used for beacons and for the public challenge points; the secret contributions draw their
scalars from the OS's CSPRNG in the native core instead (see `prover.setup.secret`).  The Fq2
and G2 arithmetic runs on the native core (native.tower, native.curve); the pure-Python twins
under native.ref are for the tests.
"""

from __future__ import annotations

import hashlib

from native.base import Point
from native.constants import Q, R
from native.curve import G2
from native.tower import fq2_add, fq2_inv, fq2_mul, fq2_sqr, fq2_sqrt

__all__ = [
    "ChaCha",
    "beacon_rng",
    "fq_from_rng",
    "fr_from_rng",
    "g1_from_rng",
    "g2_from_rng",
    "get_g2_sp",
    "hash_to_g2",
    "seed_from_hash",
]

MASK_254 = (1 << 254) - 1
B2 = fq2_mul((3, 0), fq2_inv((9, 1)))
G2_COFACTOR = 0x30644E72E131A029B85045B68181585E06CEECDA572A2489345F2299C0F9FA8D
_M32 = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _M32


def _quarter(st: list[int], a: int, b: int, c: int, d: int) -> None:
    st[a] = (st[a] + st[b]) & _M32
    st[d] = _rotl(st[d] ^ st[a], 16)
    st[c] = (st[c] + st[d]) & _M32
    st[b] = _rotl(st[b] ^ st[c], 12)
    st[a] = (st[a] + st[b]) & _M32
    st[d] = _rotl(st[d] ^ st[a], 8)
    st[c] = (st[c] + st[d]) & _M32
    st[b] = _rotl(st[b] ^ st[c], 7)


class ChaCha:
    """ffjavascript's ChaCha20 RNG: 16-word blocks, 10 double rounds, 128-bit counter in words 12..15."""

    def __init__(self, seed: list[int]) -> None:
        if len(seed) != 8:
            raise ValueError("ChaCha takes a seed of 8 uint32 words")
        self.state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *(s & _M32 for s in seed), 0, 0, 0, 0]
        self.idx = 16
        self.buff = [0] * 16

    def _update(self) -> None:
        st = list(self.state)
        for _ in range(10):
            _quarter(st, 0, 4, 8, 12)
            _quarter(st, 1, 5, 9, 13)
            _quarter(st, 2, 6, 10, 14)
            _quarter(st, 3, 7, 11, 15)
            _quarter(st, 0, 5, 10, 15)
            _quarter(st, 1, 6, 11, 12)
            _quarter(st, 2, 7, 8, 13)
            _quarter(st, 3, 4, 9, 14)
        self.buff = [(st[i] + self.state[i]) & _M32 for i in range(16)]
        self.idx = 0
        for w in range(12, 16):
            self.state[w] = (self.state[w] + 1) & _M32
            if self.state[w] != 0:
                break

    def next_u32(self) -> int:
        if self.idx == 16:
            self._update()
        v = self.buff[self.idx]
        self.idx += 1
        return v

    def next_u64(self) -> int:
        hi = self.next_u32()
        return hi * 0x100000000 + self.next_u32()

    def next_bool(self) -> bool:
        return (self.next_u32() & 1) == 1


def seed_from_hash(digest: bytes) -> list[int]:
    """The first 32 bytes of a hash as 8 big-endian uint32 words (snarkjs's seeding)."""
    return [int.from_bytes(digest[4 * i : 4 * i + 4], "big") for i in range(8)]


def _draw(rng: ChaCha, modulus: int) -> int:
    while True:
        v = 0
        for i in range(4):
            v += rng.next_u64() << (64 * i)
        v &= MASK_254
        if v < modulus:
            return v


def fq_from_rng(rng: ChaCha) -> int:
    return _draw(rng, Q) * pow(2**256, -1, Q) % Q


def fr_from_rng(rng: ChaCha) -> int:
    return _draw(rng, R) * pow(2**256, -1, R) % R


def _fq_is_negative(x: int) -> bool:
    return x > (Q - 1) // 2


def g1_from_rng(rng: ChaCha) -> tuple[int, int]:
    while True:
        x = fq_from_rng(rng)
        greatest = rng.next_bool()
        rhs = (x * x * x + 3) % Q
        if rhs == 0 or pow(rhs, (Q - 1) // 2, Q) == 1:
            break
    y = pow(rhs, (Q + 1) // 4, Q)
    if _fq_is_negative(y) != greatest:
        y = (Q - y) % Q
    return (x, y)


def _f2_is_negative(a: tuple[int, int]) -> bool:
    return _fq_is_negative(a[1]) if a[1] != 0 else _fq_is_negative(a[0])


def _f2_is_square(a: tuple[int, int]) -> bool:
    if a == (0, 0):
        return True
    # a is a square in Fq2 iff its norm is a square in Fq.
    norm = (a[0] * a[0] + a[1] * a[1]) % Q
    return pow(norm, (Q - 1) // 2, Q) == 1


def g2_from_rng(rng: ChaCha) -> tuple[tuple[int, int], tuple[int, int]]:
    while True:
        x = (fq_from_rng(rng), fq_from_rng(rng))
        greatest = rng.next_bool()
        rhs = fq2_add(fq2_mul(fq2_sqr(x), x), B2)
        if _f2_is_square(rhs):
            break
    y = fq2_sqrt(rhs)
    assert y is not None
    if _f2_is_negative(y) != greatest:
        y = ((Q - y[0]) % Q, (Q - y[1]) % Q)
    # G2.mul reduces its scalar mod r, which is wrong for a point outside the subgroup: use
    # double-and-add on the full cofactor instead.
    acc: Point = None
    base: Point = (x, y)
    k = G2_COFACTOR
    while k:
        if k & 1:
            acc = G2.add(acc, base)
        base = G2.double(base)
        k >>= 1
    assert acc is not None  # the cofactor times a point of the curve is never infinity here
    return acc


def hash_to_g2(digest: bytes) -> tuple[tuple[int, int], tuple[int, int]]:
    return g2_from_rng(ChaCha(seed_from_hash(digest)))


def get_g2_sp(
    personalization: int, challenge: bytes, g1_s_u: bytes, g1_sx_u: bytes
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Phase-1 proof-of-knowledge base: hash_to_g2(blake2b(pers || challenge || g1_s || g1_sx)),
    points in uncompressed form."""
    h = hashlib.blake2b(bytes([personalization]) + challenge + g1_s_u + g1_sx_u, digest_size=64).digest()
    return hash_to_g2(h)


def beacon_rng(beacon_hash: bytes, num_iterations_exp: int) -> ChaCha:
    if not 10 <= num_iterations_exp <= 63:
        raise ValueError("the beacon's iteration exponent must be between 10 and 63")
    cur = beacon_hash
    for _ in range(1 << num_iterations_exp):
        cur = hashlib.sha256(cur).digest()
    return ChaCha(seed_from_hash(cur))
