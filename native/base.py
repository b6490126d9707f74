"""The interface each native module shares with its pure-Python twin under native.ref: point and
element types, input checks, and the base classes that hold what both backends do the same way
(validation of the argument's shape, the byte layouts).

Neither side inherits behaviour from the other: native.X and native.ref.X both build on this
module, so the twin suites in tests/native compare two independent computations.  Nothing here
loads the compiled extension or py_ecc.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from native.constants import FR_GENERATOR, FR_TWO_ADICITY, Q, R
from native.curve_constants import G1_GENERATOR, G2_GENERATOR

P = Q
MONT_R = pow(2, 256, P)  # Fq's Montgomery R
MONT_R_INV = pow(MONT_R, -1, P)

# ---- fields -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldBase:
    """A prime field: native.fields.NativeField and native.ref.fields.RefField."""

    name: str
    modulus: int

    def check(self, x: int, what: str = "operand") -> int:
        if not isinstance(x, int) or isinstance(x, bool):
            raise TypeError(f"{self.name} {what} must be an int")
        if not 0 <= x < self.modulus:
            raise ValueError(f"{self.name} {what} is not canonical (0 <= x < modulus)")
        return x

    @property
    def mont_r(self) -> int:
        return 2**256 % self.modulus


# ---- the tower: Fq2 = (c0, c1) = c0 + c1*u; Fq12 = 12 ints in py_ecc's basis (native.ref.tower) --------
Fq2 = tuple[int, int]
Fq12 = tuple[int, ...]


def check_fq(x: object, what: str = "Fq element") -> int:
    if not isinstance(x, int) or isinstance(x, bool):
        raise TypeError(f"{what} must be an int")
    if not 0 <= x < P:
        raise ValueError(f"{what} is not canonical (0 <= x < p)")
    return x


def check_fq2(a: object, what: str = "Fq2 element") -> Fq2:
    if not isinstance(a, tuple | list) or len(a) != 2:
        raise TypeError(f"{what} must be a pair (c0, c1) of ints")
    return (check_fq(a[0], f"{what}.c0"), check_fq(a[1], f"{what}.c1"))


def check_fq12(a: object, what: str = "Fq12 element") -> Fq12:
    if not isinstance(a, tuple | list) or len(a) != 12:
        raise TypeError(f"{what} must be 12 ints (py_ecc basis)")
    return tuple(check_fq(c, f"{what}[{i}]") for i, c in enumerate(a))


# ---- curves (layouts: native.ref.curve's docstring and docs/native.md) -------------------------------
G1Point = tuple[int, int] | None
G2Point = tuple[Fq2, Fq2] | None
Point = Any  # G1Point | G2Point; kept loose so one class serves both groups


def to_mont(x: int) -> int:
    return x * MONT_R % P


def from_mont(x: int) -> int:
    return x * MONT_R_INV % P


def buffer_bytes(buf: Any, size: int | None, what: str) -> bytes:
    """The bytes of a bytes-like buffer, checking its size when given."""
    try:
        raw = bytes(memoryview(buf).cast("B"))
    except TypeError as exc:
        raise TypeError(f"{what} must be a bytes-like buffer") from exc
    if size is not None and len(raw) != size:
        raise ValueError(f"{what} must be {size} bytes, got {len(raw)}")
    return raw


def flat(pt: tuple[Any, Any]) -> list[int]:
    x, y = pt
    return [x, y] if isinstance(x, int) else [x[0], x[1], y[0], y[1]]


def unflat(cs: Sequence[int], degree: int) -> Point:
    return (cs[0], cs[1]) if degree == 1 else ((cs[0], cs[1]), (cs[2], cs[3]))


class CurveBase(ABC):
    """One of the two BN254 groups (degree 1: G1 over Fq, degree 2: G2 over Fq2): the sizes, the
    shape checks and the LEM encoding both backends share; the arithmetic is each backend's own."""

    def __init__(self, name: str, degree: int) -> None:
        self.name = name
        self.degree = degree
        self.order = R
        self.coord_size = 32 * degree
        self.lem_size = 64 * degree
        self.jacobian_size = 96 * degree
        self.compressed_size = 32 * degree
        self.generator: Point = G1_GENERATOR if degree == 1 else G2_GENERATOR

    def _check_coord(self, c: object, what: str) -> Any:
        return check_fq(c, what) if self.degree == 1 else check_fq2(c, what)

    def _shape(self, pt: object, what: str) -> Point:
        if pt is None:
            return None
        if not isinstance(pt, tuple | list) or len(pt) != 2:
            raise TypeError(f"{what} must be None or an affine pair (x, y)")
        x = self._check_coord(pt[0], f"{what}: x")
        y = self._check_coord(pt[1], f"{what}: y")
        return (x, y)

    @abstractmethod
    def _on_curve_unchecked(self, pt: Point) -> bool: ...

    @abstractmethod
    def add(self, a: Point, b: Point) -> Point: ...

    @abstractmethod
    def neg(self, a: Point) -> Point: ...

    def is_on_curve(self, pt: Point) -> bool:
        """True when pt is on the curve (None, infinity, is).  Malformed input raises."""
        return self._on_curve_unchecked(self._shape(pt, f"{self.name} point"))

    def sub(self, a: Point, b: Point) -> Point:
        return self.add(a, self.neg(b))

    def to_lem(self, pt: Point) -> bytes:
        pt = self._shape(pt, f"{self.name} point")
        if pt is None:
            return bytes(self.lem_size)
        return b"".join(to_mont(c).to_bytes(32, "little") for c in flat(pt))

    def to_lem_many(self, points: Iterable[Point]) -> bytes:
        return b"".join(self.to_lem(pt) for pt in points)


# ---- MSM ----------------------------------------------------------------------------------------------
def check_msm_sizes(curve: CurveBase, points: Any, scalars: Any) -> int:
    """n, after checking both buffers hold exactly n items each."""
    pn = memoryview(points).nbytes
    sn = memoryview(scalars).nbytes
    if pn % curve.lem_size:
        raise ValueError(f"{curve.name} points buffer: {pn} bytes is not a multiple of {curve.lem_size}")
    if sn % 32:
        raise ValueError(f"scalars buffer: {sn} bytes is not a multiple of 32")
    n = pn // curve.lem_size
    if sn // 32 != n:
        raise ValueError(f"MSM needs as many scalars as points: {sn // 32} scalars, {n} points")
    return n


def fixed_base_count(scalars: Any, window: int) -> tuple[int, memoryview]:
    """(n, byte view) of a fixed-base multiplication's scalars buffer, after the shared checks."""
    if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 16:
        raise ValueError(f"window {window!r} is outside 0..16")
    try:
        mv = memoryview(scalars)
    except TypeError as exc:
        raise TypeError("scalars must be a contiguous bytes-like buffer") from exc
    if not mv.contiguous:
        raise TypeError("scalars must be a contiguous bytes-like buffer")
    mv = mv.cast("B")
    if mv.nbytes % 32:
        raise ValueError(f"scalars buffer: {mv.nbytes} bytes is not a multiple of 32")
    return mv.nbytes // 32, mv


# ---- NTT domains (ffjavascript's; native.ref.ntt's docstring) ----------------------------------------
TWO_ADICITY = FR_TWO_ADICITY
W28 = pow(FR_GENERATOR, (R - 1) >> TWO_ADICITY, R)


def root_of_unity(log_n: int) -> int:
    """ffjavascript's Fr.w[log_n]: a primitive 2^log_n-th root of unity (std form)."""
    if not 0 <= log_n <= TWO_ADICITY:
        raise ValueError(f"log_n must be in 0..{TWO_ADICITY}")
    return pow(W28, 1 << (TWO_ADICITY - log_n), R)


def odd_coset_shift(log_n: int) -> int:
    """The shift snarkjs's Groth16 prover uses for a domain of 2^log_n: w_(log_n+1), or
    Fr.shift = 25 when log_n = 28."""
    return 25 if log_n == TWO_ADICITY else root_of_unity(log_n + 1)


def check_ntt_buffer(buf: Any) -> tuple[memoryview, int]:
    """A writable byte view of buf and log2 of its length in elements."""
    try:
        mv = memoryview(buf)
    except TypeError as exc:
        raise TypeError("NTT buffer must be a writable bytes-like object") from exc
    if mv.readonly:
        raise ValueError("NTT works in place: the buffer must be writable (bytearray, numpy array, ...)")
    if not mv.contiguous:
        raise ValueError("NTT buffer must be contiguous")
    nbytes = mv.nbytes
    if nbytes % 32:
        raise ValueError(f"NTT buffer: {nbytes} bytes is not a multiple of 32")
    n = nbytes // 32
    if n == 0 or n & (n - 1) or n > 1 << TWO_ADICITY:
        raise ValueError(f"NTT size must be a power of two from 1 to 2^{TWO_ADICITY}, got {n}")
    return mv.cast("B"), n.bit_length() - 1


def check_ntt_constant(c: object, what: str) -> int:
    if not isinstance(c, int) or isinstance(c, bool):
        raise TypeError(f"{what} must be an int")
    if not 0 <= c < R:
        raise ValueError(f"{what} is not canonical (0 <= x < r)")
    return c


# ---- pairing ------------------------------------------------------------------------------------------
Pair = tuple[G1Point, G2Point]


def pair_list(pairs: Sequence[Pair]) -> list[tuple[Any, Any]]:
    """The pairs as a list of 2-tuples, or TypeError (structure only)."""
    if not isinstance(pairs, Sequence) or isinstance(pairs, str | bytes):
        raise TypeError("pairing_check takes a sequence of (P, Q) pairs")
    out = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"pair {i} must be a (G1 point, G2 point) pair")
        out.append((pair[0], pair[1]))
    return out


# ---- Merkle paths (native.merkle and its twin circuits.primitives.merkle) --------------------------
MAX_MERKLE_DEPTH = 32  # 4-ary levels: an index below 4^32 = 2^64 fits the C side's uint64_t
MERKLE_ARITY = 4
MERKLE_SIBLINGS = MERKLE_ARITY - 1  # per level, stored flat: siblings[3h .. 3h+2] for height h


def check_path_inputs(leaf: int, siblings: list[int], index: int) -> None:
    """A 4-ary path: 3 siblings per level (1..MAX_MERKLE_DEPTH levels), index < 4^depth, canonical values."""
    depth, rest = divmod(len(siblings), MERKLE_SIBLINGS)
    if rest or not 1 <= depth <= MAX_MERKLE_DEPTH:
        raise ValueError(
            f"a Merkle path has 3 siblings per level, 1..{MAX_MERKLE_DEPTH} levels; got {len(siblings)} siblings"
        )
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < (1 << (2 * depth)):
        raise ValueError(f"leaf index must be in [0, 4^{depth}), got {index!r}")
    for what, x in (("leaf", leaf), *((f"sibling {k}", s) for k, s in enumerate(siblings))):
        if not isinstance(x, int) or isinstance(x, bool) or not 0 <= x < R:
            raise ValueError(f"{what} is not a canonical field element (0 <= x < r)")
