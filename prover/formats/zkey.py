"""Groth16 `.zkey` proving keys, byte-compatible with snarkjs (iden3 container, magic "zkey", v1).

Sections (docs/protocol.md has the full table):
   1  protocol id (uint32; 1 = Groth16)
   2  Groth16 header: n8q, q, n8r, r, nVars, nPublic, domainSize (uint32s and LE primes), then
      alpha1, beta1, beta2, gamma2, delta1, delta2 (LEM points)
   3  IC: nPublic+1 G1 points, (beta*A_i + alpha*B_i + C_i)(tau) / gamma
   4  coefficients of A and B: uint32 count, then (uint32 matrix, uint32 constraint, uint32 signal,
      32-byte value) where value = coef * R^2 mod r as a plain integer (R = 2^256), so that one
      Montgomery product with a std-form witness value gives the Montgomery form of coef * w
   5  A: nVars G1 points A_i(tau);  6  B1: nVars G1 points B_i(tau);  7  B2: nVars G2 points
   8  C: (nVars - nPublic - 1) G1 points (beta*A_i + alpha*B_i + C_i)(tau) / delta, private i
   9  H: domainSize G1 points L^{2n}_{2i+1}(tau) / delta (odd Lagrange points of the doubled domain)
  10  MPC parameters: 64-byte circuit hash, uint32 count, contributions (see Contribution)

The point sections are kept as buffers (views of the mapped file on read), never decoded one by
one: the prover hands them to the native MSM as they are.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from typing import Any

from native.constants import Q, R
from native.engine import Engine, get_engine
from prover.formats.binfile import BinFile, FormatError, open_writer, read_binfile
from prover.formats.points import G1_SIZE, G2_SIZE, read_point, write_point

__all__ = [
    "MPCParams",
    "ZKey",
    "ZKeyContribution",
    "ZKeyHeader",
    "read_zkey",
    "write_zkey",
]

MAGIC = "zkey"
VERSION = 1
GROTH16 = 1

SEC_HEADER, SEC_GROTH, SEC_IC, SEC_COEFS, SEC_A, SEC_B1, SEC_B2, SEC_C, SEC_H, SEC_MPC = range(1, 11)
POINT_SECTIONS = (SEC_IC, SEC_COEFS, SEC_A, SEC_B1, SEC_B2, SEC_C, SEC_H)
# snarkjs `zkey new` writes the sections in this order; contributions rewrite them in numeric order.
NEW_ORDER = [1, 2, 4, 3, 9, 8, 5, 6, 7, 10]
NUMERIC_ORDER = list(range(1, 11))
COEF_RECORD = 12 + 32


@dataclass
class ZKeyHeader:
    n_vars: int
    n_public: int
    domain_size: int
    alpha1: Any
    beta1: Any
    beta2: Any
    gamma2: Any
    delta1: Any
    delta2: Any

    @property
    def power(self) -> int:
        return self.domain_size.bit_length() - 1

    def to_bytes(self, engine: Engine | None = None) -> bytes:
        engine = engine or get_engine()
        return b"".join(
            [
                struct.pack("<I", 32),
                Q.to_bytes(32, "little"),
                struct.pack("<I", 32),
                R.to_bytes(32, "little"),
                struct.pack("<III", self.n_vars, self.n_public, self.domain_size),
                write_point(self.alpha1, "G1", engine),
                write_point(self.beta1, "G1", engine),
                write_point(self.beta2, "G2", engine),
                write_point(self.gamma2, "G2", engine),
                write_point(self.delta1, "G1", engine),
                write_point(self.delta2, "G2", engine),
            ]
        )


@dataclass
class ZKeyContribution:
    """One phase-2 contribution: the new delta and a proof of knowledge of the factor applied."""

    delta_after: Any  # G1
    g1_s: Any  # G1
    g1_sx: Any  # G1
    g2_spx: Any  # G2
    transcript: bytes  # 64 bytes
    type: int = 0  # 0 = random contribution, 1 = beacon
    name: str | None = None
    num_iterations_exp: int | None = None
    beacon_hash: bytes | None = None


@dataclass
class MPCParams:
    cs_hash: bytes
    contributions: list[ZKeyContribution] = field(default_factory=list)


def encode_params(
    name: str | None, type_: int, num_iterations_exp: int | None, beacon_hash: bytes | None
) -> bytes:
    """snarkjs's contribution parameter list: (1, len, utf-8 name), then for a beacon
    (2, iterations exponent) and (3, len, beacon hash); prefixed by its uint32 length."""
    params = bytearray()
    if name:
        data = name[:64].encode("utf-8")[:255]
        params += bytes([1, len(data)]) + data
    if type_ == 1:
        if num_iterations_exp is None or beacon_hash is None:
            raise ValueError("a beacon contribution needs its hash and iteration exponent")
        params += bytes([2, num_iterations_exp, 3, len(beacon_hash)]) + beacon_hash
    return struct.pack("<I", len(params)) + bytes(params)


def decode_params(buf: Any, pos: int, what: str) -> tuple[dict[str, Any], int]:
    (length,) = struct.unpack_from("<I", buf, pos)
    pos += 4
    end = pos + length
    if end > len(buf):
        raise FormatError(f"{what}: parameters run past the section")
    out: dict[str, Any] = {}
    last = 0
    while pos < end:
        ptype = buf[pos]
        pos += 1
        if ptype <= last:
            raise FormatError(f"{what}: parameters must be sorted")
        last = ptype
        if ptype == 1:
            n = buf[pos]
            out["name"] = bytes(buf[pos + 1 : pos + 1 + n]).decode("utf-8", errors="replace")
            pos += 1 + n
        elif ptype == 2:
            out["num_iterations_exp"] = buf[pos]
            pos += 1
        elif ptype == 3:
            n = buf[pos]
            out["beacon_hash"] = bytes(buf[pos + 1 : pos + 1 + n])
            pos += 1 + n
        else:
            raise FormatError(f"{what}: unknown parameter {ptype}")
    if pos != end:
        raise FormatError(f"{what}: parameters do not match their length")
    return out, pos


def encode_mpc(mpc: MPCParams, engine: Engine | None = None) -> bytes:
    engine = engine or get_engine()
    parts = [mpc.cs_hash, struct.pack("<I", len(mpc.contributions))]
    for c in mpc.contributions:
        parts += [
            write_point(c.delta_after, "G1", engine),
            write_point(c.g1_s, "G1", engine),
            write_point(c.g1_sx, "G1", engine),
            write_point(c.g2_spx, "G2", engine),
            c.transcript,
            struct.pack("<I", c.type),
            encode_params(c.name, c.type, c.num_iterations_exp, c.beacon_hash),
        ]
    return b"".join(parts)


def decode_mpc(buf: Any, name: str, engine: Engine | None = None) -> MPCParams:
    engine = engine or get_engine()
    if len(buf) < 68:
        raise FormatError(f"{name}: MPC section too short")
    cs_hash = bytes(buf[:64])
    (n,) = struct.unpack_from("<I", buf, 64)
    pos = 68
    contributions = []
    for i in range(n):
        what = f"{name}: contribution {i + 1}"
        if pos + 3 * G1_SIZE + G2_SIZE + 64 + 8 > len(buf):
            raise FormatError(f"{what}: truncated")
        # Contribution points are not subgroup-checked here: `zkey verify` checks their ratios.
        delta_after = read_point(buf, pos, "G1", f"{what} deltaAfter", engine, check=False)
        g1_s = read_point(buf, pos + 64, "G1", f"{what} g1_s", engine, check=False)
        g1_sx = read_point(buf, pos + 128, "G1", f"{what} g1_sx", engine, check=False)
        g2_spx = read_point(buf, pos + 192, "G2", f"{what} g2_spx", engine, check=False)
        pos += 3 * G1_SIZE + G2_SIZE
        transcript = bytes(buf[pos : pos + 64])
        (ctype,) = struct.unpack_from("<I", buf, pos + 64)
        params, pos = decode_params(buf, pos + 68, what)
        contributions.append(ZKeyContribution(delta_after, g1_s, g1_sx, g2_spx, transcript, ctype, **params))
    if pos != len(buf):
        raise FormatError(f"{name}: MPC section has {len(buf) - pos} unexpected trailing bytes")
    return MPCParams(cs_hash, contributions)


@dataclass
class ZKey:
    """A Groth16 proving key: header, raw sections 3..9 (buffers), MPC parameters."""

    header: ZKeyHeader
    sections: dict[int, Any]
    mpc: MPCParams
    order: list[int] = field(default_factory=lambda: list(NUMERIC_ORDER))
    source: BinFile | None = field(default=None, repr=False)

    @property
    def n_coefs(self) -> int:
        return struct.unpack_from("<I", self.sections[SEC_COEFS], 0)[0]

    def expected_sizes(self) -> dict[int, int]:
        h = self.header
        return {
            SEC_IC: (h.n_public + 1) * G1_SIZE,
            SEC_A: h.n_vars * G1_SIZE,
            SEC_B1: h.n_vars * G1_SIZE,
            SEC_B2: h.n_vars * G2_SIZE,
            SEC_C: (h.n_vars - h.n_public - 1) * G1_SIZE,
            SEC_H: h.domain_size * G1_SIZE,
        }

    def validate_sizes(self, name: str = "zkey") -> None:
        for sec, size in self.expected_sizes().items():
            got = len(memoryview(self.sections[sec]))
            if got != size:
                raise FormatError(f"{name}: section {sec} has {got} bytes, expected {size}")
        coefs = memoryview(self.sections[SEC_COEFS])
        if len(coefs) < 4 or len(coefs) != 4 + COEF_RECORD * self.n_coefs:
            raise FormatError(f"{name}: coefficients section length does not match its count")

    def close(self) -> None:
        self.sections.clear()
        if self.source is not None:
            self.source.close()
            self.source = None

    def __enter__(self) -> ZKey:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_header(bf: BinFile, engine: Engine | None = None) -> ZKeyHeader:
    engine = engine or get_engine()
    proto = bf.section(SEC_HEADER)
    if len(proto) != 4:
        raise FormatError(f"{bf.name}: protocol section must be 4 bytes")
    (protocol,) = struct.unpack_from("<I", proto, 0)
    if protocol != GROTH16:
        raise FormatError(f"{bf.name}: not a Groth16 zkey (protocol id {protocol})")
    g = bf.section(SEC_GROTH)
    if len(g) != 4 + 32 + 4 + 32 + 12 + 3 * G1_SIZE + 3 * G2_SIZE:
        raise FormatError(f"{bf.name}: Groth16 header has {len(g)} bytes")
    (n8q,) = struct.unpack_from("<I", g, 0)
    q = int.from_bytes(g[4:36], "little")
    (n8r,) = struct.unpack_from("<I", g, 36)
    r = int.from_bytes(g[40:72], "little")
    if (n8q, q, n8r, r) != (32, Q, 32, R):
        raise FormatError(f"{bf.name}: the zkey is not over BN254 (bn128)")
    n_vars, n_public, domain_size = struct.unpack_from("<III", g, 72)
    if domain_size < 1 or domain_size & (domain_size - 1):
        raise FormatError(f"{bf.name}: domain size {domain_size} is not a power of two")
    if n_public + 1 > n_vars:
        raise FormatError(f"{bf.name}: {n_public} public signals do not fit in {n_vars} variables")
    pos = 84
    pts = []
    for group, label in (
        ("G1", "alpha1"),
        ("G1", "beta1"),
        ("G2", "beta2"),
        ("G2", "gamma2"),
        ("G1", "delta1"),
        ("G2", "delta2"),
    ):
        pts.append(read_point(g, pos, group, f"{bf.name}: {label}", engine))
        pos += G1_SIZE if group == "G1" else G2_SIZE
    return ZKeyHeader(n_vars, n_public, domain_size, *pts)


def read_zkey(source: str | os.PathLike[str] | bytes, engine: Engine | None = None) -> ZKey:
    """Open a Groth16 `.zkey` (memory-mapped); the point sections stay views of the file."""
    engine = engine or get_engine()
    bf = read_binfile(source, MAGIC, VERSION)
    try:
        header = read_header(bf, engine)
        sections = {s: bf.section(s) for s in POINT_SECTIONS}
        mpc = decode_mpc(bf.section(SEC_MPC), bf.name, engine) if bf.has(SEC_MPC) else MPCParams(bytes(64))
        zkey = ZKey(header, sections, mpc, bf.order, bf)
        zkey.validate_sizes(bf.name)
        return zkey
    except BaseException:
        bf.close()
        raise


def write_zkey(
    path: str | os.PathLike[str], zkey: ZKey, engine: Engine | None = None, *, order: list[int] | None = None
) -> None:
    engine = engine or get_engine()
    zkey.validate_sizes(str(path))
    order = order or zkey.order
    payloads: dict[int, Any] = {
        SEC_HEADER: struct.pack("<I", GROTH16),
        SEC_GROTH: zkey.header.to_bytes(engine),
        SEC_MPC: encode_mpc(zkey.mpc, engine),
        **zkey.sections,
    }
    with open_writer(path, MAGIC, VERSION, len(order)) as w:
        for sec in order:
            with w.section(sec):
                w.write(payloads[sec])
