"""Reference Fq/Fr arithmetic on plain Python ints: the twin of native.fields."""

from __future__ import annotations

from typing import Any

from native.base import FieldBase
from native.constants import FQ_MODULUS, FR_MODULUS


class RefField(FieldBase):
    """A prime field with the same interface as native.fields.NativeField."""

    def add(self, a: int, b: int) -> int:
        return (self.check(a) + self.check(b)) % self.modulus

    def sub(self, a: int, b: int) -> int:
        return (self.check(a) - self.check(b)) % self.modulus

    def mul(self, a: int, b: int) -> int:
        return self.check(a) * self.check(b) % self.modulus

    def sqr(self, a: int) -> int:
        return self.check(a) ** 2 % self.modulus

    def neg(self, a: int) -> int:
        return -self.check(a) % self.modulus

    def pow(self, a: int, e: int) -> int:
        if e < 0:
            raise ValueError("exponent must be non-negative")
        return pow(self.check(a), e, self.modulus)

    def inv(self, a: int) -> int:
        if self.check(a) == 0:
            raise ZeroDivisionError(f"{self.name}: inverse of zero")
        return pow(a, -1, self.modulus)

    def inv_var(self, a: int) -> int:
        """Inverse with 0 -> 0 (the native one is variable time; this twin has no timing story)."""
        return pow(self.check(a), -1, self.modulus) if a else 0

    def batch_inv(self, values: list[int]) -> list[int]:
        for i, v in enumerate(values):
            if self.check(v, f"element {i}") == 0:
                raise ZeroDivisionError(f"{self.name}: inverse of zero at index {i}")
        return [pow(v, -1, self.modulus) for v in values]

    def sqrt(self, a: int) -> int | None:
        """A square root of a, or None when a is not a square (which root is returned may differ
        between backends; callers needing a canonical choice normalise it)."""
        self.check(a)
        m = self.modulus
        if a == 0:
            return 0
        if pow(a, (m - 1) // 2, m) != 1:
            return None
        if m % 4 == 3:
            return pow(a, (m + 1) // 4, m)
        # Tonelli-Shanks
        s, q = 0, m - 1
        while q % 2 == 0:
            s, q = s + 1, q // 2
        z = 2
        while pow(z, (m - 1) // 2, m) != m - 1:
            z += 1
        c, x, b, k = pow(z, q, m), pow(a, (q + 1) // 2, m), pow(a, q, m), s
        while b != 1:
            i, t = 0, b
            while t != 1:
                t, i = t * t % m, i + 1
            w = pow(c, 1 << (k - i - 1), m)
            c = w * w % m
            x, b, k = x * w % m, b * c % m, i
        return x

    # ---- vectors: contiguous buffers of 32-byte little-endian elements (docs/native.md) ------------
    # Each returns `out` (a new bytearray when not given; it may be one of the inputs, for in-place
    # work).  Elements must be canonical (< modulus) in whichever form the operation expects.

    def _vec_in(self, buf: Any, what: str, n: int | None = None) -> list[int]:
        try:
            mv = memoryview(buf).cast("B")
        except TypeError as exc:
            raise TypeError(f"{self.name} {what} must be a contiguous bytes-like buffer") from exc
        if mv.nbytes % 32:
            raise ValueError(f"{self.name} {what}: {mv.nbytes} bytes is not a multiple of 32")
        if n is not None and mv.nbytes != 32 * n:
            raise ValueError(f"{self.name} {what} must hold {n} elements, got {mv.nbytes // 32}")
        vals = [int.from_bytes(mv[i : i + 32], "little") for i in range(0, mv.nbytes, 32)]
        for i, v in enumerate(vals):
            if v >= self.modulus:
                raise ValueError(f"{self.name} {what}: element {i} is not canonical")
        return vals

    def _vec_out(self, out: Any, vals: list[int]) -> Any:
        data = b"".join(v.to_bytes(32, "little") for v in vals)
        if out is None:
            return bytearray(data)
        mv = memoryview(out)
        if mv.readonly or mv.nbytes != len(data):
            raise ValueError(f"{self.name} out must be a writable buffer of {len(data)} bytes")
        mv.cast("B")[:] = data
        return out

    def vec_to_mont(self, a: Any, out: Any = None) -> Any:
        """Standard form to Montgomery form (x -> x * 2^256 mod m)."""
        return self._vec_out(out, [v * self.mont_r % self.modulus for v in self._vec_in(a, "input")])

    def vec_from_mont(self, a: Any, out: Any = None) -> Any:
        inv = pow(self.mont_r, -1, self.modulus)
        return self._vec_out(out, [v * inv % self.modulus for v in self._vec_in(a, "input")])

    def vec_add(self, a: Any, b: Any, out: Any = None) -> Any:
        va = self._vec_in(a, "a")
        vb = self._vec_in(b, "b", len(va))
        return self._vec_out(out, [(x + y) % self.modulus for x, y in zip(va, vb, strict=True)])

    def vec_sub(self, a: Any, b: Any, out: Any = None) -> Any:
        va = self._vec_in(a, "a")
        vb = self._vec_in(b, "b", len(va))
        return self._vec_out(out, [(x - y) % self.modulus for x, y in zip(va, vb, strict=True)])

    def vec_mul(self, a: Any, b: Any, out: Any = None) -> Any:
        """Montgomery product a*b/2^256: mont x mont -> mont (and mont x std -> std)."""
        va = self._vec_in(a, "a")
        vb = self._vec_in(b, "b", len(va))
        inv = pow(self.mont_r, -1, self.modulus)
        return self._vec_out(out, [x * y * inv % self.modulus for x, y in zip(va, vb, strict=True)])

    def vec_inv_var(self, a: Any, out: Any = None) -> Any:
        """Montgomery inverse of each element (aR -> a^-1 R = (aR)^-1 R^2), 0 -> 0."""
        r2 = self.mont_r**2 % self.modulus
        vals = self._vec_in(a, "input")
        return self._vec_out(out, [pow(x, -1, self.modulus) * r2 % self.modulus if x else 0 for x in vals])

    def vec_batch_inv(self, a: Any, out: Any = None) -> Any:
        """Montgomery inverse of each element (aR -> a^-1 R); a zero raises ZeroDivisionError."""
        r2 = self.mont_r**2 % self.modulus
        vals = self._vec_in(a, "input")
        for i, x in enumerate(vals):
            if x == 0:
                raise ZeroDivisionError(f"{self.name}: inverse of zero at index {i}")
        return self._vec_out(out, [pow(x, -1, self.modulus) * r2 % self.modulus for x in vals])


FQ = RefField("Fq", FQ_MODULUS)
FR = RefField("Fr", FR_MODULUS)
