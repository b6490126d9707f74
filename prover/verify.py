"""Groth16 verification: e(-A, B) e(vk_x, gamma) e(C, delta) e(alpha, beta) == 1 with
vk_x = IC_0 + sum x_i IC_i, as one native multi-pairing (one final exponentiation).

Input that cannot be a proof is refused before any pairing: a public input outside [0, r), the
wrong number of public inputs, a point with a coordinate outside [0, q), off the curve, or (G2)
outside the order-r subgroup.  `verify` reports such input by raising `VerifyError`; a
well-formed proof that does not satisfy the equation returns False.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from native.constants import Q
from native.engine import Engine, get_engine
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


def _check_points(engine: Engine, group: str, points: list[object], what: list[str]) -> None:
    """Canonical coordinates, on the curve, (G2) in the order-r subgroup; VerifyError otherwise."""
    g = engine.groth16
    for pt, label in zip(points, what, strict=True):
        try:
            g.lem_to_points(group, g.points_to_lem(group, [pt]), check=True)
        except (TypeError, ValueError) as exc:
            reason = str(exc).split(" point 0 ", 1)[-1]
            raise VerifyError(f"{label} {reason}") from None


def check_proof(proof: Proof, engine: Engine | None = None) -> Proof:
    engine = engine or get_engine()
    _check_points(engine, "G1", [proof.a, proof.c], ["proof point A", "proof point C"])
    _check_points(engine, "G2", [proof.b], ["proof point B"])
    return proof


def check_vk(vk: VerifyingKey, engine: Engine | None = None) -> VerifyingKey:
    engine = engine or get_engine()
    _check_points(engine, "G1", [vk.alpha1], ["verification key vk_alpha_1"])
    _check_points(
        engine,
        "G2",
        [vk.beta2, vk.gamma2, vk.delta2],
        [f"verification key vk_{n}_2" for n in ("beta", "gamma", "delta")],
    )
    _check_points(engine, "G1", list(vk.ic), [f"verification key IC[{i}]" for i in range(len(vk.ic))])
    return vk


def public_commitment(vk: VerifyingKey, public: Sequence[int], engine: Engine) -> object:
    """vk_x = IC_0 + sum x_i IC_i (one row of the native sparse linear combination kernel)."""
    g = engine.groth16
    n = len(vk.ic)
    scalars = b"".join(x.to_bytes(32, "little") for x in [1, *public])
    row = g.sparse_lincomb(
        "G1",
        g.points_to_lem("G1", vk.ic),
        scalars,
        struct.pack(f"<{n}I", *range(n)),
        struct.pack("<2Q", 0, n),
    )
    return g.lem_to_points("G1", row, check=False)[0]


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
    check_proof(proof, engine)
    g = engine.groth16
    vk_x = public_commitment(vk, public, engine)
    neg_a = None if proof.a is None else (proof.a[0], (Q - proof.a[1]) % Q)
    # Every point is validated above (the key by check_vk), so the kernel skips re-validation.
    g1 = g.points_to_lem("G1", [neg_a, vk_x, proof.c, vk.alpha1])
    g2 = g.points_to_lem("G2", [proof.b, vk.gamma2, vk.delta2, vk.beta2])
    return g.pairing_check_lem(g1, g2)
