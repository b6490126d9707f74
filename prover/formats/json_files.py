"""snarkjs's JSON files: `proof.json`, `public.json` and `verification_key.json`.

Numbers are decimal strings; G1 points are [x, y, z] and G2 points [[x0, x1], [y0, y1], [z0, z1]]
in Jacobian coordinates (z = 1 for the affine points snarkjs writes; infinity is [0, 1, 0] and
[[0, 0], [1, 0], [0, 0]]); `vk_alphabeta_12` is e(alpha1, beta2) in ffjavascript's tower
(Fq12 = Fq6[w]/(w^2 - v), Fq6 = Fq2[v]/(v^3 - (9 + u))).  Files are written as snarkjs writes
them: one-space indentation, no trailing newline, so our files and snarkjs's compare byte for byte.

Parsing is strict (a clear `ProofFormatError` for anything malformed): values must be decimal
integers, coordinates canonical; whether a point is on the curve or in the subgroup is checked by
the verifier, which needs the engine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from native.constants import Q

__all__ = [
    "Proof",
    "ProofFormatError",
    "VerifyingKey",
    "dump_json",
    "load_json",
    "proof_from_json",
    "proof_to_json",
    "public_from_json",
    "public_to_json",
    "vk_from_json",
    "vk_to_json",
    "write_json",
]


class ProofFormatError(ValueError):
    """A JSON proof, key or public-signal file is malformed (the message says where)."""


@dataclass(frozen=True)
class Proof:
    a: Any  # G1 affine (x, y) or None
    b: Any  # G2 affine ((x0, x1), (y0, y1)) or None
    c: Any  # G1


@dataclass(frozen=True)
class VerifyingKey:
    alpha1: Any
    beta2: Any
    gamma2: Any
    delta2: Any
    ic: tuple[Any, ...]  # n_public + 1 G1 points
    alphabeta: tuple[int, ...] | None = None  # e(alpha1, beta2), py_ecc basis, when known

    @property
    def n_public(self) -> int:
        return len(self.ic) - 1


# ---- writing -----------------------------------------------------------------------------------
def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=1)


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    Path(path).write_text(dump_json(obj))


def g1_to_json(pt: Any) -> list[str]:
    if pt is None:
        return ["0", "1", "0"]
    return [str(pt[0]), str(pt[1]), "1"]


def g2_to_json(pt: Any) -> list[list[str]]:
    if pt is None:
        return [["0", "0"], ["1", "0"], ["0", "0"]]
    (x0, x1), (y0, y1) = pt
    return [[str(x0), str(x1)], [str(y0), str(y1)], ["1", "0"]]


def proof_to_json(proof: Proof) -> dict[str, Any]:
    return {
        "pi_a": g1_to_json(proof.a),
        "pi_b": g2_to_json(proof.b),
        "pi_c": g1_to_json(proof.c),
        "protocol": "groth16",
        "curve": "bn128",
    }


def public_to_json(public: list[int]) -> list[str]:
    return [str(v) for v in public]


def fq12_to_ffjs(coeffs: tuple[int, ...]) -> list[list[list[str]]]:
    """py_ecc's basis (sum c_k w^k, u = w^6 - 9) to ffjavascript's [[c00, c01, c02], [c10, c11, c12]]
    with c_ij in Fq2 multiplying w^(i + 2j)."""
    out = []
    for i in range(2):
        f6 = []
        for j in range(3):
            k = i + 2 * j
            b = coeffs[k + 6] % Q
            a = (coeffs[k] + 9 * b) % Q
            f6.append([str(a), str(b)])
        out.append(f6)
    return out


def fq12_from_ffjs(obj: Any) -> tuple[int, ...]:
    coeffs = [0] * 12
    for i in range(2):
        for j in range(3):
            a, b = (_int(v, "vk_alphabeta_12", Q) for v in obj[i][j])
            k = i + 2 * j
            coeffs[k + 6] = b
            coeffs[k] = (a - 9 * b) % Q
    return tuple(coeffs)


def vk_to_json(vk: VerifyingKey) -> dict[str, Any]:
    out: dict[str, Any] = {
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.n_public,
        "vk_alpha_1": g1_to_json(vk.alpha1),
        "vk_beta_2": g2_to_json(vk.beta2),
        "vk_gamma_2": g2_to_json(vk.gamma2),
        "vk_delta_2": g2_to_json(vk.delta2),
    }
    if vk.alphabeta is not None:
        out["vk_alphabeta_12"] = fq12_to_ffjs(vk.alphabeta)
    out["IC"] = [g1_to_json(p) for p in vk.ic]
    return out


# ---- reading -----------------------------------------------------------------------------------
def load_json(path: str | os.PathLike[str], what: str) -> Any:
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise ProofFormatError(f"{what} file {path} not found") from None
    except OSError as exc:
        raise ProofFormatError(f"cannot read {what} file {path}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProofFormatError(f"{what} file {path} is not valid JSON: {exc}") from None


def _int(v: Any, what: str, bound: int | None = None) -> int:
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise ProofFormatError(f"{what}: expected a decimal integer string, got {type(v).__name__}")
    if isinstance(v, str):
        s = v.strip()
        digits = s[1:] if s.startswith("-") else s
        if not digits or not (digits.isascii() and digits.isdigit()):
            raise ProofFormatError(f"{what}: {v!r} is not a decimal integer")
        if len(s) > 100:
            raise ProofFormatError(f"{what}: number too long")
        v = int(s)
    if bound is not None and not 0 <= v < bound:
        raise ProofFormatError(f"{what}: {v} is outside [0, {'q' if bound == Q else 'r'})")
    return v


def _list(v: Any, n: int, what: str) -> list[Any]:
    if not isinstance(v, list) or len(v) != n:
        raise ProofFormatError(f"{what}: expected a list of {n} items")
    return v


def _fq2(v: Any, what: str) -> tuple[int, int]:
    a, b = _list(v, 2, what)
    return (_int(a, f"{what}[0]", Q), _int(b, f"{what}[1]", Q))


def _fq2_mul(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return ((a[0] * b[0] - a[1] * b[1]) % Q, (a[0] * b[1] + a[1] * b[0]) % Q)


def _fq2_inv(a: tuple[int, int]) -> tuple[int, int]:
    d = pow((a[0] * a[0] + a[1] * a[1]) % Q, -1, Q)
    return (a[0] * d % Q, -a[1] * d % Q)


def g1_from_json(v: Any, what: str) -> Any:
    x, y, z = (_int(c, f"{what}[{i}]", Q) for i, c in enumerate(_list(v, 3, what)))
    if z == 0:
        return None
    if z == 1:
        return (x, y)
    zi = pow(z, -1, Q)
    return (x * zi * zi % Q, y * zi * zi * zi % Q)


def g2_from_json(v: Any, what: str) -> Any:
    x, y, z = (_fq2(c, f"{what}[{i}]") for i, c in enumerate(_list(v, 3, what)))
    if z == (0, 0):
        return None
    if z == (1, 0):
        return (x, y)
    zi = _fq2_inv(z)
    zi2 = _fq2_mul(zi, zi)
    return (_fq2_mul(x, zi2), _fq2_mul(y, _fq2_mul(zi2, zi)))


def proof_from_json(obj: Any, what: str = "proof") -> Proof:
    if not isinstance(obj, dict):
        raise ProofFormatError(f"{what}: expected a JSON object")
    for key in ("pi_a", "pi_b", "pi_c"):
        if key not in obj:
            raise ProofFormatError(f"{what}: missing {key}")
    if obj.get("protocol", "groth16") != "groth16":
        raise ProofFormatError(f"{what}: protocol {obj.get('protocol')!r} is not groth16")
    if obj.get("curve", "bn128") not in ("bn128", "bn254"):
        raise ProofFormatError(f"{what}: curve {obj.get('curve')!r} is not bn128")
    return Proof(
        g1_from_json(obj["pi_a"], f"{what}.pi_a"),
        g2_from_json(obj["pi_b"], f"{what}.pi_b"),
        g1_from_json(obj["pi_c"], f"{what}.pi_c"),
    )


def public_from_json(obj: Any, what: str = "public signals") -> list[int]:
    """The public signals as ints, NOT range-checked (the verifier rejects values outside [0, r)
    with its own message, as snarkjs does)."""
    if not isinstance(obj, list):
        raise ProofFormatError(f"{what}: expected a JSON list")
    return [_int(v, f"{what}[{i}]") for i, v in enumerate(obj)]


def vk_from_json(obj: Any, what: str = "verification key") -> VerifyingKey:
    if not isinstance(obj, dict):
        raise ProofFormatError(f"{what}: expected a JSON object")
    if obj.get("protocol") != "groth16":
        raise ProofFormatError(f"{what}: protocol {obj.get('protocol')!r} is not groth16")
    if obj.get("curve") not in ("bn128", "bn254"):
        raise ProofFormatError(f"{what}: curve {obj.get('curve')!r} is not bn128")
    for key in ("vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"):
        if key not in obj:
            raise ProofFormatError(f"{what}: missing {key}")
    ic_raw = obj["IC"]
    if not isinstance(ic_raw, list) or not ic_raw:
        raise ProofFormatError(f"{what}: IC must be a non-empty list")
    ic = tuple(g1_from_json(p, f"{what}.IC[{i}]") for i, p in enumerate(ic_raw))
    if "nPublic" in obj and _int(obj["nPublic"], f"{what}.nPublic") != len(ic) - 1:
        raise ProofFormatError(f"{what}: nPublic is {obj['nPublic']} but IC has {len(ic)} points")
    alphabeta = None
    if "vk_alphabeta_12" in obj:
        try:
            alphabeta = fq12_from_ffjs(obj["vk_alphabeta_12"])
        except (TypeError, IndexError, ValueError) as exc:
            raise ProofFormatError(f"{what}: malformed vk_alphabeta_12 ({exc})") from None
    return VerifyingKey(
        g1_from_json(obj["vk_alpha_1"], f"{what}.vk_alpha_1"),
        g2_from_json(obj["vk_beta_2"], f"{what}.vk_beta_2"),
        g2_from_json(obj["vk_gamma_2"], f"{what}.vk_gamma_2"),
        g2_from_json(obj["vk_delta_2"], f"{what}.vk_delta_2"),
        ic,
        alphabeta,
    )
