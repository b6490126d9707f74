"""Reference G1/G2 point arithmetic and encodings, built on py_ecc: the twin of native.curve.

Points at the Python level are affine tuples of canonical (standard-form) ints; the point at
infinity is None:
  G1: (x, y)                    y^2 = x^3 + 3 over Fq
  G2: ((x0, x1), (y0, y1))      y^2 = x^3 + 3/(9+u) over Fq2, x = x0 + x1*u
Byte layouts (docs/native.md):
  LEM         snarkjs's zkey layout: coordinates in Montgomery form, 32-byte little-endian each;
              G1 = x, y (64 bytes), G2 = x.c0, x.c1, y.c0, y.c1 (128 bytes); infinity = all zero.
  Jacobian    (X, Y, Z) in the same per-coordinate layout (96 / 192 bytes); x = X/Z^2,
              y = Y/Z^3; Z = 0 is infinity.
  compressed  ffjavascript's: big-endian x (G2: x.c1 then x.c0), byte 0 | 0x80 when y is
              "negative" (y > (p-1)/2; for Fq2 the sign of c1, or of c0 when c1 = 0);
              infinity = 0x40 then zeros.  32 / 64 bytes.
"""

from __future__ import annotations

from typing import Any

from py_ecc import bn128 as pb
from py_ecc import optimized_bn128 as ob

from native.base import CurveBase, Fq2, P, Point, R, buffer_bytes, from_mont, unflat
from native.ref.tower import f2_add, f2_inv, f2_mul, f2_sqr, f2_sqrt

B1 = 3
B2: Fq2 = f2_mul((3, 0), f2_inv((9, 1)))


def fq_is_negative(x: int) -> bool:
    return x > (P - 1) // 2


class RefCurve(CurveBase):
    """One of the two BN254 groups (degree 1: G1 over Fq, degree 2: G2 over Fq2)."""

    # ---- validation ------------------------------------------------------------------------------
    def _on_curve_unchecked(self, pt: Point) -> bool:
        if pt is None:
            return True
        x, y = pt
        if self.degree == 1:
            return (y * y - x * x * x - B1) % P == 0
        return f2_sqr(y) == f2_add(f2_mul(f2_sqr(x), x), B2)

    def in_subgroup(self, pt: Point) -> bool:
        """True when pt is on the curve and of order dividing r (always true on-curve for G1)."""
        pt = self._shape(pt, f"{self.name} point")
        if not self._on_curve_unchecked(pt):
            return False
        if pt is None or self.degree == 1:
            return True
        return ob.is_inf(ob.multiply(_to_opt(pt), R))

    def check(self, pt: object, what: str | None = None, *, subgroup: bool = True) -> Point:
        """pt itself when it is a valid point; otherwise TypeError/ValueError saying why."""
        what = what or f"{self.name} point"
        pt = self._shape(pt, what)
        if not self._on_curve_unchecked(pt):
            raise ValueError(f"{what} is not on the curve")
        if subgroup and self.degree == 2 and not self.in_subgroup(pt):
            raise ValueError(f"{what} is not in the order-r subgroup")
        return pt

    # ---- group law ---------------------------------------------------------------------------------
    def add(self, a: Point, b: Point) -> Point:
        a = self.check(a, f"{self.name} operand a", subgroup=False)
        b = self.check(b, f"{self.name} operand b", subgroup=False)
        return _from_py(pb.add(_to_py(a), _to_py(b)))

    def double(self, a: Point) -> Point:
        a = self.check(a, f"{self.name} operand", subgroup=False)
        return _from_py(pb.double(_to_py(a)))

    def neg(self, a: Point) -> Point:
        a = self.check(a, f"{self.name} operand", subgroup=False)
        return _from_py(pb.neg(_to_py(a)))

    def mul(self, a: Point, k: int) -> Point:
        """(k mod r) * a, for any int k (equal to k*a for points of the subgroup)."""
        a = self.check(a, f"{self.name} operand", subgroup=False)
        if not isinstance(k, int) or isinstance(k, bool):
            raise TypeError("scalar must be an int")
        if a is None:
            return None
        return _from_opt(ob.multiply(_to_opt(a), k % R))

    def mul_ct(self, a: Point, k: int) -> Point:
        """The twin of the native constant-time multiplication: the same value as mul (py_ecc
        itself is not constant-time)."""
        return self.mul(a, k)

    # ---- encodings ---------------------------------------------------------------------------------
    def from_lem(self, buf: Any, *, check: bool = True) -> Point:
        """Decode one LEM point; coordinates must be canonical; check=True also requires the point
        on the curve and (G2) in the subgroup."""
        raw = buffer_bytes(buf, self.lem_size, f"{self.name} LEM point")
        return self._from_lem_raw(raw, check, f"{self.name} LEM point")

    def _from_lem_raw(self, raw: bytes, check: bool, what: str) -> Point:
        if not any(raw):
            return None
        coords = [int.from_bytes(raw[i : i + 32], "little") for i in range(0, len(raw), 32)]
        if any(c >= P for c in coords):
            raise ValueError(f"{what}: coordinate is not canonical")
        pt = unflat([from_mont(c) for c in coords], self.degree)
        if check:
            self.check(pt, what)
        return pt

    def from_lem_many(self, buf: Any, *, check: bool = True) -> list[Point]:
        raw = buffer_bytes(buf, None, f"{self.name} LEM buffer")
        if len(raw) % self.lem_size:
            raise ValueError(f"{self.name} LEM buffer length {len(raw)} is not a multiple of {self.lem_size}")
        return [
            self._from_lem_raw(raw[i : i + self.lem_size], check, f"{self.name} point {i // self.lem_size}")
            for i in range(0, len(raw), self.lem_size)
        ]

    def check_many(self, buf: Any, *, subgroup: bool = True) -> int:
        """Validate a LEM buffer without decoding it (e.g. a zkey section): the number of points,
        or ValueError naming the first bad one (coordinates canonical, on the curve, and with
        subgroup=True, G2 points in the order-r subgroup)."""
        raw = buffer_bytes(buf, None, f"{self.name} LEM buffer")
        if len(raw) % self.lem_size:
            raise ValueError(f"{self.name} LEM buffer length {len(raw)} is not a multiple of {self.lem_size}")
        for i in range(0, len(raw), self.lem_size):
            pt = self._from_lem_raw(
                raw[i : i + self.lem_size], False, f"{self.name} point {i // self.lem_size}"
            )
            self.check(pt, f"{self.name} point {i // self.lem_size}", subgroup=subgroup)
        return len(raw) // self.lem_size

    def normalize_many(self, buf: Any) -> bytes:
        """Jacobian (X, Y, Z) points, Montgomery form, to LEM affine points (batch normalisation)."""
        raw = buffer_bytes(buf, None, f"{self.name} Jacobian buffer")
        size = self.jacobian_size
        if len(raw) % size:
            raise ValueError(f"{self.name} Jacobian buffer length {len(raw)} is not a multiple of {size}")
        out = []
        for off in range(0, len(raw), size):
            coords = [int.from_bytes(raw[off + i : off + i + 32], "little") for i in range(0, size, 32)]
            if any(c >= P for c in coords):
                raise ValueError(f"{self.name} Jacobian point {off // size}: coordinate is not canonical")
            x, y, z = (self._coord(coords, j) for j in range(3))
            if _is_zero(z):
                out.append(bytes(self.lem_size))
                continue
            zi = self._inv(z)
            zi2 = self._mul(zi, zi)
            out.append(self.to_lem((self._mul(x, zi2), self._mul(y, self._mul(zi2, zi)))))
        return b"".join(out)

    def _coord(self, coords: list[int], j: int) -> Any:
        vals = [from_mont(c) for c in coords[j * self.degree : (j + 1) * self.degree]]
        return vals[0] if self.degree == 1 else (vals[0], vals[1])

    def _mul(self, a: Any, b: Any) -> Any:
        return a * b % P if self.degree == 1 else f2_mul(a, b)

    def _inv(self, a: Any) -> Any:
        return pow(a, -1, P) if self.degree == 1 else f2_inv(a)

    def progression(self, start: Point, step: Point, n: int) -> bytes:
        """LEM buffer of start + i*step for i < n (inputs for tests and benchmarks)."""
        start = self.check(start, f"{self.name} start", subgroup=False)
        step = self.check(step, f"{self.name} step", subgroup=False)
        if n < 0:
            raise ValueError("n must be non-negative")
        out, cur = [], start
        for _ in range(n):
            out.append(cur)
            cur = self.add(cur, step)
        return self.to_lem_many(out)

    def compress(self, pt: Point) -> bytes:
        pt = self.check(pt, f"{self.name} point", subgroup=False)
        if pt is None:
            return b"\x40" + bytes(self.compressed_size - 1)
        x, y = pt
        xs = [x] if self.degree == 1 else [x[1], x[0]]
        out = bytearray(b"".join(c.to_bytes(32, "big") for c in xs))
        if _is_negative(y):
            out[0] |= 0x80
        return bytes(out)

    def decompress(self, buf: Any) -> Point:
        raw = bytearray(buffer_bytes(buf, self.compressed_size, f"{self.name} compressed point"))
        flags = raw[0] & 0xC0
        if flags & 0x40:
            if flags != 0x40 or raw[0] != 0x40 or any(raw[1:]):
                raise ValueError(f"{self.name} compressed point: bad infinity encoding")
            return None
        raw[0] &= 0x3F
        cs = [int.from_bytes(raw[i : i + 32], "big") for i in range(0, len(raw), 32)]
        if any(c >= P for c in cs):
            raise ValueError(f"{self.name} compressed point: x is not canonical")
        if self.degree == 1:
            x: Any = cs[0]
            y2: Any = (x * x * x + B1) % P
            root = pow(y2, (P + 1) // 4, P)
            y: Any = root if root * root % P == y2 else None
        else:
            x = (cs[1], cs[0])
            y = f2_sqrt(f2_add(f2_mul(f2_sqr(x), x), B2))
        if y is None:
            raise ValueError(f"{self.name} compressed point is not on the curve")
        if _is_negative(y) != bool(flags & 0x80):
            y = -y % P if self.degree == 1 else (-y[0] % P, -y[1] % P)
        return self.check((x, y), f"{self.name} compressed point")


def _is_zero(c: Any) -> bool:
    return c == 0 or c == (0, 0)


def _is_negative(y: Any) -> bool:
    if isinstance(y, int):
        return fq_is_negative(y)
    return fq_is_negative(y[1]) if y[1] != 0 else fq_is_negative(y[0])


# ---- py_ecc interop ------------------------------------------------------------------------------
def _to_py(pt: Point) -> Any:
    if pt is None:
        return None
    x, y = pt
    if isinstance(x, int):
        return (pb.FQ(x), pb.FQ(y))
    return (pb.FQ2(list(x)), pb.FQ2(list(y)))


def _from_py(pt: Any) -> Point:
    if pt is None:
        return None
    x, y = pt
    if hasattr(x, "coeffs"):
        return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))
    return (int(x), int(y))


def _to_opt(pt: tuple[Any, Any]) -> Any:
    x, y = pt
    if isinstance(x, int):
        return (ob.FQ(x), ob.FQ(y), ob.FQ.one())
    return (ob.FQ2(list(x)), ob.FQ2(list(y)), ob.FQ2.one())


def _from_opt(pt: Any) -> Point:
    if ob.is_inf(pt):
        return None
    return _from_py_opt(ob.normalize(pt))


def _from_py_opt(pt: Any) -> Point:
    x, y = pt
    if hasattr(x, "coeffs"):
        return ((int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1])))
    return (int(x), int(y))


to_py_ecc = _to_py
from_py_ecc = _from_py

G1 = RefCurve("G1", 1)
G2 = RefCurve("G2", 2)
