"""The Groth16 prover's and trusted setup's fused kernels in the native core (native/src/groth16.c);
same interface and errors as the twin native.ref.groth16, whose docstring describes each function.

Secret scalars (contribution factors) are passed as 32-byte buffers and handed to C by pointer,
so with this engine they never become Python ints; `wipe` zeroes them.
"""

from __future__ import annotations

import struct
from typing import Any

from native._lib import ffi, lib
from native.base import odd_coset_shift, root_of_unity
from native.constants import Q as _Q
from native.constants import R
from native.groth16_base import BLAKE2B_STATE_SIZE, COEF_RECORD, blake2b_init, coef_count
from native.groth16_base import group_of as curve_of
from native.groth16_kinds import (
    KIND_A,
    KIND_B1,
    KIND_B2,
    KIND_C,
    KIND_COEF,
    KIND_H,
    KIND_WITNESS,
    LC_KIND_BASE,
    LC_KIND_INDEX,
    LC_KIND_OFFSETS,
    LC_KIND_SCALAR,
)

__all__ = [
    "BLAKE2B_STATE_SIZE",
    "blake2b_final",
    "blake2b_init",
    "blake2b_update",
    "build_abc",
    "fr_inv",
    "fr_mul",
    "lem_to_points",
    "pairing_check_lem",
    "points_ifft",
    "points_scale_powers",
    "points_sub",
    "points_to_compressed",
    "points_to_lem",
    "points_to_uncompressed",
    "prove",
    "random_scalar",
    "sparse_lincomb",
    "wipe",
]


def _view(buf: Any, what: str) -> memoryview:
    try:
        mv = memoryview(buf)
    except TypeError as exc:
        raise TypeError(f"{what} must be a contiguous bytes-like buffer") from exc
    if not mv.contiguous:
        raise ValueError(f"{what} must be contiguous")
    return mv.cast("B")


def _u64(mv: memoryview) -> Any:
    return ffi.from_buffer("uint64_t[]", mv) if len(mv) else ffi.new("uint64_t[]", 1)


def _u8(mv: memoryview) -> Any:
    return ffi.from_buffer("uint8_t[]", mv) if len(mv) else ffi.new("uint8_t[]", 1)


def _scalar_buf(x: Any, what: str) -> Any:
    """A uint64_t[4] for an Fr constant given as an int or a 32-byte std-form buffer."""
    if isinstance(x, (bytes, bytearray, memoryview)):
        mv = _view(x, what)
        if len(mv) != 32:
            raise ValueError(f"{what} must be 32 bytes")
        out = ffi.new("uint64_t[4]")
        ffi.memmove(out, mv, 32)
        return out
    if not isinstance(x, int) or isinstance(x, bool):
        raise TypeError(f"{what} must be an int or a 32-byte buffer")
    if not 0 <= x < R:
        raise ValueError(f"{what} is not canonical (0 <= x < r)")
    return ffi.new("uint64_t[4]", [(x >> (64 * i)) & 0xFFFFFFFFFFFFFFFF for i in range(4)])


def _check_scalar_value(buf: Any, what: str) -> None:
    v = sum(int(buf[i]) << (64 * i) for i in range(4))
    if v >= R:
        raise ValueError(f"{what} is not canonical (0 <= x < r)")


def _points(group: str, buf: Any, what: str = "points") -> tuple[memoryview, int]:
    curve = curve_of(group)
    mv = _view(buf, what)
    if len(mv) % curve.lem_size:
        raise ValueError(f"{curve.name} {what}: {len(mv)} bytes is not a multiple of {curve.lem_size}")
    return mv, len(mv) // curve.lem_size


def _fn(group: str, name: str) -> Any:
    curve_of(group)
    return getattr(lib, f"zk_groth16_{group.lower()}_{name}")


def build_abc(coefs: Any, witness: Any, domain_size: int) -> tuple[bytearray, bytearray, bytearray]:
    n = coef_count(coefs)
    cv = _view(coefs, "coefficients section")
    wv = _view(witness, "witness")
    if len(wv) % 32:
        raise ValueError(f"witness: {len(wv)} bytes is not a multiple of 32")
    if domain_size < 1 or domain_size & (domain_size - 1):
        raise ValueError("domain size must be a power of two")
    n_vars = len(wv) // 32
    out = [bytearray(32 * domain_size) for _ in range(3)]
    kind = ffi.new("int *")
    bad = lib.zk_groth16_build_abc(
        *(ffi.from_buffer("uint64_t[]", o) for o in out),
        ffi.from_buffer("uint8_t[]", cv[4:]) if n else ffi.new("uint8_t[]", 1),
        n,
        _u64(wv),
        n_vars,
        domain_size,
        kind,
    )
    if bad >= 0:
        if kind[0] == KIND_WITNESS:
            raise ValueError(f"witness value {bad} is not canonical (must be < r)")
        off = 4 + COEF_RECORD * bad
        m, c, s = struct.unpack_from("<III", cv, off)
        if m > 1:
            raise ValueError(f"coefficient {bad}: matrix {m} is not 0 (A) or 1 (B)")
        if c >= domain_size:
            raise ValueError(f"coefficient {bad}: constraint {c} is outside the domain of {domain_size}")
        if s >= n_vars:
            raise ValueError(f"coefficient {bad}: signal {s} is beyond the witness ({n_vars} values)")
        raise ValueError(f"coefficient {bad}: value is not canonical")
    return out[0], out[1], out[2]


def random_scalar() -> bytearray:
    out = bytearray(32)
    if lib.zk_groth16_random_fr(ffi.from_buffer("uint64_t[]", out)) != 0:
        raise OSError("the operating system gave no randomness")
    return out


def fr_inv(a: Any) -> bytearray:
    src = _scalar_buf(a, "a")
    out = bytearray(32)
    rc = lib.zk_groth16_fr_inv(ffi.from_buffer("uint64_t[]", out), src)
    lib.zk_groth16_wipe(src, 32)
    if rc != 0:
        raise ZeroDivisionError("Fr: inverse of zero") if not any(out) else ValueError("a is not canonical")
    return out


def fr_mul(a: Any, b: Any) -> bytearray:
    pa, pb = _scalar_buf(a, "a"), _scalar_buf(b, "b")
    out = bytearray(32)
    rc = lib.zk_groth16_fr_mul(ffi.from_buffer("uint64_t[]", out), pa, pb)
    lib.zk_groth16_wipe(pa, 32)
    lib.zk_groth16_wipe(pb, 32)
    if rc != 0:
        raise ValueError("operands must be canonical Fr elements")
    return out


def wipe(buf: Any) -> None:
    mv = _view(buf, "buffer")
    if mv.readonly:
        raise ValueError("cannot wipe a read-only buffer")
    if len(mv):
        lib.zk_groth16_wipe(ffi.from_buffer("uint8_t[]", mv), len(mv))


def _point_error(group: str, bad: int, n: int, what: str = "point") -> ValueError:
    return ValueError(f"{group} {what} {bad} is not a canonical point on the curve")


def points_scale_powers(group: str, points: Any, first: Any, step: Any) -> bytearray:
    mv, n = _points(group, points)
    f, s = _scalar_buf(first, "first"), _scalar_buf(step, "step")
    try:
        _check_scalar_value(f, "first")
        _check_scalar_value(s, "step")
        out = bytearray(len(mv))
        bad = _fn(group, "scale_powers")(_u64(_view(out, "out")), _u64(mv), n, f, s)
    finally:
        lib.zk_groth16_wipe(f, 32)
        lib.zk_groth16_wipe(s, 32)
    if bad >= 0:
        raise _point_error(group, bad, n)
    return out


def points_ifft(group: str, points: Any) -> bytearray:
    mv, n = _points(group, points)
    if n == 0 or n & (n - 1):
        raise ValueError(f"point FFT size must be a power of two, got {n}")
    log_n = n.bit_length() - 1
    root = pow(root_of_unity(log_n), -1, R)
    out = bytearray(len(mv))
    bad = _fn(group, "dft")(
        _u64(_view(out, "out")), _u64(mv), n, _scalar_buf(root, "root"), _scalar_buf(pow(n, -1, R), "scale")
    )
    if bad == -2:
        raise MemoryError("point FFT: out of memory")
    if bad >= 0:
        raise _point_error(group, bad, n)
    return out


def points_sub(group: str, a: Any, b: Any) -> bytearray:
    ma, na = _points(group, a, "a")
    mb, nb = _points(group, b, "b")
    if na != nb:
        raise ValueError(f"points_sub needs equal lengths, got {na} and {nb}")
    out = bytearray(len(ma))
    bad = _fn(group, "sub")(_u64(_view(out, "out")), _u64(ma), _u64(mb), na)
    if bad >= 0:
        raise _point_error(group, bad % na if na else 0, na, "a point" if bad < na else "b point")
    return out


def points_to_uncompressed(group: str, points: Any) -> bytes:
    mv, n = _points(group, points)
    out = bytearray(len(mv))
    bad = _fn(group, "to_uncompressed")(_u8(_view(out, "out")), _u64(mv), n)
    if bad >= 0:
        raise ValueError(f"{group} point {bad} has a non-canonical coordinate")
    return bytes(out)


def points_to_compressed(group: str, points: Any) -> bytes:
    mv, n = _points(group, points)
    out = bytearray(len(mv) // 2)
    bad = _fn(group, "to_compressed")(_u8(_view(out, "out")), _u64(mv), n)
    if bad >= 0:
        raise _point_error(group, bad, n)
    return bytes(out)


def sparse_lincomb(group: str, bases: Any, scalars: Any, base_index: Any, row_offsets: Any) -> bytearray:
    mb, n_bases = _points(group, bases, "bases")
    sv = _view(scalars, "scalars")
    iv = _view(base_index, "base_index")
    ov = _view(row_offsets, "row_offsets")
    n_terms = len(sv) // 32
    if len(sv) % 32 or len(iv) != 4 * n_terms:
        raise ValueError("sparse_lincomb needs one uint32 base index per 32-byte scalar")
    if len(ov) % 8 or len(ov) < 8:
        raise ValueError("row_offsets must hold n_rows + 1 uint64 values")
    n_rows = len(ov) // 8 - 1
    size = curve_of(group).lem_size
    out = bytearray(size * n_rows)
    kind = ffi.new("int *")
    bad = _fn(group, "sparse_lincomb")(
        _u64(_view(out, "out")),
        _u64(mb),
        n_bases,
        _u64(sv),
        ffi.from_buffer("uint32_t[]", iv) if len(iv) else ffi.new("uint32_t[]", 1),
        n_terms,
        _u64(ov),
        n_rows,
        kind,
    )
    if bad >= 0 or kind[0]:
        k = kind[0]
        if k == LC_KIND_BASE:
            raise _point_error(group, bad, n_bases, "base")
        if k == LC_KIND_SCALAR:
            raise ValueError(f"scalar {bad} is not canonical (must be < r)")
        if k == LC_KIND_INDEX:
            raise ValueError(f"term {bad}: base index out of range ({n_bases} bases)")
        if k == LC_KIND_OFFSETS:
            raise ValueError("row_offsets must start at 0, not decrease, and end at the number of terms")
        raise MemoryError("sparse_lincomb: out of memory")
    return out


def blake2b_update(state: Any, data: Any) -> None:
    st = _view(state, "BLAKE2b state")
    if len(st) != BLAKE2B_STATE_SIZE or st.readonly:
        raise ValueError(f"BLAKE2b state must be a writable {BLAKE2B_STATE_SIZE}-byte buffer")
    d = _view(data, "data")
    if lib.zk_groth16_blake2b_update(ffi.from_buffer("uint8_t[]", st), _u8(d), len(d)) != 0:
        raise ValueError("BLAKE2b state is corrupt (pos > 128)")


def blake2b_final(state: Any) -> bytes:
    st = _view(state, "BLAKE2b state")
    if len(st) != BLAKE2B_STATE_SIZE:
        raise ValueError(f"BLAKE2b state must be a {BLAKE2B_STATE_SIZE}-byte buffer")
    out = bytearray(64)
    if lib.zk_groth16_blake2b_final(ffi.from_buffer("uint8_t[]", st), ffi.from_buffer("uint8_t[]", out)) != 0:
        raise ValueError("BLAKE2b state is corrupt (pos > 128)")
    return bytes(out)


def pairing_check_lem(g1_points: Any, g2_points: Any) -> bool:
    """prod e(P_i, Q_i) == 1 for LEM buffers of pairs the caller has already validated (on the
    curve; G2 in the order-r subgroup), with one final exponentiation.  The verifier validates a
    key once and each proof's points natively, so this skips a second, per-call validation."""
    m1, n = _points("G1", g1_points, "G1 points")
    m2, n2 = _points("G2", g2_points, "G2 points")
    if n != n2:
        raise ValueError(f"pairing check needs as many G1 as G2 points, got {n} and {n2}")
    if n == 0:
        return True
    res = lib.zk_pairing_check(_u64(m1), _u64(m2), n)
    if res < 0:
        raise MemoryError("pairing check: out of memory")
    return bool(res)


# ---- points <-> LEM without the curve module (the prover's import path stays light) ------------------
_R_INV_Q = pow(2**256, -1, _Q)
_MONT_Q = 2**256 % _Q


def lem_to_points(group: str, buf: Any, *, check: bool = True) -> list[Any]:
    """Affine std-int points from LEM bytes; coordinates must be canonical, and with check=True
    the points on the curve and (G2) in the order-r subgroup.  ValueError names the bad index."""
    mv, n = _points(group, buf)
    if n:
        reason = ffi.new("int *")
        validate = lib.zk_g1_validate if group == "G1" else lib.zk_g2_validate
        bad = validate(_u64(mv), n, 2 if check else 0, reason)
        if bad >= 0:
            why = {
                1: "has a non-canonical coordinate",
                2: "is not on the curve",
                3: "is not in the order-r subgroup",
            }
            raise ValueError(f"{group} point {bad} {why.get(reason[0], 'is invalid')}")
    raw = bytes(mv)
    size = 64 if group == "G1" else 128
    out: list[Any] = []
    for off in range(0, len(raw), size):
        chunk = raw[off : off + size]
        if not any(chunk):
            out.append(None)
            continue
        cs = [int.from_bytes(chunk[i : i + 32], "little") * _R_INV_Q % _Q for i in range(0, size, 32)]
        out.append((cs[0], cs[1]) if group == "G1" else ((cs[0], cs[1]), (cs[2], cs[3])))
    return out


def points_to_lem(group: str, points: Any) -> bytes:
    """LEM bytes of affine std-int points (None = infinity); coordinates must be canonical."""
    curve_of(group)
    size = 64 if group == "G1" else 128
    parts = []
    for pt in points:
        if pt is None:
            parts.append(bytes(size))
            continue
        x, y = pt
        cs = [x, y] if group == "G1" else [x[0], x[1], y[0], y[1]]
        for c in cs:
            if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c < _Q:
                raise ValueError(f"{group} point coordinate {c!r} is not canonical")
        parts.append(b"".join((c * _MONT_Q % _Q).to_bytes(32, "little") for c in cs))
    return b"".join(parts)


# ---- the prover --------------------------------------------------------------------------------------
_SECTION_NAMES = {KIND_A: "A", KIND_B1: "B1", KIND_B2: "B2", KIND_C: "C", KIND_H: "H"}


def prove(
    coefs: Any,
    witness: Any,
    n_public: int,
    log_n: int,
    sections: tuple[Any, Any, Any, Any, Any],
    vk_lem: bytes,
    r: Any,
    s: Any,
) -> bytes:
    """A Groth16 proof (A | B | C, LEM) in one native call; see the twin for the algorithm.
    sections: the zkey's A, B1, B2, C, H point sections; vk_lem: alpha1 | beta1 | beta2 | delta1 |
    delta2; r, s: the blinding, std-form 32-byte buffers (or ints)."""
    n = coef_count(coefs)
    cv = _view(coefs, "coefficients section")
    wv = _view(witness, "witness")
    if len(wv) % 32:
        raise ValueError(f"witness: {len(wv)} bytes is not a multiple of 32")
    n_vars = len(wv) // 32
    if not 0 <= log_n <= 28:
        raise ValueError("domain too large")
    if n_public + 1 > n_vars:
        raise ValueError(f"{n_public} public signals do not fit in {n_vars} witness values")
    a, b1, b2, c, h = (_view(x, "section") for x in sections)
    expect = (64 * n_vars, 64 * n_vars, 128 * n_vars, 64 * (n_vars - n_public - 1), 64 << log_n)
    for name, mv, size in zip(["A", "B1", "B2", "C", "H"], (a, b1, b2, c, h), expect, strict=True):
        if len(mv) != size:
            raise ValueError(f"zkey section {name} has {len(mv)} bytes, expected {size}")
    if len(vk_lem) != 64 * 3 + 128 * 2:
        raise ValueError("vk_lem must hold alpha1, beta1, beta2, delta1, delta2")
    rs = ffi.new("uint64_t[8]")
    pr, ps = _scalar_buf(r, "r"), _scalar_buf(s, "s")
    ffi.memmove(rs, pr, 32)
    ffi.memmove(rs + 4, ps, 32)
    shift = pow(2, 256, R) * odd_coset_shift(log_n) % R
    out = bytearray(256)
    kind = ffi.new("int *")
    try:
        _check_scalar_value(pr, "r")
        _check_scalar_value(ps, "s")
        bad = lib.zk_groth16_prove(
            ffi.from_buffer("uint64_t[]", out),
            ffi.from_buffer("uint8_t[]", cv[4:]) if n else ffi.new("uint8_t[]", 1),
            n,
            _u64(wv),
            n_vars,
            n_public,
            log_n,
            *(_u64(x) for x in (a, b1, b2, c, h)),
            ffi.from_buffer("uint64_t[]", vk_lem),
            rs,
            _scalar_buf(shift, "shift"),
            kind,
        )
    finally:
        for buf in (rs, pr, ps):
            lib.zk_groth16_wipe(buf, ffi.sizeof(buf))
    if bad >= 0 or kind[0]:
        k = kind[0]
        if k == KIND_COEF:
            off = 4 + COEF_RECORD * bad
            m, con, sig = struct.unpack_from("<III", cv, off)
            if m > 1:
                raise ValueError(f"coefficient {bad}: matrix {m} is not 0 (A) or 1 (B)")
            if con >= 1 << log_n:
                raise ValueError(f"coefficient {bad}: constraint {con} is outside the domain of {1 << log_n}")
            if sig >= n_vars:
                raise ValueError(f"coefficient {bad}: signal {sig} is beyond the witness ({n_vars} values)")
            raise ValueError(f"coefficient {bad}: value is not canonical")
        if k == KIND_WITNESS:
            raise ValueError(f"witness value {bad} is not canonical (must be < r)")
        if k in _SECTION_NAMES:
            raise ValueError(
                f"zkey section {_SECTION_NAMES[k]}: point {bad} is not a canonical point on the curve"
            )
        raise MemoryError("prove: out of memory")
    return bytes(out)
