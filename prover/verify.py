"""Groth16 verification: e(-A, B) e(vk_x, gamma) e(C, delta) e(alpha, beta) == 1 with
vk_x = IC_0 + sum x_i IC_i, as one native multi-pairing (one final exponentiation).

Input that cannot be a proof is refused before any pairing: a public input outside [0, r), the
wrong number of public inputs, a point with a coordinate outside [0, q), off the curve, or (G2)
outside the order-r subgroup.  `verify` reports such input by raising `VerifyError`; a
well-formed proof that does not satisfy the equation returns False.
"""

from __future__ import annotations

from collections.abc import Sequence

from prover.engine import Engine, get_engine
from prover.formats.json_files import Proof, VerifyingKey
from prover.formats.zkey import R

__all__ = ["VerifyError", "check_proof", "check_public", "check_vk", "verify"]


class VerifyError(ValueError):
    """The proof, key or public inputs are malformed (not merely a false statement)."""


def check_public(vk: VerifyingKey, public: Sequence[int]) -> list[int]:
    if len(public) != vk.n_public:
        raise VerifyError(f"the key expects {vk.n_public} public inputs, got {len(public)}")
    for i, x in enumerate(public):
        if not isinstance(x, int) or isinstance(x, bool):
            raise VerifyError(f"public input {i} is not an integer")
        if not 0 <= x < R:
            raise VerifyError(f"public input {i} is not in the scalar field [0, r)")
    return list(public)


def _check_point(engine: Engine, group: str, pt: object, what: str) -> object:
    try:
        return engine.group(group).check(pt, what)
    except (TypeError, ValueError) as exc:
        raise VerifyError(str(exc)) from None


def check_proof(proof: Proof, engine: Engine | None = None) -> Proof:
    engine = engine or get_engine()
    return Proof(
        _check_point(engine, "G1", proof.a, "proof point A"),
        _check_point(engine, "G2", proof.b, "proof point B"),
        _check_point(engine, "G1", proof.c, "proof point C"),
    )


def check_vk(vk: VerifyingKey, engine: Engine | None = None) -> VerifyingKey:
    engine = engine or get_engine()
    for label, group, pt in (
        ("vk_alpha_1", "G1", vk.alpha1),
        ("vk_beta_2", "G2", vk.beta2),
        ("vk_gamma_2", "G2", vk.gamma2),
        ("vk_delta_2", "G2", vk.delta2),
    ):
        _check_point(engine, group, pt, f"verification key {label}")
    for i, pt in enumerate(vk.ic):
        _check_point(engine, "G1", pt, f"verification key IC[{i}]")
    return vk


def public_commitment(vk: VerifyingKey, public: Sequence[int], engine: Engine) -> object:
    """vk_x = IC_0 + sum x_i IC_i."""
    G1 = engine.G1
    if not public:
        return vk.ic[0]
    points = G1.to_lem_many(vk.ic[1:])
    scalars = b"".join(x.to_bytes(32, "little") for x in public)
    return G1.add(vk.ic[0], engine.msm.msm_g1(points, scalars, check_points=False))


def verify(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: Proof,
    engine: Engine | None = None,
    *,
    vk_checked: bool = False,
) -> bool:
    """True iff the proof is valid for these public inputs under this key.  Raises VerifyError for
    malformed input (see the module docstring).  vk_checked=True skips re-validating a key the
    caller has already passed through check_vk (a verifier that keeps its key loaded)."""
    engine = engine or get_engine()
    public = check_public(vk, public)
    if not vk_checked:
        check_vk(vk, engine)
    proof = check_proof(proof, engine)
    G1 = engine.G1
    vk_x = public_commitment(vk, public, engine)
    pairs = [(G1.neg(proof.a), proof.b), (vk_x, vk.gamma2), (proof.c, vk.delta2), (vk.alpha1, vk.beta2)]
    return bool(engine.pairing.pairing_check(pairs))
