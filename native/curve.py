"""G1/G2 arithmetic, checks and encodings in the native core; same interface as native.ref.curve.

Points cross the boundary one at a time here (this is the int-level API for tests, keys and proofs);
bulk work goes through the buffer calls: from_lem_many / normalize_many here, and native.msm.
"""

from __future__ import annotations

from typing import Any

from native._lib import ffi, lib
from native.base import MONT_R_INV, CurveBase, P, Point, buffer_bytes, unflat
from native.constants import FR_MODULUS

REASONS = {1: "coordinate is not canonical", 2: "is not on the curve", 3: "is not in the order-r subgroup"}
DECOMPRESS_ERRORS = {
    1: "bad flag bits",
    2: "x is not canonical",
    3: "is not on the curve",
    4: "is not in the order-r subgroup",
}


class NativeCurve(CurveBase):
    """A BN254 group computed by the C core."""

    def __init__(self, name: str, degree: int) -> None:
        super().__init__(name, degree)
        self._limbs = 8 * degree
        self._fn = lambda op: getattr(lib, f"zk_{name.lower()}_{op}")

    # ---- boundary helpers ------------------------------------------------------------------------
    def _to_c(self, pt: Point) -> Any:
        return ffi.from_buffer("uint64_t[]", bytearray(self.to_lem(pt)))

    def _from_c(self, buf: Any) -> Point:
        raw = bytes(ffi.buffer(buf, self.lem_size))
        if not any(raw):
            return None
        coords = [int.from_bytes(raw[i : i + 32], "little") * MONT_R_INV % P for i in range(0, len(raw), 32)]
        return unflat(coords, self.degree)

    def _validate(self, buf: Any, n: int, level: int) -> tuple[int, int]:
        reason = ffi.new("int *")
        bad = self._fn("validate")(buf, n, level, reason)
        return int(bad), int(reason[0])

    def _reason(self, pt: Point, level: int) -> int:
        bad, why = self._validate(self._to_c(pt), 1, level)
        return why if bad >= 0 else 0

    # ---- validation ------------------------------------------------------------------------------
    def _on_curve_unchecked(self, pt: Point) -> bool:
        return self._reason(pt, 1) == 0

    def in_subgroup(self, pt: Point) -> bool:
        pt = self._shape(pt, f"{self.name} point")
        return self._reason(pt, 2) == 0

    def check(self, pt: object, what: str | None = None, *, subgroup: bool = True) -> Point:
        what = what or f"{self.name} point"
        pt = self._shape(pt, what)
        why = self._reason(pt, 2 if subgroup and self.degree == 2 else 1)
        if why:
            raise ValueError(f"{what} {REASONS[why]}")
        return pt

    # ---- group law -------------------------------------------------------------------------------
    def _unary(self, op: str, a: Point) -> Point:
        a = self.check(a, f"{self.name} operand", subgroup=False)
        out = ffi.new("uint64_t[]", self._limbs)
        self._fn(op)(out, self._to_c(a))
        return self._from_c(out)

    def add(self, a: Point, b: Point) -> Point:
        a = self.check(a, f"{self.name} operand a", subgroup=False)
        b = self.check(b, f"{self.name} operand b", subgroup=False)
        out = ffi.new("uint64_t[]", self._limbs)
        self._fn("add")(out, self._to_c(a), self._to_c(b))
        return self._from_c(out)

    def double(self, a: Point) -> Point:
        return self._unary("dbl", a)

    def neg(self, a: Point) -> Point:
        return self._unary("neg", a)

    def mul(self, a: Point, k: int) -> Point:
        return self._mul("mul", a, k)

    def mul_ct(self, a: Point, k: int) -> Point:
        """(k mod r) * a in constant time (complete formulas, masked table reads, Fermat
        inversion): for secret scalars.  Same result as mul."""
        return self._mul("mul_ct", a, k)

    def _mul(self, op: str, a: Point, k: int) -> Point:
        a = self.check(a, f"{self.name} operand", subgroup=False)
        if not isinstance(k, int) or isinstance(k, bool):
            raise TypeError("scalar must be an int")
        k %= FR_MODULUS
        out = ffi.new("uint64_t[]", self._limbs)
        limbs = ffi.new("uint64_t[4]", [(k >> (64 * i)) & (2**64 - 1) for i in range(4)])
        self._fn(op)(out, self._to_c(a), limbs)
        return self._from_c(out)

    # ---- encodings -------------------------------------------------------------------------------
    def from_lem(self, buf: Any, *, check: bool = True) -> Point:
        raw = buffer_bytes(buf, self.lem_size, f"{self.name} LEM point")
        return self._decode_many(raw, check, single=True)[0]

    def from_lem_many(self, buf: Any, *, check: bool = True) -> list[Point]:
        raw = buffer_bytes(buf, None, f"{self.name} LEM buffer")
        if len(raw) % self.lem_size:
            raise ValueError(f"{self.name} LEM buffer length {len(raw)} is not a multiple of {self.lem_size}")
        return self._decode_many(raw, check, single=False)

    def _decode_many(self, raw: bytes, check: bool, single: bool) -> list[Point]:
        n = len(raw) // self.lem_size
        if n:
            bad, why = self._validate(ffi.from_buffer("uint64_t[]", raw), n, 2 if check else 0)
            if bad >= 0:
                what = f"{self.name} LEM point" if single else f"{self.name} point {bad}"
                raise ValueError(f"{what}: {REASONS[why]}" if why == 1 else f"{what} {REASONS[why]}")
        out: list[Point] = []
        for i in range(n):
            chunk = raw[i * self.lem_size : (i + 1) * self.lem_size]
            if not any(chunk):
                out.append(None)
                continue
            coords = [
                int.from_bytes(chunk[j : j + 32], "little") * MONT_R_INV % P for j in range(0, len(chunk), 32)
            ]
            out.append(unflat(coords, self.degree))
        return out

    def check_many(self, buf: Any, *, subgroup: bool = True) -> int:
        """Validate a LEM buffer in place (threaded C, no decoding): the number of points, or
        ValueError naming the first bad one."""
        mv = memoryview(buf).cast("B")
        if mv.nbytes % self.lem_size:
            raise ValueError(
                f"{self.name} LEM buffer length {mv.nbytes} is not a multiple of {self.lem_size}"
            )
        n = mv.nbytes // self.lem_size
        if n:
            bad, why = self._validate(ffi.from_buffer("uint64_t[]", mv), n, 2 if subgroup else 1)
            if bad >= 0:
                what = f"{self.name} point {bad}"
                raise ValueError(f"{what}: {REASONS[why]}" if why == 1 else f"{what} {REASONS[why]}")
        return n

    def normalize_many(self, buf: Any) -> bytes:
        raw = buffer_bytes(buf, None, f"{self.name} Jacobian buffer")
        size = self.jacobian_size
        if len(raw) % size:
            raise ValueError(f"{self.name} Jacobian buffer length {len(raw)} is not a multiple of {size}")
        n = len(raw) // size
        if n == 0:
            return b""
        out = ffi.new("uint64_t[]", self._limbs * n)
        bad = self._fn("normalize")(out, ffi.from_buffer("uint64_t[]", raw), n)
        if bad >= 0:
            raise ValueError(f"{self.name} Jacobian point {bad}: coordinate is not canonical")
        return bytes(ffi.buffer(out))

    def progression(self, start: Point, step: Point, n: int) -> bytes:
        """LEM buffer of start + i*step for i < n (inputs for tests and benchmarks)."""
        start = self.check(start, f"{self.name} start", subgroup=False)
        step = self.check(step, f"{self.name} step", subgroup=False)
        if n < 0:
            raise ValueError("n must be non-negative")
        out = ffi.new("uint64_t[]", max(1, self._limbs * n))
        if n and not self._fn("progression")(out, self._to_c(start), self._to_c(step), n):
            raise MemoryError(f"{self.name} progression of {n} points: out of memory")
        return bytes(ffi.buffer(out, self.lem_size * n))

    def compress(self, pt: Point) -> bytes:
        pt = self.check(pt, f"{self.name} point", subgroup=False)
        out = ffi.new("uint8_t[]", self.compressed_size)
        self._fn("compress")(out, self._to_c(pt))
        return bytes(ffi.buffer(out))

    def decompress(self, buf: Any) -> Point:
        raw = buffer_bytes(buf, self.compressed_size, f"{self.name} compressed point")
        out = ffi.new("uint64_t[]", self._limbs)
        err = self._fn("decompress")(out, raw)
        if err:
            what = f"{self.name} compressed point"
            raise ValueError(
                f"{what}: {DECOMPRESS_ERRORS[err]}" if err <= 2 else f"{what} {DECOMPRESS_ERRORS[err]}"
            )
        return self._from_c(out)


G1 = NativeCurve("G1", 1)
G2 = NativeCurve("G2", 2)
