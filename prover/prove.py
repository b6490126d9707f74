"""Groth16 proving: witness + zkey -> proof, computed as snarkjs's prover does (same zkey layout,
same QAP domain and odd-coset quotient), in one call into the native core.

native.groth16.prove (C: native/src/groth16.c) does it all without crossing back to Python:
1. A, B evaluations on the domain from the zkey's coefficient section and the witness, C = A*B;
2. the quotient's evaluations on the odd coset: for each of A, B, C an inverse NTT, then an NTT on
   the coset shifted by w_{2n}; h = A*B - C there (Z is constant, -2, on that coset, and the zkey's
   H points already divide by it);
3. multi-scalar multiplications on the zkey sections as they are in the file (zero-copy): A and
   B2 (G2) with the witness, and one MSM over C (private signals, with the witness), H (with h)
   and, when at least half the witness values are large, B1 with r w (r B1 only enters C, and one
   MSM of 3n points shares its bucket reductions and takes wider windows than three of n; a
   witness of mostly small values keeps B1's own MSM, where small scalars are cheap);
4. the blinding with r, s drawn fresh from the OS's CSPRNG:
   A = alpha + sum w_i A_i + r delta,  B = beta + sum w_i B_i + s delta,
   C = sum_priv w_i C_i + h(tau)t(tau)/delta + s A + r B1 - r s delta
     = sum_priv w_i C_i + h(tau)t(tau)/delta + r sum w_i B1_i + s A + r beta  (B1 = beta + sum w_i
   B1_i + s delta in G1, so the r s delta terms cancel).
Its twin native.ref.groth16.prove is the readable pure-Python reference of the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from native.engine import Engine, get_engine
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
    """A Groth16 proof of `witness` under `zkey`, computed by one call into the engine's prover
    kernel (native.groth16.prove).  `blinding` fixes (r, s) for tests only; by default both are
    drawn fresh by the engine from the OS's CSPRNG for every proof and wiped afterwards."""
    engine = engine or get_engine()
    check_witness(zkey, witness)
    h = zkey.header
    g = engine.groth16
    vk_lem = g.points_to_lem("G1", [h.alpha1, h.beta1]) + g.points_to_lem("G2", [h.beta2])
    vk_lem += g.points_to_lem("G1", [h.delta1]) + g.points_to_lem("G2", [h.delta2])
    sections = tuple(zkey.sections[s] for s in (SEC_A, SEC_B1, SEC_B2, SEC_C, SEC_H))
    if blinding is not None:
        r, s = (bytearray(x.to_bytes(32, "little")) for x in blinding)
    else:
        r, s = g.random_scalar(), g.random_scalar()
    progress.step("prove (QAP quotient, MSMs)", 1)
    try:
        raw = g.prove(
            zkey.sections[SEC_COEFS],
            memoryview(witness.buffer).cast("B"),
            h.n_public,
            h.power,
            sections,
            vk_lem,
            r,
            s,
        )
    except ValueError as exc:
        raise ProveError(str(exc)) from None
    finally:
        g.wipe(r)
        g.wipe(s)
    progress.done()
    (a, c) = g.lem_to_points("G1", raw[:64] + raw[192:], check=False)
    (b,) = g.lem_to_points("G2", raw[64:192], check=False)
    public = [witness[i] for i in range(1, h.n_public + 1)]
    return ProveResult(Proof(a, b, c), public)
