"""The generic batch verifier (contracts/src/GenericBatchVerifier.sol): a Groth16 verifier for one
public input whose key is given at deploy time, so a devnet deploys the verifier of the key it
made itself without a Solidity compiler. Its key as constructor arguments, its deployed code for a
key (the artifact's runtime code with the key's values at solc's immutableReferences), its deploy."""

from __future__ import annotations

from typing import Any

from contracts.artifacts import artifact
from contracts.deploy import deploy
from prover.formats.json_files import VerifyingKey

NAME = "GenericBatchVerifier"

# (x.c1, x.c0, y.c1, y.c0): EIP-197's order, as vkPoints returns a G2 point
G2Words = tuple[int, int, int, int]


class UnsupportedKey(ValueError):
    """A key the generic verifier cannot hold (not one public input, or a point at infinity)."""


def _g2(pt: Any) -> G2Words:
    (x0, x1), (y0, y1) = pt
    return int(x1), int(x0), int(y1), int(y0)


def vk_points(
    vk: VerifyingKey,
) -> tuple[tuple[int, int], G2Words, G2Words, G2Words, tuple[tuple[int, int], tuple[int, int]]]:
    """The key as the constructor takes it and `vkPoints()` returns it: alpha, beta, gamma, delta, ic."""
    if vk.n_public != 1:
        raise UnsupportedKey(f"the generic verifier takes keys of one public input, not {vk.n_public}")
    pts = (vk.alpha1, vk.beta2, vk.gamma2, vk.delta2, *vk.ic)
    if any(p is None for p in pts):
        raise UnsupportedKey("a verification key point is the point at infinity")
    ic0, ic1 = ((int(x), int(y)) for x, y in vk.ic)
    return (
        (int(vk.alpha1[0]), int(vk.alpha1[1])),
        _g2(vk.beta2),
        _g2(vk.gamma2),
        _g2(vk.delta2),
        (ic0, ic1),
    )


def immutable_values(vk: VerifyingKey) -> dict[str, int]:
    """The contract's immutables (by their Solidity names) for the key."""
    alpha, beta, gamma, delta, (ic0, ic1) = vk_points(vk)
    out = {"ALPHA_X": alpha[0], "ALPHA_Y": alpha[1]}
    for name, g2 in (("BETA", beta), ("GAMMA", gamma), ("DELTA", delta)):
        out.update(dict(zip((f"{name}_X1", f"{name}_X0", f"{name}_Y1", f"{name}_Y0"), g2, strict=True)))
    out.update({"IC0_X": ic0[0], "IC0_Y": ic0[1], "IC1_X": ic1[0], "IC1_Y": ic1[1]})
    return out


def runtime_code(vk: VerifyingKey) -> bytes:
    """The deployed code of the generic verifier holding `vk`: what `eth_getCode` must return."""
    art = artifact(NAME)
    code = bytearray.fromhex(art["deployedBytecode"].removeprefix("0x"))
    values = immutable_values(vk)
    refs: dict[str, list[list[int]]] = art["immutableReferences"]
    if set(refs) != set(values):
        raise RuntimeError(f"{NAME}'s artifact has immutables {sorted(refs)}, expected {sorted(values)}")
    for name, spots in refs.items():
        for start, length in spots:
            code[start : start + length] = values[name].to_bytes(length, "big")
    return bytes(code)


def deploy_generic_verifier(w3: Any, vk: VerifyingKey, sender: str | None = None) -> Any:
    """Deploy a generic verifier holding `vk` (any web3 provider); returns the contract object."""
    return deploy(w3, NAME, *vk_points(vk), sender=sender, gas=3_000_000)
