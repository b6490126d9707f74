"""Groth16 proving: witness + zkey -> proof, computed as snarkjs's prover does (same zkey layout,
same QAP domain and odd-coset quotient), with the heavy work in the native core.

1. A, B evaluations on the domain from the zkey's coefficient section and the witness, C = A*B
   (one fused native call; values stay in Montgomery form).
2. The quotient's evaluations on the odd coset: for each of A, B, C an inverse NTT, then an NTT on
   the coset shifted by w_{2n}; h = A*B - C there (Z is constant, -2, on that coset, and the zkey's
   H points already divide by it).
3. Five multi-scalar multiplications on the zkey sections as they are in the file: A, B1, B2 (G2),
   C (private signals) with the witness, H with h.
4. Fresh blinding r, s from the OS's CSPRNG:
   A = alpha + sum w_i A_i + r delta,  B = beta + sum w_i B_i + s delta,
   C = sum_priv w_i C_i + h(tau)t(tau)/delta + s A + r B1 - r s delta.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from prover.engine import Engine, get_engine
from prover.formats.json_files import Proof
from prover.formats.wtns import Witness
from prover.formats.zkey import SEC_A, SEC_B1, SEC_B2, SEC_C, SEC_COEFS, SEC_H, R, ZKey
from prover.progress import SILENT, Progress

__all__ = ["ProveError", "ProveResult", "prove"]


class ProveError(ValueError):
    """The witness does not fit the proving key (wrong curve, wrong size, non-canonical value)."""


@dataclass(frozen=True)
class ProveResult:
    proof: Proof
    public: list[int]


def _random_nonzero() -> int:
    return 1 + secrets.randbelow(R - 1)


def quotient_evaluations(zkey: ZKey, witness: Any, engine: Engine, progress: Progress = SILENT) -> bytearray:
    """h's evaluations on the odd coset (std form), the scalars for the H-section MSM."""
    n = zkey.header.domain_size
    log_n = zkey.header.power
    ntt = engine.ntt
    progress.step("QAP: A, B, C evaluations", 1)
    a, b, c = engine.groth16.build_abc(zkey.sections[SEC_COEFS], witness, n)
    progress.step("QAP: coset NTTs", 6)
    shift = ntt.odd_coset_shift(log_n)
    for buf in (a, b, c):
        ntt.ntt(buf, inverse=True)
        progress.advance()
        ntt.coset_ntt(buf, shift)
        progress.advance()
    fr = engine.FR
    fr.vec_mul(a, b, out=a)
    fr.vec_sub(a, c, out=a)
    fr.vec_from_mont(a, out=a)
    return a


def check_witness(zkey: ZKey, witness: Witness) -> None:
    if witness.prime != R:
        raise ProveError("the witness is not over BN254's scalar field (wrong prime in the .wtns header)")
    if witness.n8 != 32:
        raise ProveError(f"witness values are {witness.n8} bytes, expected 32")
    if len(witness) != zkey.header.n_vars:
        raise ProveError(
            f"invalid witness length: the circuit has {zkey.header.n_vars} signals, the witness {len(witness)}"
        )
    if len(witness) and witness[0] != 1:
        raise ProveError("witness value 0 (the constant signal) must be 1")


def prove(
    zkey: ZKey,
    witness: Witness,
    engine: Engine | None = None,
    progress: Progress = SILENT,
    *,
    blinding: tuple[int, int] | None = None,
) -> ProveResult:
    """A Groth16 proof of `witness` under `zkey`.  `blinding` fixes (r, s) for tests only; by
    default both are drawn fresh from the OS's CSPRNG for every proof."""
    engine = engine or get_engine()
    check_witness(zkey, witness)
    h = zkey.header
    w = memoryview(witness.buffer).cast("B")
    try:
        h_evals = quotient_evaluations(zkey, w, engine, progress)
    except ValueError as exc:
        raise ProveError(f"cannot build the QAP: {exc}") from None
    msm = engine.msm
    G1, G2 = engine.G1, engine.G2
    progress.step("MSM A, B1, B2, C, H", 5)
    try:
        pi_a = msm.msm_g1(zkey.sections[SEC_A], w)
        progress.advance()
        pib1 = msm.msm_g1(zkey.sections[SEC_B1], w)
        progress.advance()
        pi_b = msm.msm_g2(zkey.sections[SEC_B2], w)
        progress.advance()
        pi_c = msm.msm_g1(zkey.sections[SEC_C], w[32 * (h.n_public + 1) :])
        progress.advance()
        res_h = msm.msm_g1(zkey.sections[SEC_H], h_evals)
        progress.advance()
    except ValueError as exc:
        # A witness value >= r is the only way honest zkey sections fail here.
        raise ProveError(f"multi-scalar multiplication refused its input: {exc}") from None
    progress.done()
    r, s = blinding if blinding is not None else (_random_nonzero(), _random_nonzero())
    a = G1.add(G1.add(pi_a, h.alpha1), G1.mul(h.delta1, r))
    b = G2.add(G2.add(pi_b, h.beta2), G2.mul(h.delta2, s))
    b1 = G1.add(G1.add(pib1, h.beta1), G1.mul(h.delta1, s))
    c = G1.add(pi_c, res_h)
    c = G1.add(c, G1.mul(a, s))
    c = G1.add(c, G1.mul(b1, r))
    c = G1.add(c, G1.mul(h.delta1, (-r * s) % R))
    public = [witness[i] for i in range(1, h.n_public + 1)]
    return ProveResult(Proof(a, b, c), public)
