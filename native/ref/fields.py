"""Reference Fq/Fr arithmetic on plain Python ints: the twin of native.fields."""

from __future__ import annotations

from dataclasses import dataclass

FQ_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583
FR_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617


@dataclass(frozen=True)
class RefField:
    """A prime field with the same interface as native.fields.NativeField."""

    name: str
    modulus: int

    def check(self, x: int, what: str = "operand") -> int:
        if not isinstance(x, int) or isinstance(x, bool):
            raise TypeError(f"{self.name} {what} must be an int")
        if not 0 <= x < self.modulus:
            raise ValueError(f"{self.name} {what} is not canonical (0 <= x < modulus)")
        return x

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


FQ = RefField("Fq", FQ_MODULUS)
FR = RefField("Fr", FR_MODULUS)
