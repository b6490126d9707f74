"""Reference (pure-Python, py_ecc) twin of native.groth16: the fused kernels the Groth16 prover and
trusted setup need beyond the generic curve/MSM/NTT API.  Same signatures and errors as the C.

Buffers follow docs/native.md: Fr elements are 32-byte little-endian (std or mont form), points are
LEM affine (G1 64 bytes, G2 128 bytes, all-zero = infinity).  `group` is "G1" or "G2".

  build_abc(coefs, witness, domain_size)       QAP evaluations A, B, C = A*B of snarkjs's prover
  points_scale_powers(group, points, first, step)   P_i * (first * step^i)   (batchApplyKey)
  points_ifft(group, points)                   inverse FFT in the exponent (Lagrange basis)
  points_sub(group, a, b)                      a_i - b_i
  points_to_uncompressed(group, points)        ffjavascript's toRprUncompressed, per point
  points_to_compressed(group, points)          ffjavascript's toRprCompressed, per point
  prove(coefs, witness, n_public, log_n, sections, vk_lem, r, s)
                                               the whole Groth16 prover (proof A | B | C, LEM)
  sparse_lincomb(group, bases, scalars, base_index, row_offsets)
                                               row j = sum_k scalars[k] * bases[base_index[k]]
                                               over k in [row_offsets[j], row_offsets[j+1])
"""

from __future__ import annotations

import itertools
import secrets
import struct
from typing import Any

from py_ecc import optimized_bn128 as ob

from native.base import root_of_unity
from native.constants import R
from native.groth16_base import BLAKE2B_STATE_SIZE, COEF_RECORD, coef_count
from native.groth16_base import blake2b_init as blake2b_init
from native.ref import msm, ntt
from native.ref.curve import G1, G2, RefCurve, _from_opt, _to_opt
from native.ref.pairing import pairing_check

MONT_R = 2**256 % R
MONT_R_INV = pow(MONT_R, -1, R)


def curve_of(group: str) -> RefCurve:
    if group == "G1":
        return G1
    if group == "G2":
        return G2
    raise ValueError(f"group must be 'G1' or 'G2', got {group!r}")


def _raw(buf: Any, what: str) -> memoryview:
    try:
        return memoryview(buf).cast("B")
    except TypeError as exc:
        raise TypeError(f"{what} must be a contiguous bytes-like buffer") from exc


def _scalar(x: object, what: str) -> int:
    """An Fr constant given as an int or as a 32-byte little-endian std-form buffer (secrets are
    passed as buffers so that the caller can wipe them)."""
    if isinstance(x, (bytes, bytearray, memoryview)):
        raw = memoryview(x).cast("B")
        if len(raw) != 32:
            raise ValueError(f"{what} must be 32 bytes")
        x = int.from_bytes(raw, "little")
    if not isinstance(x, int) or isinstance(x, bool):
        raise TypeError(f"{what} must be an int or a 32-byte buffer")
    if not 0 <= x < R:
        raise ValueError(f"{what} is not canonical (0 <= x < r)")
    return x


def build_abc(coefs: Any, witness: Any, domain_size: int) -> tuple[bytearray, bytearray, bytearray]:
    """snarkjs's buildABC: A_c = sum over matrix-0 records of value * w_signal (Montgomery product,
    so the zkey's value = coef * R^2 makes A the Montgomery form of sum coef * w), B likewise for
    matrix 1, and C_c = A_c * B_c.  All three returned in Montgomery form."""
    n = coef_count(coefs)
    mv = _raw(coefs, "coefficients section")
    wv = _raw(witness, "witness")
    if len(wv) % 32:
        raise ValueError(f"witness: {len(wv)} bytes is not a multiple of 32")
    n_vars = len(wv) // 32
    if domain_size < 1 or domain_size & (domain_size - 1):
        raise ValueError("domain size must be a power of two")
    w = [int.from_bytes(wv[32 * i : 32 * i + 32], "little") for i in range(n_vars)]
    for i, v in enumerate(w):
        if v >= R:
            raise ValueError(f"witness value {i} is not canonical (must be < r)")
    acc = [[0] * domain_size, [0] * domain_size]
    for k in range(n):
        off = 4 + COEF_RECORD * k
        m, c, s = struct.unpack_from("<III", mv, off)
        value = int.from_bytes(mv[off + 12 : off + 44], "little")
        if m > 1:
            raise ValueError(f"coefficient {k}: matrix {m} is not 0 (A) or 1 (B)")
        if c >= domain_size:
            raise ValueError(f"coefficient {k}: constraint {c} is outside the domain of {domain_size}")
        if s >= n_vars:
            raise ValueError(f"coefficient {k}: signal {s} is beyond the witness ({n_vars} values)")
        if value >= R:
            raise ValueError(f"coefficient {k}: value is not canonical")
        acc[m][c] = (acc[m][c] + value * w[s] * MONT_R_INV) % R
    a, b = acc
    c_vals = [x * y * MONT_R_INV % R for x, y in zip(a, b, strict=True)]
    ea, eb, ec = (bytearray(b"".join(v.to_bytes(32, "little") for v in vals)) for vals in (a, b, c_vals))
    return ea, eb, ec


def _points(curve: RefCurve, points: Any, what: str = "points") -> list[Any]:
    mv = _raw(points, what)
    if len(mv) % curve.lem_size:
        raise ValueError(f"{curve.name} {what}: {len(mv)} bytes is not a multiple of {curve.lem_size}")
    pts = curve.from_lem_many(mv, check=False)
    for i, pt in enumerate(pts):
        if not curve._on_curve_unchecked(pt):
            raise ValueError(f"{curve.name} point {i} is not on the curve")
    return pts


def _opt(pt: Any, curve: RefCurve) -> Any:
    if pt is None:
        return ob.Z1 if curve.degree == 1 else ob.Z2
    return _to_opt(pt)


def random_scalar() -> bytearray:
    """A uniformly random non-zero Fr element (std form, 32 bytes LE) from the OS's CSPRNG."""
    return bytearray((1 + secrets.randbelow(R - 1)).to_bytes(32, "little"))


def fr_inv(a: Any) -> bytearray:
    """The inverse of a non-zero Fr element given as a 32-byte std-form buffer, as a new buffer."""
    x = _scalar(a, "a")
    if x == 0:
        raise ZeroDivisionError("Fr: inverse of zero")
    return bytearray(pow(x, -1, R).to_bytes(32, "little"))


def fr_mul(a: Any, b: Any) -> bytearray:
    """a * b in Fr (std-form buffers or ints in, std-form buffer out)."""
    return bytearray((_scalar(a, "a") * _scalar(b, "b") % R).to_bytes(32, "little"))


def wipe(buf: Any) -> None:
    """Overwrite a secret's buffer with zeros."""
    mv = memoryview(buf).cast("B")
    mv[:] = bytes(len(mv))


def points_scale_powers(group: str, points: Any, first: Any, step: Any) -> bytearray:
    """P_i * (first * step^i): ffjavascript's batchApplyKey on a point section."""
    curve = curve_of(group)
    first, step = _scalar(first, "first"), _scalar(step, "step")
    pts = _points(curve, points)
    out = []
    k = first
    for pt in pts:
        out.append(curve.to_lem(None if pt is None else _from_opt(ob.multiply(_to_opt(pt), k))))
        k = k * step % R
    return bytearray(b"".join(out))


def points_ifft(group: str, points: Any) -> bytearray:
    """Lagrange basis from powers: out_i = (1/n) sum_j w^(-ij) P_j on ffjavascript's domain of n."""
    curve = curve_of(group)
    pts = [_opt(p, curve) for p in _points(curve, points)]
    n = len(pts)
    if n == 0 or n & (n - 1):
        raise ValueError(f"point FFT size must be a power of two, got {n}")
    w_inv = pow(root_of_unity(n.bit_length() - 1), -1, R)
    n_inv = pow(n, -1, R)

    def fft(vals: list[Any], w: int) -> list[Any]:
        m = len(vals)
        if m == 1:
            return vals
        even = fft(vals[0::2], w * w % R)
        odd = fft(vals[1::2], w * w % R)
        res: list[Any] = [None] * m
        t = 1
        for i in range(m // 2):
            o = ob.multiply(odd[i], t) if t != 1 else odd[i]
            res[i] = ob.add(even[i], o)
            res[i + m // 2] = ob.add(even[i], ob.neg(o))
            t = t * w % R
        return res

    out = fft(pts, w_inv)
    return bytearray(b"".join(curve.to_lem(_from_opt(ob.multiply(p, n_inv))) for p in out))


def points_sub(group: str, a: Any, b: Any) -> bytearray:
    curve = curve_of(group)
    pa, pb = _points(curve, a, "a"), _points(curve, b, "b")
    if len(pa) != len(pb):
        raise ValueError(f"points_sub needs equal lengths, got {len(pa)} and {len(pb)}")
    return bytearray(b"".join(curve.to_lem(curve.sub(x, y)) for x, y in zip(pa, pb, strict=True)))


def points_to_uncompressed(group: str, points: Any) -> bytes:
    """Big-endian std coordinates (G2: x.c1, x.c0, y.c1, y.c0); infinity = all zero."""
    curve = curve_of(group)
    out = []
    for pt in curve.from_lem_many(_raw(points, "points"), check=False):
        if pt is None:
            out.append(bytes(curve.lem_size))
            continue
        x, y = pt
        coords = [x, y] if curve.degree == 1 else [x[1], x[0], y[1], y[0]]
        out.append(b"".join(c.to_bytes(32, "big") for c in coords))
    return b"".join(out)


def points_to_compressed(group: str, points: Any) -> bytes:
    curve = curve_of(group)
    return b"".join(curve.compress(pt) for pt in _points(curve, points))


def sparse_lincomb(group: str, bases: Any, scalars: Any, base_index: Any, row_offsets: Any) -> bytearray:
    """Row j = sum_k scalars[k] * bases[base_index[k]] for k in [row_offsets[j], row_offsets[j+1]).
    scalars: std-form Fr buffer; base_index: uint32 buffer; row_offsets: uint64 buffer (n_rows+1)."""
    curve = curve_of(group)
    pts = _points(curve, bases, "bases")
    sv = _raw(scalars, "scalars")
    iv = _raw(base_index, "base_index")
    ov = _raw(row_offsets, "row_offsets")
    n_terms = len(sv) // 32
    if len(sv) % 32 or len(iv) != 4 * n_terms:
        raise ValueError("sparse_lincomb needs one uint32 base index per 32-byte scalar")
    if len(ov) % 8 or len(ov) < 8:
        raise ValueError("row_offsets must hold n_rows + 1 uint64 values")
    offs = list(struct.unpack(f"<{len(ov) // 8}Q", ov))
    if offs[0] != 0 or offs[-1] != n_terms or any(b < a for a, b in itertools.pairwise(offs)):
        raise ValueError("row_offsets must start at 0, not decrease, and end at the number of terms")
    idx = struct.unpack(f"<{n_terms}I", iv)
    out = []
    for j in range(len(offs) - 1):
        acc = ob.Z1 if curve.degree == 1 else ob.Z2
        for k in range(offs[j], offs[j + 1]):
            s = int.from_bytes(sv[32 * k : 32 * k + 32], "little")
            if s >= R:
                raise ValueError(f"scalar {k} is not canonical (must be < r)")
            if idx[k] >= len(pts):
                raise ValueError(f"term {k}: base index {idx[k]} out of range ({len(pts)} bases)")
            pt = pts[idx[k]]
            if pt is not None and s:
                acc = ob.add(acc, ob.multiply(_to_opt(pt), s))
        out.append(curve.to_lem(_from_opt(acc)))
    return bytearray(b"".join(out))


# ---- BLAKE2b with an exportable state ----------------------------------------------------------------
# State buffer (216 bytes), laid out as snarkjs's "partial hash" (noble-hashes' BLAKE2b internals):
#   [0, 128)    the block buffer (its first `pos` bytes are pending input)
#   [128, 192)  h0..h7, little-endian uint64
#   [192, 200)  bytes already compressed (uint64)
#   [200, 208)  pos: pending bytes in the buffer, 1..128 once anything was hashed (uint64)
#   [208, 216)  unused (zero)
# Like noble-hashes, a full buffer is compressed only when more input arrives, because the last
# block must be compressed with the final flag.
_IV = (
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
)  # fmt: skip
_SIGMA = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    (14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3),
    (11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4),
    (7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8),
    (9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13),
    (2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9),
    (12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11),
    (13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10),
    (6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5),
    (10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0),
)  # fmt: skip
_M64 = (1 << 64) - 1


def _compress(h: list[int], block: bytes, counter: int, last: bool) -> None:
    m = struct.unpack("<16Q", block)
    v = [*h, *_IV]
    v[12] ^= counter & _M64
    v[13] ^= counter >> 64
    if last:
        v[14] ^= _M64

    def g(a: int, b: int, c: int, d: int, x: int, y: int) -> None:
        v[a] = (v[a] + v[b] + x) & _M64
        v[d] = ((v[d] ^ v[a]) >> 32 | (v[d] ^ v[a]) << 32) & _M64
        v[c] = (v[c] + v[d]) & _M64
        v[b] = ((v[b] ^ v[c]) >> 24 | (v[b] ^ v[c]) << 40) & _M64
        v[a] = (v[a] + v[b] + y) & _M64
        v[d] = ((v[d] ^ v[a]) >> 16 | (v[d] ^ v[a]) << 48) & _M64
        v[c] = (v[c] + v[d]) & _M64
        v[b] = ((v[b] ^ v[c]) >> 63 | (v[b] ^ v[c]) << 1) & _M64

    for r in range(12):
        s = _SIGMA[r % 10]
        g(0, 4, 8, 12, m[s[0]], m[s[1]])
        g(1, 5, 9, 13, m[s[2]], m[s[3]])
        g(2, 6, 10, 14, m[s[4]], m[s[5]])
        g(3, 7, 11, 15, m[s[6]], m[s[7]])
        g(0, 5, 10, 15, m[s[8]], m[s[9]])
        g(1, 6, 11, 12, m[s[10]], m[s[11]])
        g(2, 7, 8, 13, m[s[12]], m[s[13]])
        g(3, 4, 9, 14, m[s[14]], m[s[15]])
    for i in range(8):
        h[i] ^= v[i] ^ v[i + 8]


def _state_check(state: Any) -> memoryview:
    mv = _raw(state, "BLAKE2b state")
    if len(mv) != BLAKE2B_STATE_SIZE or mv.readonly:
        raise ValueError(f"BLAKE2b state must be a writable {BLAKE2B_STATE_SIZE}-byte buffer")
    return mv


def blake2b_update(state: Any, data: Any) -> None:
    st = _state_check(state)
    d = bytes(_raw(data, "data"))
    h = list(struct.unpack_from("<8Q", st, 128))
    done, pos = struct.unpack_from("<QQ", st, 192)
    if pos > 128:
        raise ValueError("BLAKE2b state is corrupt (pos > 128)")
    i = 0
    while i < len(d):
        if pos == 128:
            done += 128
            _compress(h, bytes(st[:128]), done, False)
            pos = 0
        take = min(128 - pos, len(d) - i)
        st[pos : pos + take] = d[i : i + take]
        pos += take
        i += take
    struct.pack_into("<8Q", st, 128, *h)
    struct.pack_into("<QQ", st, 192, done, pos)


def blake2b_final(state: Any) -> bytes:
    """The digest of what the state has absorbed (the state is left unchanged)."""
    st = _state_check(state)
    h = list(struct.unpack_from("<8Q", st, 128))
    done, pos = struct.unpack_from("<QQ", st, 192)
    if pos > 128:
        raise ValueError("BLAKE2b state is corrupt (pos > 128)")
    block = bytes(st[:pos]) + bytes(128 - pos)
    _compress(h, block, done + pos, True)
    return struct.pack("<8Q", *h)


def pairing_check_lem(g1_points: Any, g2_points: Any) -> bool:
    """prod e(P_i, Q_i) == 1 for LEM buffers of validated pairs (see native.groth16)."""
    g1 = G1.from_lem_many(_raw(g1_points, "G1 points"), check=False)
    g2 = G2.from_lem_many(_raw(g2_points, "G2 points"), check=False)
    if len(g1) != len(g2):
        raise ValueError(f"pairing check needs as many G1 as G2 points, got {len(g1)} and {len(g2)}")
    return bool(pairing_check(list(zip(g1, g2, strict=True))))


# ---- points <-> LEM ---------------------------------------------------------------------------------
def lem_to_points(group: str, buf: Any, *, check: bool = True) -> list[Any]:
    curve = curve_of(group)
    mv = _raw(buf, "points")
    if len(mv) % curve.lem_size:
        raise ValueError(f"{curve.name} points: {len(mv)} bytes is not a multiple of {curve.lem_size}")
    pts = curve.from_lem_many(mv, check=False)
    if check:
        for i, pt in enumerate(pts):
            if not curve._on_curve_unchecked(pt):
                raise ValueError(f"{group} point {i} is not on the curve")
            if not curve.in_subgroup(pt):
                raise ValueError(f"{group} point {i} is not in the order-r subgroup")
    return pts


def points_to_lem(group: str, points: Any) -> bytes:
    return curve_of(group).to_lem_many(points)


# ---- the prover --------------------------------------------------------------------------------------
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
    """snarkjs's Groth16 prover.  A, B evaluations on the domain of 2^log_n from the coefficient
    section and the witness, C = A*B; each interpolated and evaluated on the odd coset w_2n <w_n>,
    where h = A*B - C (Z is constant there and the zkey's H points divide by it); then
      A = alpha + sum w_i A_i + r delta,  B = beta + sum w_i B_i + s delta (G2),
      C = sum_private w_i C_i + sum_j h_j H_j + s A + r (beta1 + sum w_i B1_i + s delta1) - r s delta1.
    Returns A | B | C as LEM bytes."""
    r_int, s_int = _scalar(r, "r"), _scalar(s, "s")
    wv = _raw(witness, "witness")
    n_vars = len(wv) // 32
    if len(wv) % 32:
        raise ValueError(f"witness: {len(wv)} bytes is not a multiple of 32")
    if n_public + 1 > n_vars:
        raise ValueError(f"{n_public} public signals do not fit in {n_vars} witness values")
    a_pts, b1_pts, b2_pts, c_pts, h_pts = (_raw(x, "section") for x in sections)
    expect = (64 * n_vars, 64 * n_vars, 128 * n_vars, 64 * (n_vars - n_public - 1), 64 << log_n)
    for name, mv, size in zip(
        ["A", "B1", "B2", "C", "H"], (a_pts, b1_pts, b2_pts, c_pts, h_pts), expect, strict=True
    ):
        if len(mv) != size:
            raise ValueError(f"zkey section {name} has {len(mv)} bytes, expected {size}")
    n = 1 << log_n
    a, b, c = build_abc(coefs, wv, n)
    shift = ntt.odd_coset_shift(log_n)
    for buf in (a, b, c):
        ntt.ntt(buf, inverse=True)
        ntt.coset_ntt(buf, shift)
    inv = pow(2**256, -1, R)
    h = b"".join(
        ((int.from_bytes(bytes(a[32 * i : 32 * i + 32]), "little") * int.from_bytes(bytes(b[32 * i : 32 * i + 32]), "little") * inv
          - int.from_bytes(bytes(c[32 * i : 32 * i + 32]), "little")) * inv % R).to_bytes(32, "little")
        for i in range(n)
    )  # fmt: skip

    def g1msm(pts: memoryview, sc: memoryview | bytes, what: str) -> Any:
        try:
            return msm.msm_g1(pts, sc) if len(pts) else None
        except ValueError as exc:
            raise ValueError(f"zkey section {what}: {exc}") from None

    pi_a = g1msm(a_pts, wv, "A")
    pib1 = g1msm(b1_pts, wv, "B1")
    try:
        pi_b = msm.msm_g2(b2_pts, wv)
    except ValueError as exc:
        raise ValueError(f"zkey section B2: {exc}") from None
    pi_c = g1msm(c_pts, wv[32 * (n_public + 1) :], "C")
    res_h = g1msm(h_pts, h, "H")
    alpha1, beta1, delta1 = (G1.from_lem(bytes(vk_lem[o : o + 64]), check=False) for o in (0, 64, 256))
    beta2 = G2.from_lem(bytes(vk_lem[128:256]), check=False)
    delta2 = G2.from_lem(bytes(vk_lem[320:448]), check=False)
    A = G1.add(G1.add(pi_a, alpha1), G1.mul(delta1, r_int))
    B = G2.add(G2.add(pi_b, beta2), G2.mul(delta2, s_int))
    B1 = G1.add(G1.add(pib1, beta1), G1.mul(delta1, s_int))
    C = G1.add(G1.add(pi_c, res_h), G1.mul(A, s_int))
    C = G1.add(C, G1.mul(B1, r_int))
    C = G1.add(C, G1.mul(delta1, (-r_int * s_int) % R))
    return G1.to_lem(A) + G2.to_lem(B) + G1.to_lem(C)
