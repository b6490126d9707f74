"""SHA-256 over bits (FIPS 180-4), identical to hashlib.sha256; twin: hashlib.

Words are lists of 32 bit-LCs, least significant first; constants stay constants, so the first
rounds (initial state, padding) cost less.  Per bit: XOR of two signals 1 constraint, XOR of three
2 (h = floor(s/2) as a hint with h and s - 2h boolean), Ch 1 (g + e (f - g)), Maj 2 (bc + a (b xor
c)).  A modular sum of k words is its bit decomposition: 32 + bits(k - 1) constraints.

Cost: 25,858 constraints for one block (a 55-byte message) where circomlib's Sha256(440) takes
29,725; the input bits are assumed boolean, as in circomlib (`sha256_bytes` checks bytes itself).
"""

from __future__ import annotations

from collections.abc import Sequence

from circuits.dsl import LC, Circuit, LCLike, as_lc, lc_sum
from circuits.gadgets.bits import num2bits, num2bits_strict

Word = list[LC]

K = [
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
]  # fmt: skip
IV = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19]


def const_word(v: int) -> Word:
    return [as_lc((v >> i) & 1) for i in range(32)]


def word_value(w: Word) -> LC:
    return lc_sum(b * (1 << i) for i, b in enumerate(w))


def _const(b: LC) -> int | None:
    return b.constant_value() if b.is_constant() else None


class _Ops:
    """Bit operations that skip constraints when an operand is a constant."""

    def __init__(self, cs: Circuit) -> None:
        self.cs = cs
        self.n = 0

    def _name(self, kind: str) -> str:
        self.n += 1
        return f"{kind}{self.n}"

    def xor2(self, a: LC, b: LC) -> LC:
        ca, cb = _const(a), _const(b)
        if ca is not None:
            return b if ca == 0 else 1 - b
        if cb is not None:
            return a if cb == 0 else 1 - a
        return a + b - self.cs.mul(a, b, self._name("and")) * 2

    def xor3(self, a: LC, b: LC, c: LC) -> LC:
        consts = [x for x in (a, b, c) if x.is_constant()]
        if consts:
            rest = [x for x in (a, b, c) if not x.is_constant()]
            k = sum(x.constant_value() for x in consts) % 2
            if not rest:
                return as_lc(k)
            v = rest[0] if len(rest) == 1 else self.xor2(rest[0], rest[1])
            return v if k == 0 else 1 - v
        s = a + b + c
        name = self._name("xor3_")
        half, odd = self.cs.hint_divmod(s, 2, name)  # half = majority, odd = xor
        self.cs.assert_bool(half, f"{name}/half")
        self.cs.assert_bool(odd, f"{name}/odd")
        self.cs.assert_equal(half * 2 + odd, s, f"{name}/sum")
        return odd

    def ch(self, e: LC, f: LC, g: LC) -> LC:
        return g + self.cs.mul(e, f - g, self._name("ch"))

    def maj(self, a: LC, b: LC, c: LC) -> LC:
        bc = self.cs.mul(b, c, self._name("maj_bc"))
        return bc + self.cs.mul(a, b + c - bc * 2, self._name("maj"))

    def add(self, words: list[Word]) -> Word:
        """Sum of words mod 2^32, as 32 new bits (or constants when every word is constant)."""
        total = lc_sum(word_value(w) for w in words)
        if total.is_constant():
            return const_word(total.constant_value() % (1 << 32))
        # The sum's largest possible value sets how many carry bits it needs.
        bound = sum(
            sum(1 << i for i, b in enumerate(w) if not (b.is_constant() and b.constant_value() == 0))
            for w in words
        )
        n = max(32, bound.bit_length())
        name = self._name("sum")
        bits = self.cs.hint_bits(total, n, name)
        for i, b in enumerate(bits):
            self.cs.assert_bool(b, f"{name}/bit{i}")
        self.cs.assert_equal(word_value(bits), total, f"{name}/recompose")
        return bits[:32]


def _rotr(w: Word, n: int) -> Word:
    return [w[(i + n) % 32] for i in range(32)]


def _shr(w: Word, n: int) -> Word:
    return [w[i + n] if i + n < 32 else as_lc(0) for i in range(32)]


def compress(cs: Circuit, state: list[Word], block: list[Word], name: str = "block") -> list[Word]:
    """One SHA-256 compression: 8 state words and 16 message words (bit lists, LSB first)."""
    with cs.scope(name):
        ops = _Ops(cs)
        w = list(block)
        with cs.scope("schedule"):
            for t in range(16, 64):
                x15, x2 = w[t - 15], w[t - 2]
                s0 = [
                    ops.xor3(a, b, c)
                    for a, b, c in zip(_rotr(x15, 7), _rotr(x15, 18), _shr(x15, 3), strict=True)
                ]
                s1 = [
                    ops.xor3(a, b, c)
                    for a, b, c in zip(_rotr(x2, 17), _rotr(x2, 19), _shr(x2, 10), strict=True)
                ]
                w.append(ops.add([s1, w[t - 7], s0, w[t - 16]]))
        a, b, c, d, e, f, g, h = state
        for t in range(64):
            with cs.scope(f"round{t}"):
                big_s1 = [ops.xor3(*x) for x in zip(_rotr(e, 6), _rotr(e, 11), _rotr(e, 25), strict=True)]
                ch = [ops.ch(*x) for x in zip(e, f, g, strict=True)]
                big_s0 = [ops.xor3(*x) for x in zip(_rotr(a, 2), _rotr(a, 13), _rotr(a, 22), strict=True)]
                mj = [ops.maj(*x) for x in zip(a, b, c, strict=True)]
                t1 = [h, big_s1, ch, const_word(K[t]), w[t]]
                h, g, f = g, f, e
                e = ops.add([d, *t1])
                d, c, b = c, b, a
                a = ops.add([*t1, big_s0, mj])
        with cs.scope("final"):
            return [ops.add([s, v]) for s, v in zip(state, [a, b, c, d, e, f, g, h], strict=True)]


def pad(bits: Sequence[LCLike]) -> list[LC]:
    """SHA-256 padding of a message of len(bits) bits (big-endian bit order), as constants."""
    n = len(bits)
    out = [as_lc(b) for b in bits] + [as_lc(1)]
    out += [as_lc(0)] * ((448 - len(out)) % 512)
    out += [as_lc((n >> (63 - i)) & 1) for i in range(64)]
    return out


def sha256_bits(cs: Circuit, bits: Sequence[LCLike], name: str = "sha256") -> list[LC]:
    """The 256 digest bits (big-endian, as hashlib's digest bytes read bit by bit) of a message
    given as boolean bit signals in big-endian order."""
    padded = pad(bits)
    state = [const_word(v) for v in IV]
    with cs.scope(name):
        for blk in range(len(padded) // 512):
            chunk = padded[512 * blk : 512 * (blk + 1)]
            # Message word j: big-endian bits 32j .. 32j+31, stored least significant first.
            words = [[chunk[32 * j + 31 - i] for i in range(32)] for j in range(16)]
            state = compress(cs, state, words, f"block{blk}")
    return [word[31 - i] for word in state for i in range(32)]


def sha256_bytes(cs: Circuit, data: list[LCLike], name: str = "sha256") -> list[LC]:
    """SHA-256 of byte signals (each range-checked to 8 bits here); digest bits, big-endian."""
    bits: list[LC] = []
    with cs.scope(name):
        for i, byte in enumerate(data):
            bits.extend(reversed(num2bits(cs, byte, 8, f"byte{i}")))
    return sha256_bits(cs, bits, name)


def digest_bytes(bits: list[int]) -> bytes:
    """Bytes of a digest given as 256 bit values (big-endian), for comparing with hashlib."""
    return bytes(sum(bits[8 * k + j] << (7 - j) for j in range(8)) for k in range(len(bits) // 8))


def uint_to_bits_be(cs: Circuit, x: LCLike, n_bits: int, name: str = "be_bits") -> list[LC]:
    """x as n_bits big-endian bits, range-checked (x < 2^n_bits, n_bits <= 252), for building a
    hashed message out of field values; whole field elements go through field_to_bits_be."""
    return list(reversed(num2bits(cs, x, n_bits, name)))


def field_to_bits_be(cs: Circuit, x: LCLike, name: str = "be_bits") -> list[LC]:
    """A field element as 256 big-endian bits (the EVM's uint256 / abi.encodePacked layout), with
    the strict decomposition so the encoding is unique."""
    return [as_lc(0), as_lc(0), *reversed(num2bits_strict(cs, x, name))]


def digest_to_field(bits: list[LC]) -> LC:
    """int.from_bytes(digest, 'big') mod r, from the 256 digest bits: linear, so free."""
    return lc_sum(b * (1 << (len(bits) - 1 - i)) for i, b in enumerate(bits))
