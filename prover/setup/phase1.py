"""Phase 1 of the trusted setup (powers of tau), compatible with snarkjs's `powersoftau` commands.

- `new_ptau(power)`: the starting file (every point the generator) and the first challenge hash.
- `contribute(ptau)` / `beacon(ptau, hash, exp)`: multiply tau^i, alpha*tau^i, beta*tau^i by the
  contributor's (tau, alpha, beta); record the new first points, the public key with its proofs of
  knowledge, the response-hash state and the next challenge hash.
- `prepare(ptau)`: the Lagrange bases phase 2 needs, by inverse FFTs in the exponent (native).
- `verify_ptau(ptau)`: every contribution's proofs and links, the powers' consistency and the
  next challenge of the last one, and the Lagrange bases, all with random linear combinations.

Hashes are snarkjs's: the response hash covers the previous challenge, the new points compressed
and the public key; the next challenge covers the response hash and the new points uncompressed.
Secrets live in native buffers that are zeroed when the contribution is done.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from native.engine import Engine, get_engine
from prover.formats.points import G1_SIZE, G2_SIZE
from prover.formats.ptau import (
    LAGRANGE_SECTIONS,
    MAX_POWER,
    SEC_ALPHA_G1,
    SEC_BETA_G1,
    SEC_BETA_G2,
    SEC_L_ALPHA_G1,
    SEC_L_BETA_G1,
    SEC_L_TAU_G1,
    SEC_L_TAU_G2,
    SEC_TAU_G1,
    SEC_TAU_G2,
    PTau,
    PTauContribution,
    PTauKey,
    PTauKeyPart,
)
from prover.progress import SILENT, Progress
from prover.setup.common import same_ratio, secret_scalar, single_point_mul, uncompressed
from prover.setup.hashing import PartialBlake2b
from prover.setup.rng import ChaCha, beacon_rng, fr_from_rng, g1_from_rng, get_g2_sp

__all__ = [
    "PTauError",
    "PTauReport",
    "beacon",
    "contribute",
    "first_challenge_hash",
    "new_ptau",
    "prepare",
    "response_hash",
    "verify_ptau",
]

# section, group, whether the first factor is alpha/beta (else 1) — the order snarkjs processes them
_SECTIONS = (
    (SEC_TAU_G1, "G1", None),
    (SEC_TAU_G2, "G2", None),
    (SEC_ALPHA_G1, "G1", "alpha"),
    (SEC_BETA_G1, "G1", "beta"),
    (SEC_BETA_G2, "G2", "beta"),
)


class PTauError(ValueError):
    """A powers-of-tau operation cannot proceed (bad power, reduced file, bad beacon...)."""


def _size(group: str) -> int:
    return G1_SIZE if group == "G1" else G2_SIZE


def first_challenge_hash(power: int, engine: Engine | None = None) -> bytes:
    engine = engine or get_engine()
    n = 1 << power
    g1 = uncompressed(engine.G1.generator, "G1")
    g2 = uncompressed(engine.G2.generator, "G2")
    h = hashlib.blake2b(digest_size=64)
    h.update(hashlib.blake2b(b"", digest_size=64).digest())
    for pt, count in ((g1, 2 * n - 1), (g2, n), (g1, n), (g1, n)):
        block = pt * min(count, 1 << 14)
        done = 0
        while done < count:
            k = min(count - done, 1 << 14)
            h.update(block if k == 1 << 14 else pt * k)
            done += k
    h.update(g2)
    return h.digest()


def new_ptau(power: int, engine: Engine | None = None) -> tuple[PTau, bytes]:
    """A fresh accumulator of 2^power (no contribution yet) and its first challenge hash."""
    engine = engine or get_engine()
    if not 1 <= power <= MAX_POWER:
        raise PTauError(f"power must be between 1 and {MAX_POWER}")
    n = 1 << power
    g1 = engine.G1.to_lem(engine.G1.generator)
    g2 = engine.G2.to_lem(engine.G2.generator)
    sections = {
        SEC_TAU_G1: g1 * (2 * n - 1),
        SEC_TAU_G2: g2 * n,
        SEC_ALPHA_G1: g1 * n,
        SEC_BETA_G1: g1 * n,
        SEC_BETA_G2: g2,
    }
    return PTau(power, power, sections, []), first_challenge_hash(power, engine)


def last_challenge(ptau: PTau, engine: Engine) -> bytes:
    if ptau.contributions:
        return ptau.contributions[-1].next_challenge
    return first_challenge_hash(ptau.ceremony_power, engine)


def key_uncompressed(key: PTauKey) -> bytes:
    g1 = [p for part in key.parts() for p in (part.g1_s, part.g1_sx)]
    return b"".join(uncompressed(p, "G1") for p in g1) + b"".join(
        uncompressed(part.g2_spx, "G2") for part in key.parts()
    )


def response_hash(c: PTauContribution, engine: Engine | None = None) -> bytes:
    """The contribution's response hash, finished from its stored partial state."""
    return PartialBlake2b(engine, c.partial_hash).update(key_uncompressed(c.key)).digest()


def _key_part(engine: Engine, personalization: int, challenge: bytes, k: Any, g1_s: Any) -> PTauKeyPart:
    g1_sx = single_point_mul(engine, "G1", g1_s, k)
    g2_sp = get_g2_sp(personalization, challenge, uncompressed(g1_s, "G1"), uncompressed(g1_sx, "G1"))
    return PTauKeyPart(g1_s, g1_sx, single_point_mul(engine, "G2", g2_sp, k), g2_sp)


def beacon_key(challenge: bytes, rng: ChaCha, engine: Engine) -> tuple[PTauKey, tuple[int, int, int]]:
    """snarkjs's createPTauKey: three scalars, then per part a random G1 point and its proof."""
    ks = (fr_from_rng(rng), fr_from_rng(rng), fr_from_rng(rng))
    parts = [_key_part(engine, pers, challenge, k, g1_from_rng(rng)) for pers, k in enumerate(ks)]
    return PTauKey(*parts), ks


def _apply(
    ptau: PTau, challenge: bytes, key: PTauKey, factors: dict[str, Any], engine: Engine, progress: Progress
) -> tuple[dict[int, bytes], bytes, bytes, bytes]:
    """New sections, partial response state, response hash and next challenge for one contribution."""
    g = engine.groth16
    response = PartialBlake2b(engine).update(challenge)
    new: dict[int, bytes] = {}
    progress.step("ptau: applying the contribution", 5)
    for sec, group, first in _SECTIONS:
        pts = g.points_scale_powers(group, ptau.sections[sec], factors[first] if first else 1, factors["tau"])
        response.update(g.points_to_compressed(group, pts))
        new[sec] = bytes(pts)
        progress.advance()
    partial = response.partial()
    resp = response.update(key_uncompressed(key)).digest()
    nxt = hashlib.blake2b(digest_size=64)
    nxt.update(resp)
    progress.step("ptau: next challenge hash", 1)
    for sec, group, _ in _SECTIONS:
        nxt.update(g.points_to_uncompressed(group, new[sec]))
    progress.done()
    return new, partial, resp, nxt.digest()


def _check_contributable(ptau: PTau) -> None:
    if ptau.power != ptau.ceremony_power:
        raise PTauError("this file has been reduced; contributions go into the full-size file")


def _finish(
    ptau: PTau, new: dict[int, bytes], key: PTauKey, partial: bytes, nxt: bytes, engine: Engine, **params: Any
) -> PTau:
    G1, G2 = engine.G1, engine.G2
    c = PTauContribution(
        tau_g1=G1.from_lem(new[SEC_TAU_G1][G1_SIZE : 2 * G1_SIZE], check=False),
        tau_g2=G2.from_lem(new[SEC_TAU_G2][G2_SIZE : 2 * G2_SIZE], check=False),
        alpha_g1=G1.from_lem(new[SEC_ALPHA_G1][:G1_SIZE], check=False),
        beta_g1=G1.from_lem(new[SEC_BETA_G1][:G1_SIZE], check=False),
        beta_g2=G2.from_lem(new[SEC_BETA_G2][:G2_SIZE], check=False),
        key=key,
        partial_hash=partial,
        next_challenge=nxt,
        **params,
    )
    return PTau(ptau.power, ptau.ceremony_power, new, [*ptau.contributions, c])


@contextmanager
def _secrets(engine: Engine, n: int) -> Iterator[list[bytearray]]:
    with ExitStack() as stack:
        yield [stack.enter_context(secret_scalar(engine)) for _ in range(n)]


def contribute(
    ptau: PTau, name: str | None = None, engine: Engine | None = None, progress: Progress = SILENT
) -> tuple[PTau, bytes]:
    """Add a contribution with fresh secrets; returns the new accumulator and the response hash
    (the "contribution hash" a participant publishes)."""
    engine = engine or get_engine()
    _check_contributable(ptau)
    challenge = last_challenge(ptau, engine)
    with _secrets(engine, 6) as (tau, alpha, beta, s_tau, s_alpha, s_beta):
        G1 = engine.G1
        parts = [
            _key_part(engine, pers, challenge, k, single_point_mul(engine, "G1", G1.generator, s))
            for pers, (k, s) in enumerate(((tau, s_tau), (alpha, s_alpha), (beta, s_beta)))
        ]
        key = PTauKey(*parts)
        new, partial, resp, nxt = _apply(
            ptau, challenge, key, {"tau": tau, "alpha": alpha, "beta": beta}, engine, progress
        )
    return _finish(ptau, new, key, partial, nxt, engine, type=0, name=name), resp


def beacon(
    ptau: PTau,
    beacon_hash: bytes,
    num_iterations_exp: int,
    name: str | None = None,
    engine: Engine | None = None,
    progress: Progress = SILENT,
) -> tuple[PTau, bytes]:
    """Add a contribution derived from a public beacon (anyone can recompute it)."""
    engine = engine or get_engine()
    _check_contributable(ptau)
    if not 1 <= len(beacon_hash) <= 255:
        raise PTauError("the beacon hash must be 1 to 255 bytes")
    if not 10 <= num_iterations_exp <= 63:
        raise PTauError("the beacon's iteration exponent must be between 10 and 63")
    challenge = last_challenge(ptau, engine)
    key, (tau, alpha, beta) = beacon_key(challenge, beacon_rng(beacon_hash, num_iterations_exp), engine)
    new, partial, resp, nxt = _apply(
        ptau, challenge, key, {"tau": tau, "alpha": alpha, "beta": beta}, engine, progress
    )
    params = {"type": 1, "name": name, "num_iterations_exp": num_iterations_exp, "beacon_hash": beacon_hash}
    return _finish(ptau, new, key, partial, nxt, engine, **params), resp


def prepare(ptau: PTau, engine: Engine | None = None, progress: Progress = SILENT) -> PTau:
    """The file with its Lagrange sections (12..15) computed: for every domain 2^p, p <= power
    (and 2^(power+1) for tauG1, the missing last power taken as zero), the inverse FFT of the
    first 2^p powers in the exponent."""
    engine = engine or get_engine()
    g = engine.groth16
    n = ptau.n
    out = dict(ptau.sections)
    sources = ((SEC_TAU_G1, "G1"), (SEC_TAU_G2, "G2"), (SEC_ALPHA_G1, "G1"), (SEC_BETA_G1, "G1"))
    total = sum(((4 if sec == SEC_TAU_G1 else 2) * n) for sec, _ in sources)
    progress.step("ptau: Lagrange bases (FFT in the exponent)", total)
    for (sec, group), lsec in zip(sources, LAGRANGE_SECTIONS, strict=True):
        size = _size(group)
        src = memoryview(ptau.sections[sec])
        parts = []
        top = ptau.power + (1 if sec == SEC_TAU_G1 else 0)
        for p in range(top + 1):
            m = 1 << p
            pts: bytes | memoryview
            if m > len(src) // size:  # tauG1 at 2^(power+1): 2^(power+1) - 1 powers, then zero
                pts = bytes(src[: (m - 1) * size]) + bytes(size)
            else:
                pts = src[: m * size]
            parts.append(bytes(g.points_ifft(group, pts)))
            progress.advance(m)
        out[lsec] = b"".join(parts)
    progress.done()
    return PTau(ptau.power, ptau.ceremony_power, out, list(ptau.contributions))


# ---- verification ----------------------------------------------------------------------------------
@dataclass
class PTauReport:
    ok: bool
    message: str
    next_challenge: bytes | None = None
    contributions: list[tuple[int, str | None, bytes, bytes]] | None = (
        None  # id, name, response, next challenge
    )


@dataclass
class _Prev:
    tau_g1: Any
    tau_g2: Any
    alpha_g1: Any
    beta_g1: Any
    beta_g2: Any
    next_challenge: bytes


def _verify_contribution(engine: Engine, cur: PTauContribution, prev: Any, idx: int) -> str | None:
    G1, G2 = engine.G1, engine.G2
    for part_name, part in zip(("tau", "alpha", "beta"), cur.key.parts(), strict=True):
        for label, pt, group in (
            ("g1_s", part.g1_s, G1),
            ("g1_sx", part.g1_sx, G1),
            ("g2_spx", part.g2_spx, G2),
        ):
            if pt is None or not group.in_subgroup(pt):
                return f"contribution {idx}: key {part_name}.{label} is not a valid point"
    for label, pt, group in (
        ("tauG1", cur.tau_g1, G1),
        ("tauG2", cur.tau_g2, G2),
        ("alphaG1", cur.alpha_g1, G1),
        ("betaG1", cur.beta_g1, G1),
        ("betaG2", cur.beta_g2, G2),
    ):
        if pt is None or not group.in_subgroup(pt):
            return f"contribution {idx}: {label} is not a valid point"
    if cur.type == 1:
        if cur.beacon_hash is None or cur.num_iterations_exp is None:
            return f"contribution {idx}: beacon parameters missing"
        expected, _ = beacon_key(
            prev.next_challenge, beacon_rng(cur.beacon_hash, cur.num_iterations_exp), engine
        )
        for a, b in zip(expected.parts(), cur.key.parts(), strict=True):
            if (a.g1_s, a.g1_sx, a.g2_spx) != (b.g1_s, b.g1_sx, b.g2_spx):
                return f"contribution {idx}: the key does not come from its beacon"
    sps = []
    for pers, part in enumerate(cur.key.parts()):
        sp = get_g2_sp(
            pers, prev.next_challenge, uncompressed(part.g1_s, "G1"), uncompressed(part.g1_sx, "G1")
        )
        if not same_ratio(engine, part.g1_s, part.g1_sx, sp, part.g2_spx):
            return f"contribution {idx}: invalid proof of knowledge ({('tau', 'alpha', 'beta')[pers]})"
        sps.append(sp)
    tau, alpha, beta = cur.key.parts()
    checks = (
        (prev.tau_g1, cur.tau_g1, sps[0], tau.g2_spx, "tau*G1 does not follow the previous contribution"),
        (tau.g1_s, tau.g1_sx, prev.tau_g2, cur.tau_g2, "tau*G2 does not follow the previous contribution"),
        (
            prev.alpha_g1,
            cur.alpha_g1,
            sps[1],
            alpha.g2_spx,
            "alpha*G1 does not follow the previous contribution",
        ),
        (prev.beta_g1, cur.beta_g1, sps[2], beta.g2_spx, "beta*G1 does not follow the previous contribution"),
        (
            beta.g1_s,
            beta.g1_sx,
            prev.beta_g2,
            cur.beta_g2,
            "beta*G2 does not follow the previous contribution",
        ),
    )
    for a, b, c, d, msg in checks:
        if not same_ratio(engine, a, b, c, d):
            return f"contribution {idx}: {msg}"
    return None


def _rand_scalars(n: int) -> bytes:
    return b"".join(secrets.randbits(64).to_bytes(32, "little") for _ in range(n))


def _shift_lincomb(engine: Engine, group: str, pts: Any) -> tuple[Any, Any]:
    """(sum r_i P_i, sum r_i P_(i+1)) over i < n-1 for random r: equal ratio iff P_(i+1) = t P_i."""
    size = _size(group)
    mv = memoryview(pts)
    n = len(mv) // size
    msm = engine.msm.msm_g1 if group == "G1" else engine.msm.msm_g2
    r = _rand_scalars(n - 1)
    return msm(mv[: (n - 1) * size], r), msm(mv[size:], r)


def verify_ptau(ptau: PTau, engine: Engine | None = None, progress: Progress = SILENT) -> PTauReport:
    engine = engine or get_engine()
    G1, G2 = engine.G1, engine.G2
    contribs = ptau.contributions
    if not contribs:
        return PTauReport(False, "this file has no contribution: it cannot be used in production")
    initial = _Prev(
        G1.generator,
        G2.generator,
        G1.generator,
        G1.generator,
        G2.generator,
        first_challenge_hash(ptau.ceremony_power, engine),
    )
    summary = []
    prev: Any = initial
    progress.step("ptau: contributions", len(contribs))
    for i, cur in enumerate(contribs, start=1):
        err = _verify_contribution(engine, cur, prev, i)
        if err:
            return PTauReport(False, err)
        summary.append((i, cur.name, response_hash(cur, engine), cur.next_challenge))
        prev = cur
        progress.advance()
    last = contribs[-1]

    progress.step("ptau: powers", 5)
    s = ptau.sections
    g = engine.groth16
    nxt = hashlib.blake2b(digest_size=64)
    nxt.update(response_hash(last, engine))

    def first(sec: int, group: str, i: int) -> Any:
        size = _size(group)
        return engine.group(group).from_lem(bytes(s[sec][i * size : (i + 1) * size]), check=False)

    r1, r2 = _shift_lincomb(engine, "G1", s[SEC_TAU_G1])
    if not same_ratio(engine, r1, r2, G2.generator, last.tau_g2):
        return PTauReport(False, "tauG1 section: the powers do not match")
    if first(SEC_TAU_G1, "G1", 0) != G1.generator or first(SEC_TAU_G1, "G1", 1) != last.tau_g1:
        return PTauReport(False, "tauG1 section: the first points do not match the last contribution")
    progress.advance()
    r1, r2 = _shift_lincomb(engine, "G2", s[SEC_TAU_G2])
    if not same_ratio(engine, G1.generator, last.tau_g1, r1, r2):
        return PTauReport(False, "tauG2 section: the powers do not match")
    if first(SEC_TAU_G2, "G2", 0) != G2.generator or first(SEC_TAU_G2, "G2", 1) != last.tau_g2:
        return PTauReport(False, "tauG2 section: the first points do not match the last contribution")
    progress.advance()
    for sec, label, expected in (
        (SEC_ALPHA_G1, "alphaTauG1", last.alpha_g1),
        (SEC_BETA_G1, "betaTauG1", last.beta_g1),
    ):
        r1, r2 = _shift_lincomb(engine, "G1", s[sec])
        if not same_ratio(engine, r1, r2, G2.generator, last.tau_g2):
            return PTauReport(False, f"{label} section: the powers do not match")
        if first(sec, "G1", 0) != expected:
            return PTauReport(False, f"{label} section: the first point does not match the last contribution")
        progress.advance()
    if first(SEC_BETA_G2, "G2", 0) != last.beta_g2:
        return PTauReport(False, "betaG2 section does not match the last contribution")
    progress.advance()
    for sec, group, _ in _SECTIONS:
        nxt.update(g.points_to_uncompressed(group, s[sec]))
    next_challenge = nxt.digest()
    if ptau.power == ptau.ceremony_power and next_challenge != last.next_challenge:
        return PTauReport(False, "the points do not hash to the last contribution's next challenge")

    if ptau.prepared:
        err = _verify_lagrange(ptau, engine, progress)
        if err:
            return PTauReport(False, err)
    progress.done()
    msg = "Powers of Tau OK" + ("" if ptau.prepared else " (not prepared for phase 2)")
    return PTauReport(True, msg, next_challenge, summary)


def _verify_lagrange(ptau: PTau, engine: Engine, progress: Progress) -> str | None:
    """sum r_i tau^i == sum NTT(r)_i L_i for random r, for every basis in sections 12..15."""
    pairs = (
        (SEC_TAU_G1, SEC_L_TAU_G1, "G1"),
        (SEC_TAU_G2, SEC_L_TAU_G2, "G2"),
        (SEC_ALPHA_G1, SEC_L_ALPHA_G1, "G1"),
        (SEC_BETA_G1, SEC_L_BETA_G1, "G1"),
    )
    progress.step("ptau: Lagrange bases", len(pairs))
    for sec, lsec, group in pairs:
        size = _size(group)
        msm = engine.msm.msm_g1 if group == "G1" else engine.msm.msm_g2
        src = memoryview(ptau.sections[sec])
        top = ptau.power + (1 if sec == SEC_TAU_G1 else 0)
        for p in range(top + 1):
            m = 1 << p
            r = bytearray(_rand_scalars(m))
            if m > len(src) // size:
                r[-32:] = bytes(32)  # the missing power
                res_tau = msm(src[: (m - 1) * size], bytes(r[:-32]))
            else:
                res_tau = msm(src[: m * size], bytes(r))
            engine.ntt.ntt(r)
            res_l = msm(ptau.lagrange(lsec, m), bytes(r))
            if res_tau != res_l:
                return f"section {lsec}: the Lagrange basis of 2^{p} does not match the powers"
        progress.advance()
    return None
