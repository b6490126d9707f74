"""Fq and Fr arithmetic in the native core, with the same int-level interface as native.ref.fields.

The int-level methods exist for tests, scripts and cold paths; hot code hands whole buffers to the
vector kernels (see docs/native.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from native._lib import buffer_to_ints, ffi, int_to_limbs, ints_to_buffer, lib, new_u64
from native.base import FieldBase
from native.constants import FQ_MODULUS, FR_MODULUS


class NativeField(FieldBase):
    """A BN254 prime field computed by the C core."""

    _fn: Callable[[str], Any]  # op name -> the C function zk_<prefix>_<op>

    def __init__(self, name: str, modulus: int, prefix: str) -> None:
        super().__init__(name, modulus)
        object.__setattr__(self, "_fn", lambda op: getattr(lib, f"zk_{prefix}_{op}"))

    def _mont(self, *values: int) -> Any:
        for i, v in enumerate(values):
            self.check(v, f"operand {i}")
        buf = new_u64(len(values))
        src = ffi.from_buffer("uint64_t[]", ints_to_buffer(list(values)))
        self._fn("to_mont")(buf, src, len(values))
        return buf

    def _std(self, mont: Any, n: int = 1) -> list[int]:
        out = new_u64(n)
        self._fn("from_mont")(out, mont, n)
        return buffer_to_ints(ffi.buffer(out, 32 * n))

    def _binary(self, op: str, a: int, b: int) -> int:
        buf = self._mont(a, b)
        self._fn(op)(buf, buf, buf + 4, 1)
        return self._std(buf)[0]

    def _unary(self, fn: Callable[..., Any], a: int) -> int:
        buf = self._mont(a)
        fn(buf, buf, 1)
        return self._std(buf)[0]

    def add(self, a: int, b: int) -> int:
        return self._binary("add", a, b)

    def sub(self, a: int, b: int) -> int:
        return self._binary("sub", a, b)

    def mul(self, a: int, b: int) -> int:
        return self._binary("mul", a, b)

    def sqr(self, a: int) -> int:
        return self._unary(self._fn("sqr"), a)

    def neg(self, a: int) -> int:
        return self._unary(self._fn("neg"), a)

    def pow(self, a: int, e: int) -> int:
        if e < 0:
            raise ValueError("exponent must be non-negative")
        buf = self._mont(a)
        n_limbs = max(1, (e.bit_length() + 63) // 64)
        exp = ffi.new("uint64_t[]", [(e >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(n_limbs)])
        self._fn("pow")(buf, buf, exp, n_limbs)
        return self._std(buf)[0]

    def inv(self, a: int) -> int:
        return self.batch_inv([a])[0]

    def inv_var(self, a: int) -> int:
        """Inverse with 0 -> 0 by the variable-time safegcd (public values only)."""
        buf = self._mont(a)
        self._fn("inv_var")(buf, buf, 1)
        return self._std(buf)[0]

    def batch_inv(self, values: list[int]) -> list[int]:
        if not values:
            return []
        buf = self._mont(*values)
        bad = self._fn("batch_inv")(buf, buf, len(values))
        if bad >= 0:
            raise ZeroDivisionError(f"{self.name}: inverse of zero at index {bad}")
        return self._std(buf, len(values))

    # ---- vectors (docs/native.md): one C call per operation, buffers used in place ------------------
    def _vec(self, buf: Any, what: str, n: int | None = None) -> tuple[Any, int]:
        try:
            mv = memoryview(buf)
        except TypeError as exc:
            raise TypeError(f"{self.name} {what} must be a contiguous bytes-like buffer") from exc
        if not mv.contiguous:
            raise TypeError(f"{self.name} {what} must be a contiguous bytes-like buffer")
        mv = mv.cast("B")
        if mv.nbytes % 32:
            raise ValueError(f"{self.name} {what}: {mv.nbytes} bytes is not a multiple of 32")
        count = mv.nbytes // 32
        if n is not None and count != n:
            raise ValueError(f"{self.name} {what} must hold {n} elements, got {count}")
        ptr = ffi.from_buffer("uint64_t[]", mv)
        bad = self._fn("check")(ptr, count)
        if bad >= 0:
            raise ValueError(f"{self.name} {what}: element {bad} is not canonical")
        return ptr, count

    def _vec_target(self, out: Any, n: int) -> tuple[Any, Any]:
        if out is None:
            out = bytearray(32 * n)
        mv = memoryview(out)
        if mv.readonly or not mv.contiguous or mv.nbytes != 32 * n:
            raise ValueError(f"{self.name} out must be a writable contiguous buffer of {32 * n} bytes")
        return out, ffi.from_buffer("uint64_t[]", mv.cast("B"), require_writable=True)

    def vec_to_mont(self, a: Any, out: Any = None) -> Any:
        src, n = self._vec(a, "input")
        out, dst = self._vec_target(out, n)
        self._fn("to_mont")(dst, src, n)
        return out

    def vec_from_mont(self, a: Any, out: Any = None) -> Any:
        src, n = self._vec(a, "input")
        out, dst = self._vec_target(out, n)
        self._fn("from_mont")(dst, src, n)
        return out

    def _vec_binary(self, op: str, a: Any, b: Any, out: Any) -> Any:
        pa, n = self._vec(a, "a")
        pb, _ = self._vec(b, "b", n)
        out, dst = self._vec_target(out, n)
        self._fn(op)(dst, pa, pb, n)
        return out

    def vec_add(self, a: Any, b: Any, out: Any = None) -> Any:
        return self._vec_binary("add", a, b, out)

    def vec_sub(self, a: Any, b: Any, out: Any = None) -> Any:
        return self._vec_binary("sub", a, b, out)

    def vec_mul(self, a: Any, b: Any, out: Any = None) -> Any:
        """Montgomery product a*b/2^256: mont x mont -> mont (and mont x std -> std)."""
        return self._vec_binary("mul", a, b, out)

    def vec_inv_var(self, a: Any, out: Any = None) -> Any:
        """Montgomery inverse of each element (aR -> a^-1 R), 0 -> 0; variable time: public data only."""
        src, n = self._vec(a, "input")
        out, dst = self._vec_target(out, n)
        self._fn("inv_var")(dst, src, n)
        return out

    def vec_batch_inv(self, a: Any, out: Any = None) -> Any:
        """Montgomery inverse of each element (aR -> a^-1 R) by one constant-time inversion and
        3(n-1) products (the field's `batch_inv`): for secret data.  A zero raises ZeroDivisionError."""
        src, n = self._vec(a, "input")
        out, dst = self._vec_target(out, n)
        bad = self._fn("batch_inv")(dst, src, n)
        if bad >= 0:
            if bad == n:
                raise MemoryError(f"{self.name}: batch inversion of {n} elements: out of memory")
            raise ZeroDivisionError(f"{self.name}: inverse of zero at index {bad}")
        return out

    def sqrt(self, a: int) -> int | None:
        buf = self._mont(a)
        out = new_u64(1)
        if not self._fn("sqrt")(out, buf):
            return None
        return self._std(out)[0]


FQ = NativeField("Fq", FQ_MODULUS, "fq")
FR = NativeField("Fr", FR_MODULUS, "fr")

__all__ = ["FQ", "FR", "NativeField", "int_to_limbs"]
