"""Solidity verifier export: a verification key -> a self-contained Groth16 verifier contract.

The contract comes from our own template (prover/templates/Groth16Verifier.sol.tmpl), with, in the
same file, the pairing library every zkclear verifier shares (prover/templates/Groth16Pairing.sol,
also written to contracts/src/ for GenericBatchVerifier), and uses the EIP-196/197 precompiles
(ecAdd 0x06, ecMul 0x07, pairing 0x08).  It keeps snarkjs's calldata
interface, `verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[n] pubSignals) returns (bool)`,
checks every public signal is below r and every proof coordinate below q, and never reverts.
`vkPoints()` returns the key's points (alpha, beta, gamma, delta, IC), so that a caller can check
several proofs of the circuit in one pairing product (Rollup.submitBatches, protocol.md 7.12).
The generated file says it is generated (do not edit) and names the key by its sha256.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from string import Template

from prover.formats.json_files import VerifyingKey, dump_json, vk_to_json

__all__ = ["pairing_library_body", "render_pairing_library", "render_verifier", "vk_digest"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def vk_digest(vk: VerifyingKey) -> str:
    return hashlib.sha256(dump_json(vk_to_json(vk)).encode()).hexdigest()


def pairing_library_body() -> str:
    """prover/templates/Groth16Pairing.sol after its licence and pragma lines: the library every
    verifier runs, for a generated verifier to carry (one self-contained file)."""
    text = _template("Groth16Pairing.sol")
    _, sep, body = text.partition("pragma solidity ^0.8.20;\n")
    if not sep:
        raise ValueError("templates/Groth16Pairing.sol: no `pragma solidity ^0.8.20;` line")
    return body.lstrip("\n")


def render_pairing_library() -> str:
    """contracts/src/Groth16Pairing.sol: the library as a source of its own, for the verifiers
    written by hand (GenericBatchVerifier), with the generated-file header."""
    return (
        "// SPDX-License-Identifier: Apache-2.0\n"
        "// GENERATED FILE - DO NOT EDIT.\n"
        "// Copied from prover/templates/Groth16Pairing.sol by scripts/gen_batch_verifiers.py.\n"
        "pragma solidity ^0.8.20;\n\n" + pairing_library_body()
    )


def _template(name: str) -> str:
    return resources.files("prover").joinpath("templates", name).read_text()


def render_verifier(vk: VerifyingKey, contract: str = "Groth16Verifier") -> str:
    if not _IDENT.match(contract):
        raise ValueError(f"{contract!r} is not a valid Solidity contract name")
    if vk.n_public < 1:
        raise ValueError("a verifier contract needs at least one public signal")
    for label, pt in (
        ("alpha", vk.alpha1),
        ("beta", vk.beta2),
        ("gamma", vk.gamma2),
        ("delta", vk.delta2),
        *((f"IC[{i}]", p) for i, p in enumerate(vk.ic)),
    ):
        if pt is None:
            raise ValueError(f"verification key point {label} is the point at infinity")
    template = Template(_template("Groth16Verifier.sol.tmpl"))
    ic_lines = []
    for i, (x, y) in enumerate(vk.ic):
        ic_lines.append(f"    uint256 internal constant IC{i}_X = {x};")
        ic_lines.append(f"    uint256 internal constant IC{i}_Y = {y};")
    checks = [f"        ok = ok && pubSignals[{i}] < Groth16Pairing.R;" for i in range(vk.n_public)]
    acc = [
        f"        ok = ok && Groth16Pairing.addScaled(p, IC{i + 1}_X, IC{i + 1}_Y, pubSignals[{i}]);"
        for i in range(vk.n_public)
    ]

    def g2(pt: tuple[tuple[int, int], tuple[int, int]], name: str) -> dict[str, str]:
        (x0, x1), (y0, y1) = pt
        return {f"{name}_x0": str(x0), f"{name}_x1": str(x1), f"{name}_y0": str(y0), f"{name}_y1": str(y1)}

    values = {
        "contract": contract,
        "pairing_library": pairing_library_body(),
        "vk_digest": vk_digest(vk),
        "n_public": str(vk.n_public),
        "alpha_x": str(vk.alpha1[0]),
        "alpha_y": str(vk.alpha1[1]),
        **g2(vk.beta2, "beta"),
        **g2(vk.gamma2, "gamma"),
        **g2(vk.delta2, "delta"),
        "ic_constants": "\n".join(ic_lines) + "\n",
        "signal_checks": "\n".join(checks),
        "accumulate": "\n".join(acc),
        "n_ic": str(len(vk.ic)),
        "ic_points": "\n".join(f"        ic[{i}] = [IC{i}_X, IC{i}_Y];" for i in range(len(vk.ic))),
    }
    return template.substitute(values)
