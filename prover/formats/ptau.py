"""Powers-of-tau `.ptau` files, byte-compatible with snarkjs (iden3 container, magic "ptau", v1).

Sections (N = 2^power):
   1  header: uint32 n8 (32), q (32 bytes LE), uint32 power, uint32 ceremonyPower
   2  tauG1:      2N-1 G1 points tau^i
   3  tauG2:      N G2 points tau^i
   4  alphaTauG1: N G1 points alpha*tau^i
   5  betaTauG1:  N G1 points beta*tau^i
   6  betaG2:     one G2 point beta
   7  contributions: uint32 count, then per contribution: tauG1 (tau^1), tauG2, alphaG1, betaG1,
      betaG2 (LEM), the public key (tau/alpha/beta: g1_s, g1_sx x3 then g2_spx x3, LEM),
      216-byte partial response hash (noble-hashes blake2b state), 64-byte next challenge,
      uint32 type (0 random, 1 beacon), parameters (as in .zkey contributions)
  12..15  after `prepare`: Lagrange bases of sections 2..5 for every domain 2^0 .. 2^power (and,
      for tauG1, 2^(power+1) computed with the missing tau^(2N-1) taken as zero), concatenated.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from typing import Any

from native.engine import Engine, get_engine
from prover.formats.binfile import BinFile, FormatError, open_writer, read_binfile
from prover.formats.points import G1_SIZE, G2_SIZE, read_point, write_point
from prover.formats.zkey import Q, decode_params, encode_params

__all__ = ["PTau", "PTauContribution", "PTauKey", "lagrange_offset", "read_ptau", "write_ptau"]

MAGIC = "ptau"
VERSION = 1
SEC_HEADER, SEC_TAU_G1, SEC_TAU_G2, SEC_ALPHA_G1, SEC_BETA_G1, SEC_BETA_G2, SEC_CONTRIB = range(1, 8)
SEC_L_TAU_G1, SEC_L_TAU_G2, SEC_L_ALPHA_G1, SEC_L_BETA_G1 = 12, 13, 14, 15
POWERS_SECTIONS = (SEC_TAU_G1, SEC_TAU_G2, SEC_ALPHA_G1, SEC_BETA_G1, SEC_BETA_G2)
LAGRANGE_SECTIONS = (SEC_L_TAU_G1, SEC_L_TAU_G2, SEC_L_ALPHA_G1, SEC_L_BETA_G1)
MAX_POWER = 28
PARTIAL_HASH_SIZE = 216


def lagrange_offset(size: int) -> int:
    """Index, in a Lagrange section, of the first point of the basis for a domain of `size`."""
    return size - 1


@dataclass
class PTauKeyPart:
    g1_s: Any
    g1_sx: Any
    g2_spx: Any
    g2_sp: Any = None  # recomputed from the challenge when verifying, never stored


@dataclass
class PTauKey:
    tau: PTauKeyPart
    alpha: PTauKeyPart
    beta: PTauKeyPart

    def parts(self) -> tuple[PTauKeyPart, PTauKeyPart, PTauKeyPart]:
        return self.tau, self.alpha, self.beta


@dataclass
class PTauContribution:
    tau_g1: Any
    tau_g2: Any
    alpha_g1: Any
    beta_g1: Any
    beta_g2: Any
    key: PTauKey
    partial_hash: bytes
    next_challenge: bytes
    type: int = 0
    name: str | None = None
    num_iterations_exp: int | None = None
    beacon_hash: bytes | None = None


@dataclass
class PTau:
    power: int
    ceremony_power: int
    sections: dict[int, Any]
    contributions: list[PTauContribution] = field(default_factory=list)
    source: BinFile | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return 1 << self.power

    @property
    def prepared(self) -> bool:
        return all(s in self.sections for s in LAGRANGE_SECTIONS)

    def expected_sizes(self) -> dict[int, int]:
        n = self.n
        sizes = {
            SEC_TAU_G1: (2 * n - 1) * G1_SIZE,
            SEC_TAU_G2: n * G2_SIZE,
            SEC_ALPHA_G1: n * G1_SIZE,
            SEC_BETA_G1: n * G1_SIZE,
            SEC_BETA_G2: G2_SIZE,
        }
        if self.prepared:
            sizes |= {
                SEC_L_TAU_G1: (4 * n - 1) * G1_SIZE,
                SEC_L_TAU_G2: (2 * n - 1) * G2_SIZE,
                SEC_L_ALPHA_G1: (2 * n - 1) * G1_SIZE,
                SEC_L_BETA_G1: (2 * n - 1) * G1_SIZE,
            }
        return sizes

    def validate_sizes(self, name: str = "ptau") -> None:
        for sec, size in self.expected_sizes().items():
            if sec not in self.sections:
                raise FormatError(f"{name}: missing section {sec}")
            got = len(memoryview(self.sections[sec]))
            if got != size:
                raise FormatError(
                    f"{name}: section {sec} has {got} bytes, expected {size} for power {self.power}"
                )

    def lagrange(self, section: int, size: int) -> memoryview:
        """The Lagrange basis for a domain of `size` from a prepared section (a view)."""
        if section not in LAGRANGE_SECTIONS:
            raise ValueError(f"section {section} is not a Lagrange section")
        limit = self.n * (2 if section == SEC_L_TAU_G1 else 1)
        if size < 1 or size & (size - 1) or size > limit:
            raise ValueError(f"no Lagrange basis of size {size} in a power-{self.power} file")
        psize = G2_SIZE if section == SEC_L_TAU_G2 else G1_SIZE
        start = lagrange_offset(size) * psize
        return memoryview(self.sections[section])[start : start + size * psize]

    def close(self) -> None:
        self.sections.clear()
        if self.source is not None:
            self.source.close()
            self.source = None

    def __enter__(self) -> PTau:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def header_bytes(power: int, ceremony_power: int) -> bytes:
    return struct.pack("<I", 32) + Q.to_bytes(32, "little") + struct.pack("<II", power, ceremony_power)


def encode_key(key: PTauKey, engine: Engine | None = None) -> bytes:
    """The public key as stored in the file: six G1 then three G2 points, LEM."""
    engine = engine or get_engine()
    g1 = [p for part in key.parts() for p in (part.g1_s, part.g1_sx)]
    g2 = [part.g2_spx for part in key.parts()]
    return b"".join(write_point(p, "G1", engine) for p in g1) + b"".join(
        write_point(p, "G2", engine) for p in g2
    )


def encode_contributions(contributions: list[PTauContribution], engine: Engine | None = None) -> bytes:
    engine = engine or get_engine()
    parts = [struct.pack("<I", len(contributions))]
    for c in contributions:
        if len(c.partial_hash) != PARTIAL_HASH_SIZE or len(c.next_challenge) != 64:
            raise ValueError("contribution hashes have the wrong size")
        parts += [
            write_point(c.tau_g1, "G1", engine),
            write_point(c.tau_g2, "G2", engine),
            write_point(c.alpha_g1, "G1", engine),
            write_point(c.beta_g1, "G1", engine),
            write_point(c.beta_g2, "G2", engine),
            encode_key(c.key, engine),
            c.partial_hash,
            c.next_challenge,
            struct.pack("<I", c.type),
            encode_params(c.name, c.type, c.num_iterations_exp, c.beacon_hash),
        ]
    return b"".join(parts)


def decode_contributions(buf: Any, name: str, engine: Engine | None = None) -> list[PTauContribution]:
    engine = engine or get_engine()
    if len(buf) < 4:
        raise FormatError(f"{name}: contributions section too short")
    (n,) = struct.unpack_from("<I", buf, 0)
    pos = 4
    out = []
    fixed = 3 * G1_SIZE + 2 * G2_SIZE + 6 * G1_SIZE + 3 * G2_SIZE + PARTIAL_HASH_SIZE + 64 + 8
    for i in range(n):
        what = f"{name}: contribution {i + 1}"
        if pos + fixed > len(buf):
            raise FormatError(f"{what}: truncated")

        def pt(group: str, label: str, what: str = what) -> Any:
            nonlocal pos
            p = read_point(buf, pos, group, f"{what} {label}", engine, check=False)
            pos += G1_SIZE if group == "G1" else G2_SIZE
            return p

        tau_g1, tau_g2 = pt("G1", "tauG1"), pt("G2", "tauG2")
        alpha_g1, beta_g1, beta_g2 = pt("G1", "alphaG1"), pt("G1", "betaG1"), pt("G2", "betaG2")
        g1 = [pt("G1", f"key g1 {k}") for k in range(6)]
        g2 = [pt("G2", f"key g2 {k}") for k in range(3)]
        key = PTauKey(*(PTauKeyPart(g1[2 * k], g1[2 * k + 1], g2[k]) for k in range(3)))
        partial = bytes(buf[pos : pos + PARTIAL_HASH_SIZE])
        pos += PARTIAL_HASH_SIZE
        next_challenge = bytes(buf[pos : pos + 64])
        (ctype,) = struct.unpack_from("<I", buf, pos + 64)
        params, pos = decode_params(buf, pos + 68, what)
        out.append(
            PTauContribution(
                tau_g1, tau_g2, alpha_g1, beta_g1, beta_g2, key, partial, next_challenge, ctype, **params
            )
        )
    if pos != len(buf):
        raise FormatError(f"{name}: contributions section has {len(buf) - pos} unexpected trailing bytes")
    return out


def read_ptau(source: str | os.PathLike[str] | bytes, engine: Engine | None = None) -> PTau:
    """Open a `.ptau` (memory-mapped); point sections stay views of the file."""
    engine = engine or get_engine()
    bf = read_binfile(source, MAGIC, VERSION)
    try:
        head = bf.section(SEC_HEADER)
        if len(head) != 4 + 32 + 8:
            raise FormatError(f"{bf.name}: header has {len(head)} bytes")
        (n8,) = struct.unpack_from("<I", head, 0)
        if n8 != 32 or int.from_bytes(head[4:36], "little") != Q:
            raise FormatError(f"{bf.name}: not a BN254 (bn128) powers-of-tau file")
        power, ceremony_power = struct.unpack_from("<II", head, 36)
        if not 1 <= power <= MAX_POWER:
            raise FormatError(f"{bf.name}: power {power} out of range 1..{MAX_POWER}")
        sections = {
            s.type: bf.section(s.type) for s in bf.sections if s.type not in (SEC_HEADER, SEC_CONTRIB)
        }
        contributions = decode_contributions(bf.section(SEC_CONTRIB), bf.name, engine)
        ptau = PTau(power, ceremony_power, sections, contributions, bf)
        ptau.validate_sizes(bf.name)
        return ptau
    except BaseException:
        bf.close()
        raise


def write_ptau(path: str | os.PathLike[str], ptau: PTau, engine: Engine | None = None) -> None:
    """Write in snarkjs's section order: 1..7, then the Lagrange sections when present."""
    engine = engine or get_engine()
    ptau.validate_sizes(str(path))
    order = [SEC_HEADER, *POWERS_SECTIONS, SEC_CONTRIB] + ([*LAGRANGE_SECTIONS] if ptau.prepared else [])
    payloads: dict[int, Any] = {
        SEC_HEADER: header_bytes(ptau.power, ptau.ceremony_power),
        SEC_CONTRIB: encode_contributions(ptau.contributions, engine),
        **ptau.sections,
    }
    with open_writer(path, MAGIC, VERSION, len(order)) as w:
        for sec in order:
            with w.section(sec):
                w.write(payloads[sec])
