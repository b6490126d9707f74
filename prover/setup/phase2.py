"""Phase 2 of the Groth16 trusted setup (circuit-specific), compatible with snarkjs's `zkey` commands.

- `new_zkey(r1cs, ptau)`: the initial proving key from a circuit and a prepared powers-of-tau file
  (gamma = delta = 1), byte-identical to `snarkjs zkey new`, including its circuit hash.
- `contribute(zkey)` / `beacon(zkey, hash, exp)`: multiply delta by a secret (or beacon-derived)
  factor, divide the C and H sections by it, append the public proof of knowledge.
- `verify_zkey(zkey, r1cs, ptau)`: the contribution chain, then every section against a freshly
  built initial key (identical sections; C and H by a random-linear-combination pairing test).
- `export_vk(zkey)`: the verification key.

The secret factor is drawn by the native core into a buffer and zeroed after use; it never
becomes a Python int (with the native engine) and never touches disk.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from native.constants import Q
from native.engine import Engine, get_engine
from prover.formats.json_files import VerifyingKey
from prover.formats.points import G1_SIZE, G2_SIZE
from prover.formats.ptau import (
    SEC_ALPHA_G1,
    SEC_BETA_G1,
    SEC_BETA_G2,
    SEC_L_ALPHA_G1,
    SEC_L_BETA_G1,
    SEC_L_TAU_G1,
    SEC_L_TAU_G2,
    SEC_TAU_G1,
    PTau,
)
from prover.formats.r1cs import R1CS
from prover.formats.zkey import (
    NEW_ORDER,
    NUMERIC_ORDER,
    SEC_A,
    SEC_B1,
    SEC_B2,
    SEC_C,
    SEC_COEFS,
    SEC_H,
    SEC_IC,
    MPCParams,
    R,
    ZKey,
    ZKeyContribution,
    ZKeyHeader,
)
from prover.progress import SILENT, Progress
from prover.setup.common import hash_u32, same_ratio, secret_scalar, single_point_mul, uncompressed
from prover.setup.rng import beacon_rng, fr_from_rng, g1_from_rng, hash_to_g2

__all__ = [
    "SetupError",
    "ZKeyReport",
    "beacon",
    "circuit_power",
    "contribute",
    "contribution_hash",
    "export_vk",
    "new_zkey",
    "verify_zkey",
]

MONT_R3_R = pow(2, 768, R)  # Montgomery product with R^3 turns coef into coef * R^2
H_HASH_CHUNK = 1 << 14


class SetupError(ValueError):
    """The inputs cannot make a key (circuit too big for the ptau, unprepared ptau, wrong curve...)."""


def circuit_power(r1cs: R1CS) -> int:
    """log2 of the QAP domain: the constraints plus one per public signal (and the constant)."""
    n = r1cs.n_constraints + r1cs.n_public + 1
    return max(1, (n - 1).bit_length())


@dataclass
class _Terms:
    rows: np.ndarray  # int64 signal per term
    bases: np.ndarray  # int64 base-point index per term
    coefs: np.ndarray  # uint8 (n, 32) std form


def r1cs_terms(r1cs: R1CS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(matrix, constraint, wire, coef bytes) of every term, in file order."""
    counts = np.diff(r1cs.lc_offsets)
    lc = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return lc % 3, lc // 3, r1cs.wires.astype(np.int64), r1cs.coefs


def _concat(parts: list[_Terms]) -> _Terms:
    return _Terms(
        np.concatenate([p.rows for p in parts]),
        np.concatenate([p.bases for p in parts]),
        np.concatenate([p.coefs for p in parts]),
    )


def _lincomb(engine: Engine, group: str, bases: Any, terms: _Terms, n_rows: int) -> bytearray:
    order = np.argsort(terms.rows, kind="stable")
    counts = np.bincount(terms.rows, minlength=n_rows)
    offsets = np.zeros(n_rows + 1, dtype="<u8")
    np.cumsum(counts, out=offsets[1:])
    scalars = np.ascontiguousarray(terms.coefs[order])
    idx = terms.bases[order].astype("<u4")
    return engine.groth16.sparse_lincomb(group, bases, scalars.tobytes(), idx.tobytes(), offsets.tobytes())


def ones_column(n: int) -> np.ndarray:
    out = np.zeros((n, 32), dtype=np.uint8)
    out[:, 0] = 1
    return out


def check_coefficients(engine: Engine, coefs: np.ndarray) -> None:
    try:
        engine.FR.vec_to_mont(coefs.tobytes())  # rejects a coefficient >= r, naming it
    except ValueError as exc:
        raise SetupError(f"the circuit has a non-canonical coefficient: {exc}") from None


def coef_records(
    engine: Engine, rec_m: np.ndarray, rec_c: np.ndarray, rec_s: np.ndarray, rec_v: np.ndarray
) -> np.ndarray:
    """(n, 44) uint8 records (uint32 matrix, constraint, signal, value = coef * R^2 mod r) as the
    zkey's coefficient section holds them (also the input of the native `build_abc`)."""
    r3 = np.frombuffer(MONT_R3_R.to_bytes(32, "little") * len(rec_v), dtype=np.uint8)
    values = np.frombuffer(bytes(engine.FR.vec_mul(rec_v.tobytes(), r3.tobytes())), dtype=np.uint8).reshape(
        -1, 32
    )
    rec = np.zeros((len(rec_v), 44), dtype=np.uint8)
    rec[:, 0:4] = rec_m.astype("<u4").view(np.uint8).reshape(-1, 4)
    rec[:, 4:8] = rec_c.astype("<u4").view(np.uint8).reshape(-1, 4)
    rec[:, 8:12] = rec_s.astype("<u4").view(np.uint8).reshape(-1, 4)
    rec[:, 12:] = values
    return rec


def coefficient_section(
    engine: Engine, rec_m: np.ndarray, rec_c: np.ndarray, rec_s: np.ndarray, rec_v: np.ndarray
) -> bytes:
    """The zkey's section 4: the record count, then the records."""
    rec = coef_records(engine, rec_m, rec_c, rec_s, rec_v)
    return struct.pack("<I", len(rec)) + rec.tobytes()


def zkey_coefficients(
    engine: Engine, r1cs: R1CS
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray, bytes]:
    """The R1CS's terms (matrix, constraint, wire, coefficient; checked), the public wires 0..n_public
    and the zkey's coefficient section: the A and B terms plus one A row per public wire
    (constraint n_cons + i, coefficient 1), as snarkjs's `zkey new` writes them."""
    mat, cons, wire, coefs = r1cs_terms(r1cs)
    check_coefficients(engine, coefs)
    n_public, n_cons = r1cs.n_public, r1cs.n_constraints
    pub = np.arange(n_public + 1, dtype=np.int64)
    ab = mat < 2
    section = coefficient_section(
        engine,
        np.concatenate([mat[ab], np.zeros(n_public + 1, dtype=np.int64)]),
        np.concatenate([cons[ab], n_cons + pub]),
        np.concatenate([wire[ab], pub]),
        np.concatenate([coefs[ab], ones_column(n_public + 1)]),
    )
    return (mat, cons, wire, coefs), pub, section


def _hash_h_points(hasher: Any, ptau: PTau, domain: int, engine: Engine) -> None:
    """snarkjs hashes the H query in the monomial basis, tau^(i+n) - tau^i, for i < n-1, but in
    chunks of 2^14 that are always full: for n >= 2^15 it hashes n points, the last one reading
    tau^(2n-1).  When the ptau has exactly 2n-1 powers that read runs past section 2 into the next
    64 bytes of the file; we reproduce it from the same bytes so the circuit hash still matches."""
    hash_u32(hasher, domain - 1)
    m = domain - 1 if domain - 1 < H_HASH_CHUNK else -(-(domain - 1) // H_HASH_CHUNK) * H_HASH_CHUNK
    tau = memoryview(ptau.sections[SEC_TAU_G1])
    available = len(tau) // G1_SIZE  # 2N - 1
    regular = min(m, available - domain)
    if regular > 0:
        hi = tau[domain * G1_SIZE : (domain + regular) * G1_SIZE]
        lo = tau[: regular * G1_SIZE]
        hasher.update(engine.groth16.points_to_uncompressed("G1", engine.groth16.points_sub("G1", hi, lo)))
    for j in range(max(regular, 0), m):
        hasher.update(_past_section_difference(ptau, domain + j, j, engine))


_W = 1 << 256
_Q_INV_NEG = (-pow(Q, -1, _W)) % _W


def _wasm_add(x: int, y: int) -> int:
    """wasmcurves' f1m_add on 256-bit words (exact also for non-canonical inputs)."""
    r = x + y
    if r >= _W:
        return (r - _W - Q) % _W
    return r - Q if r >= Q else r


def _wasm_sub(x: int, y: int) -> int:
    r = x - y
    return (r + _W + Q) % _W if r < 0 else r


def _wasm_mul(x: int, y: int) -> int:
    """f1m_mul: (xy + mq) / 2^256 for the Montgomery m, minus q once when at least q."""
    t = x * y
    t = (t + ((t * _Q_INV_NEG) % _W) * Q) >> 256
    return t - Q if t >= Q else t


def _past_section_difference(ptau: PTau, hi_index: int, lo_index: int, engine: Engine) -> bytes:
    """wasmcurves' g1m_subAffine of the 64 bytes found where tauG1[hi_index] would be (LEM words,
    possibly not below q) and tauG1[lo_index], then its batchToAffine and LEMtoU."""
    source = ptau.source
    tau_ref = source.ref(SEC_TAU_G1) if source is not None else None
    raw = b""
    if source is not None and tau_ref is not None:
        start = tau_ref.offset + hi_index * G1_SIZE
        raw = bytes(source.data[start : start + G1_SIZE])
    raw = raw.ljust(G1_SIZE, b"\x00")
    lo = bytes(ptau.sections[SEC_TAU_G1][lo_index * G1_SIZE : (lo_index + 1) * G1_SIZE])
    x1, y1 = int.from_bytes(raw[:32], "little"), int.from_bytes(raw[32:], "little")
    x2, y2 = int.from_bytes(lo[:32], "little"), _wasm_sub(0, int.from_bytes(lo[32:], "little"))
    if x1 == 0 and y1 == 0:
        X, Y, Z = x2, y2, 1
    elif x1 == x2:
        raise SetupError("degenerate bytes after the tauG1 section; cannot reproduce snarkjs's circuit hash")
    else:  # addAffine, formula by formula (the inputs may be non-canonical, so no shortcuts)
        h = _wasm_sub(x2, x1)
        dy = _wasm_sub(y2, y1)
        i = _wasm_add(_wasm_mul(h, h), _wasm_mul(h, h))
        i = _wasm_add(i, i)
        j = _wasm_mul(h, i)
        r = _wasm_add(dy, dy)
        v = _wasm_mul(x1, i)
        x3 = _wasm_sub(_wasm_sub(_wasm_mul(r, r), j), _wasm_add(v, v))
        y1j = _wasm_mul(y1, j)
        y3 = _wasm_sub(_wasm_mul(_wasm_sub(v, x3), r), _wasm_add(y1j, y1j))
        X, Y, Z = x3, y3, _wasm_add(h, h)
    # From here every product has a canonical operand, so plain field arithmetic agrees with wasm.
    rinv = pow(2**256, -1, Q)
    xs, ys, zs = (v * rinv % Q for v in (X, Y, Z))
    zi = pow(zs, -1, Q)
    return uncompressed((xs * zi * zi % Q, ys * zi * zi * zi % Q), "G1")


def new_zkey(r1cs: R1CS, ptau: PTau, engine: Engine | None = None, progress: Progress = SILENT) -> ZKey:
    """The initial Groth16 key for `r1cs` from a prepared `ptau` (snarkjs `zkey new`)."""
    engine = engine or get_engine()
    if r1cs.prime != R:
        raise SetupError("the circuit is not over BN254's scalar field")
    if not ptau.prepared:
        raise SetupError("the powers of tau are not prepared for phase 2 (run `zkclear ptau prepare`)")
    cir_power = circuit_power(r1cs)
    if cir_power > ptau.power:
        raise SetupError(
            f"circuit too big for this powers of tau: it needs 2^{cir_power} "
            f"({r1cs.n_constraints} constraints + {r1cs.n_public + 1} public), the file has 2^{ptau.power}"
        )
    domain = 1 << cir_power
    n_public, n_vars, n_cons = r1cs.n_public, r1cs.n_wires, r1cs.n_constraints
    G1, G2 = engine.G1, engine.G2

    alpha1 = G1.from_lem(bytes(ptau.sections[SEC_ALPHA_G1][:G1_SIZE]))
    beta1 = G1.from_lem(bytes(ptau.sections[SEC_BETA_G1][:G1_SIZE]))
    beta2 = G2.from_lem(bytes(ptau.sections[SEC_BETA_G2][:G2_SIZE]))
    header = ZKeyHeader(
        n_vars, n_public, domain, alpha1, beta1, beta2, G2.generator, G1.generator, G2.generator
    )

    progress.step("zkey: coefficients", 1)
    (mat, cons, wire, coefs), pub, coef_section = zkey_coefficients(engine, r1cs)

    l_tau = ptau.lagrange(SEC_L_TAU_G1, domain)
    l_tau2 = ptau.lagrange(SEC_L_TAU_G2, domain)
    l_alpha = ptau.lagrange(SEC_L_ALPHA_G1, domain)
    l_beta = ptau.lagrange(SEC_L_BETA_G1, domain)

    def terms(mask: np.ndarray, base_offset: int) -> _Terms:
        return _Terms(wire[mask], cons[mask] + base_offset, coefs[mask])

    public_a = _Terms(pub, n_cons + pub, ones_column(n_public + 1))

    progress.step("zkey: A, B1, B2, IC, C points", 5)
    a_pts = _lincomb(engine, "G1", l_tau, _concat([terms(mat == 0, 0), public_a]), n_vars)
    progress.advance()
    b1_pts = _lincomb(engine, "G1", l_tau, terms(mat == 1, 0), n_vars)
    progress.advance()
    b2_pts = _lincomb(engine, "G2", l_tau2, terms(mat == 1, 0), n_vars)
    progress.advance()
    # beta*A + alpha*B + C on one concatenated base: [tau | alpha*tau | beta*tau] Lagrange points.
    bases = bytes(l_tau) + bytes(l_alpha) + bytes(l_beta)
    public_ic = _Terms(pub, 2 * domain + n_cons + pub, ones_column(n_public + 1))
    ic_c = _lincomb(
        engine,
        "G1",
        bases,
        _concat([terms(mat == 0, 2 * domain), terms(mat == 1, domain), terms(mat == 2, 0), public_ic]),
        n_vars,
    )
    progress.advance(2)
    ic_pts = bytes(ic_c[: (n_public + 1) * G1_SIZE])
    c_pts = bytes(ic_c[(n_public + 1) * G1_SIZE :])

    progress.step("zkey: H points, circuit hash", 1)
    l_tau_2n = np.frombuffer(ptau.lagrange(SEC_L_TAU_G1, 2 * domain), dtype=np.uint8).reshape(-1, G1_SIZE)
    h_pts = np.ascontiguousarray(l_tau_2n[1::2]).tobytes()

    hasher = hashlib.blake2b(digest_size=64)
    for pt, group in (
        (alpha1, "G1"),
        (beta1, "G1"),
        (beta2, "G2"),
        (G2.generator, "G2"),
        (G1.generator, "G1"),
        (G2.generator, "G2"),
    ):
        hasher.update(uncompressed(pt, group))
    unc = engine.groth16.points_to_uncompressed
    hash_u32(hasher, n_public + 1)
    hasher.update(unc("G1", ic_pts))
    _hash_h_points(hasher, ptau, domain, engine)
    hash_u32(hasher, n_vars - n_public - 1)
    hasher.update(unc("G1", c_pts))
    for group, pts in (("G1", a_pts), ("G1", b1_pts), ("G2", b2_pts)):
        hash_u32(hasher, n_vars)
        hasher.update(unc(group, pts))
    cs_hash = hasher.digest()
    progress.done()

    sections = {
        SEC_IC: ic_pts,
        SEC_COEFS: coef_section,
        SEC_A: bytes(a_pts),
        SEC_B1: bytes(b1_pts),
        SEC_B2: bytes(b2_pts),
        SEC_C: c_pts,
        SEC_H: h_pts,
    }
    return ZKey(header, sections, MPCParams(cs_hash, []), list(NEW_ORDER))


# ---- contributions ---------------------------------------------------------------------------------
def hash_pubkey(hasher: Any, c: ZKeyContribution) -> None:
    hasher.update(uncompressed(c.delta_after, "G1"))
    hasher.update(uncompressed(c.g1_s, "G1"))
    hasher.update(uncompressed(c.g1_sx, "G1"))
    hasher.update(uncompressed(c.g2_spx, "G2"))
    hasher.update(c.transcript)


def contribution_hash(c: ZKeyContribution) -> bytes:
    h = hashlib.blake2b(digest_size=64)
    hash_pubkey(h, c)
    return h.digest()


def _transcript_hasher(zkey: ZKey) -> Any:
    h = hashlib.blake2b(digest_size=64)
    h.update(zkey.mpc.cs_hash)
    for c in zkey.mpc.contributions:
        hash_pubkey(h, c)
    return h


def _apply(
    zkey: ZKey,
    factor: Any,
    g1_s: Any,
    name: str | None,
    engine: Engine,
    progress: Progress,
    beacon: tuple[bytes, int] | None,
) -> tuple[ZKey, bytes]:
    """The key after multiplying delta by `factor` (a 32-byte std buffer or an int)."""
    g = engine.groth16
    hasher = _transcript_hasher(zkey)
    g1_sx = single_point_mul(engine, "G1", g1_s, factor)
    hasher.update(uncompressed(g1_s, "G1"))
    hasher.update(uncompressed(g1_sx, "G1"))
    transcript = hasher.digest()
    g2_spx = single_point_mul(engine, "G2", hash_to_g2(transcript), factor)
    h = zkey.header
    delta1 = single_point_mul(engine, "G1", h.delta1, factor)
    delta2 = single_point_mul(engine, "G2", h.delta2, factor)
    progress.step("zkey: C and H divided by the factor", 2)
    inv = g.fr_inv(factor)
    try:
        c_pts = g.points_scale_powers("G1", zkey.sections[SEC_C], inv, 1)
        progress.advance()
        h_pts = g.points_scale_powers("G1", zkey.sections[SEC_H], inv, 1)
        progress.advance()
    finally:
        g.wipe(inv)
    progress.done()
    contribution = ZKeyContribution(delta1, g1_s, g1_sx, g2_spx, transcript, 0 if beacon is None else 1, name)
    if beacon is not None:
        contribution.beacon_hash, contribution.num_iterations_exp = beacon
    new_header = ZKeyHeader(
        h.n_vars, h.n_public, h.domain_size, h.alpha1, h.beta1, h.beta2, h.gamma2, delta1, delta2
    )
    sections = dict(zkey.sections)
    sections[SEC_C] = bytes(c_pts)
    sections[SEC_H] = bytes(h_pts)
    new = ZKey(
        new_header,
        sections,
        MPCParams(zkey.mpc.cs_hash, [*zkey.mpc.contributions, contribution]),
        list(NUMERIC_ORDER),
    )
    return new, contribution_hash(contribution)


def contribute(
    zkey: ZKey, name: str | None = None, engine: Engine | None = None, progress: Progress = SILENT
) -> tuple[ZKey, bytes]:
    """A new key with a fresh secret contribution; returns it and the contribution hash."""
    engine = engine or get_engine()
    with secret_scalar(engine) as factor, secret_scalar(engine) as s:
        # g1_s only has to be a point nobody knows the relation of to the factor.
        g1_s = single_point_mul(engine, "G1", engine.G1.generator, s)
        return _apply(zkey, factor, g1_s, name, engine, progress, None)


def beacon(
    zkey: ZKey,
    beacon_hash: bytes,
    num_iterations_exp: int,
    name: str | None = None,
    engine: Engine | None = None,
    progress: Progress = SILENT,
) -> tuple[ZKey, bytes]:
    """A new key with a contribution derived from a public random beacon (reproducible by anyone)."""
    engine = engine or get_engine()
    if not 1 <= len(beacon_hash) <= 255:
        raise SetupError("the beacon hash must be 1 to 255 bytes")
    if not 10 <= num_iterations_exp <= 63:
        raise SetupError("the beacon's iteration exponent must be between 10 and 63")
    rng = beacon_rng(beacon_hash, num_iterations_exp)
    factor = fr_from_rng(rng)
    g1_s = g1_from_rng(rng)
    return _apply(zkey, factor, g1_s, name, engine, progress, (beacon_hash, num_iterations_exp))


# ---- verification -----------------------------------------------------------------------------------
@dataclass
class ZKeyReport:
    ok: bool
    message: str
    cs_hash: bytes
    contributions: list[tuple[str | None, bytes, ZKeyContribution]]


def _random_lincomb(engine: Engine, group: str, points: Any, scalars: bytes) -> Any:
    msm = engine.msm.msm_g1 if group == "G1" else engine.msm.msm_g2
    return msm(points, scalars, check_points=True)


def verify_zkey(
    zkey: ZKey, r1cs: R1CS, ptau: PTau, engine: Engine | None = None, progress: Progress = SILENT
) -> ZKeyReport:
    """Check `zkey` was made from `r1cs` and `ptau` by a valid chain of contributions."""
    engine = engine or get_engine()
    G1, G2 = engine.G1, engine.G2
    mpc = zkey.mpc
    report: list[tuple[str | None, bytes, ZKeyContribution]] = []

    def fail(msg: str) -> ZKeyReport:
        return ZKeyReport(False, msg, mpc.cs_hash, report)

    acc = hashlib.blake2b(digest_size=64)
    acc.update(mpc.cs_hash)
    cur_delta = G1.generator
    for i, c in enumerate(mpc.contributions, start=1):
        ours = acc.copy()
        ours.update(uncompressed(c.g1_s, "G1"))
        ours.update(uncompressed(c.g1_sx, "G1"))
        if ours.digest() != c.transcript:
            return fail(f"contribution {i}: inconsistent transcript")
        for pt, group, label in (
            (c.delta_after, "G1", "deltaAfter"),
            (c.g1_s, "G1", "g1_s"),
            (c.g1_sx, "G1", "g1_sx"),
            (c.g2_spx, "G2", "g2_spx"),
        ):
            if pt is not None and not engine.group(group).in_subgroup(pt):
                return fail(f"contribution {i}: {label} is not a valid curve point")
        g2_sp = hash_to_g2(c.transcript)
        if not same_ratio(engine, c.g1_s, c.g1_sx, g2_sp, c.g2_spx):
            return fail(f"contribution {i}: the public key's G1 and G2 parts do not have the same ratio")
        if not same_ratio(engine, cur_delta, c.delta_after, g2_sp, c.g2_spx):
            return fail(f"contribution {i}: deltaAfter does not follow the public key")
        if c.type == 1:
            if c.beacon_hash is None or c.num_iterations_exp is None:
                return fail(f"contribution {i}: beacon parameters missing")
            rng = beacon_rng(c.beacon_hash, c.num_iterations_exp)
            k = fr_from_rng(rng)
            s = g1_from_rng(rng)
            if s != c.g1_s or G1.mul(s, k) != c.g1_sx:
                return fail(f"contribution {i}: the key does not come from its beacon")
        hash_pubkey(acc, c)
        report.append((c.name, contribution_hash(c), c))
        cur_delta = c.delta_after

    progress.step("verify: rebuilding the initial key", 1)
    try:
        init = new_zkey(r1cs, ptau, engine)
    except SetupError as exc:
        return fail(str(exc))
    h, hi = zkey.header, init.header
    if (h.n_vars, h.n_public, h.domain_size) != (hi.n_vars, hi.n_public, hi.domain_size):
        return fail("different circuit parameters (variables, public signals or domain)")
    for label, a, b in (
        ("alpha1", h.alpha1, hi.alpha1),
        ("beta1", h.beta1, hi.beta1),
        ("beta2", h.beta2, hi.beta2),
        ("gamma2", h.gamma2, hi.gamma2),
    ):
        if a != b:
            return fail(f"invalid {label}")
    if h.delta1 != cur_delta:
        return fail("invalid delta1: it is not the last contribution's deltaAfter")
    if not same_ratio(engine, G1.generator, cur_delta, G2.generator, h.delta2):
        return fail("invalid delta2")
    if mpc.cs_hash != init.mpc.cs_hash:
        return fail("the circuit hash does not match the circuit and powers of tau")
    for sec, label in (
        (SEC_IC, "IC"),
        (SEC_COEFS, "coefficients"),
        (SEC_A, "A"),
        (SEC_B1, "B1"),
        (SEC_B2, "B2"),
    ):
        if bytes(zkey.sections[sec]) != bytes(init.sections[sec]):
            return fail(f"the {label} section is not the one the circuit gives")
    progress.step("verify: C and H sections", 2)
    for sec, label in ((SEC_C, "C"), (SEC_H, "H")):
        pts, pts0 = zkey.sections[sec], init.sections[sec]
        n = len(memoryview(pts)) // G1_SIZE
        if n == 0:
            continue
        scalars = b"".join(secrets.randbits(64).to_bytes(32, "little") for _ in range(n))
        r_init = _random_lincomb(engine, "G1", pts0, scalars)
        r_new = _random_lincomb(engine, "G1", pts, scalars)
        if not same_ratio(engine, r_init, r_new, h.delta2, hi.delta2):
            return fail(f"the {label} section is not the initial one divided by delta")
        progress.advance()
    progress.done()
    return ZKeyReport(True, "zkey OK", mpc.cs_hash, report)


# ffjavascript's final exponentiation raises to m (p^12 - 1)/r with m = 2x(6x^2 + 3x + 1) (its hard
# part is Fuentes-Castaneda's), so snarkjs's vk_alphabeta_12 is e(alpha, beta)^m.  Verifiers never
# read it; we export the same value so our verification_key.json equals snarkjs's byte for byte.
BN_X = 4965661367192848881
FFJS_PAIRING_POWER = 2 * BN_X * (6 * BN_X * BN_X + 3 * BN_X + 1)


def export_vk(zkey: ZKey, engine: Engine | None = None) -> VerifyingKey:
    engine = engine or get_engine()
    h = zkey.header
    ic = engine.G1.from_lem_many(bytes(zkey.sections[SEC_IC]), check=False)
    gt = engine.pairing.pairing(h.alpha1, h.beta2) ** FFJS_PAIRING_POWER
    alphabeta = tuple(int(c) for c in gt.coeffs)
    return VerifyingKey(h.alpha1, h.beta2, h.gamma2, h.delta2, tuple(ic), alphabeta)
