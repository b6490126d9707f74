"""Single-party Groth16 setup (as gnark's `groth16.Setup`): a snarkjs-compatible proving key made
in one step, with no powers of tau and no ceremony.

FOR DEVNETS AND TESTS ONLY.  Whoever runs it could keep the secrets (tau, alpha, beta, gamma,
delta) and forge proofs; production keys come from the multi-party ceremony (phase1.py and
phase2.py).  Here the secrets are drawn by the native core into buffers that are zeroed when the
key is made, as are all the field values derived from them; nothing secret is returned or written.

The key has exactly the layout and conventions of `phase2.new_zkey` followed by contributions
(docs/protocol.md section 9), so our prover and verifier and snarkjs's `groth16 prove`, `groth16
verify` and `zkey export verificationkey` all accept it:

- QAP domain n = 2^k from `circuit_power`; Lagrange evaluations at tau computed in the field:
  L_i(tau) = (tau^n - 1)/n * w^i / (tau - w^i), one constant-time batch inversion.
- A_j(tau), B_j(tau), C_j(tau): sum over the R1CS terms of coef * L_constraint(tau), with the
  extra "x_j * 0 = 0" row for every public signal (and the constant) in A.  The sums run in the
  native `build_abc` kernel with rows and columns swapped (a record (matrix, wire, constraint,
  coef) accumulates coef * L_constraint into row `wire`).
- Sections: A_j, B_j in G1 (B also in G2); IC_j = (beta A_j + alpha B_j + C_j)/gamma for the
  public j, C_j = the same over delta for the private j; H_i = L^{2n}_{2i+1}(tau)/delta, the odd
  Lagrange points of the doubled domain (what snarkjs's zkey holds).  gamma is a secret too (snarkjs's
  initial key has gamma = 1; every verifier reads gamma from the key).
- Every point comes out of one batch fixed-base multiplication per group (`native.fixed_base`).
- The key records no contribution; its "circuit hash" is BLAKE2b-512 of its header and point
  sections (snarkjs's circuit hash is defined from a ptau, which this key has none of).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from native.engine import Engine, get_engine
from prover.formats.points import G1_SIZE, G2_SIZE
from prover.formats.r1cs import R1CS
from prover.formats.zkey import (
    NEW_ORDER,
    SEC_A,
    SEC_B1,
    SEC_B2,
    SEC_C,
    SEC_COEFS,
    SEC_H,
    SEC_IC,
    MPCParams,
    R,
    ZKey,
    ZKeyHeader,
)
from prover.progress import SILENT, Progress
from prover.setup.common import secret_scalar
from prover.setup.phase2 import (
    SetupError,
    circuit_power,
    coef_records,
    ones_column,
    zkey_coefficients,
)

__all__ = ["Toxic", "single_party_setup"]

MAX_POWER = 27  # the doubled domain 2^(k+1) must be one of ffjavascript's (k + 1 <= 28)
_MONT_ONE = (2**256 % R).to_bytes(32, "little")


@dataclass
class Toxic:
    """The setup's secrets as 32-byte std-form Fr buffers (never ints on the native path)."""

    tau: Any
    alpha: Any
    beta: Any
    gamma: Any
    delta: Any


@contextmanager
def _fresh_toxic(engine: Engine) -> Iterator[Toxic]:
    with ExitStack() as stack:
        yield Toxic(*(stack.enter_context(secret_scalar(engine)) for _ in range(5)))


def single_party_setup(r1cs: R1CS, engine: Engine | None = None, progress: Progress = SILENT) -> ZKey:
    """A proving key for `r1cs` from fresh secrets drawn by the native core and wiped afterwards
    (devnets and tests only: see the module docstring).  The verification key is
    `phase2.export_vk(zkey)`."""
    engine = engine or get_engine()
    with _fresh_toxic(engine) as toxic:
        return setup_with_secrets(r1cs, toxic, engine, progress)


class _Scratch:
    """Secret-derived buffers, zeroed together when the setup ends."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.bufs: list[bytearray] = []

    def keep(self, buf: Any) -> bytearray:
        if not isinstance(buf, bytearray):
            raise TypeError("secret scratch must be a bytearray")
        self.bufs.append(buf)
        return buf

    def repeat(self, element: Any, count: int) -> bytearray:
        """A kept buffer of `count` copies of one 32-byte element (no unwiped temporaries)."""
        out = self.keep(bytearray(32 * count))
        if count:
            np.frombuffer(out, dtype=np.uint8).reshape(count, 32)[:] = np.frombuffer(element, dtype=np.uint8)
        return out

    def concat(self, parts: list[Any]) -> bytearray:
        """A kept buffer holding the parts one after the other."""
        views = [memoryview(p).cast("B") for p in parts]
        out = self.keep(bytearray(sum(v.nbytes for v in views)))
        pos = 0
        for v in views:
            out[pos : pos + v.nbytes] = v
            pos += v.nbytes
        return out

    def wipe(self) -> None:
        for b in self.bufs:
            self.engine.groth16.wipe(b)
        self.bufs.clear()


def setup_with_secrets(r1cs: R1CS, toxic: Toxic, engine: Engine, progress: Progress = SILENT) -> ZKey:
    """The key for given secrets (the single-party setup's body; tests call it with fixed ones).
    The secrets stay with the caller; every value derived from them is wiped here."""
    if r1cs.prime != R:
        raise SetupError("the circuit is not over BN254's scalar field")
    power = circuit_power(r1cs)
    if power > MAX_POWER:
        raise SetupError(f"circuit too big: it needs a domain of 2^{power}, at most 2^{MAX_POWER}")
    scratch = _Scratch(engine)
    try:
        return _setup(r1cs, toxic, engine, progress, power, scratch)
    finally:
        scratch.wipe()


def _lagrange(
    engine: Engine, scratch: _Scratch, tau_m: bytearray, log_n: int, first: int, step: int, n: int
) -> bytearray:
    """(tau^N - 1)/N * x_i / (tau - x_i) (Montgomery) for x_i = first * step^i, i < n, where the x_i
    are points of the domain of size N = 2^log_n: Lagrange basis polynomials of that domain at tau."""
    FR, ntt = engine.FR, engine.ntt
    xs = bytearray(_MONT_ONE * n)
    ntt.scale_powers(xs, first, step)
    vals = scratch.repeat(tau_m, n)
    FR.vec_sub(vals, xs, out=vals)
    try:
        FR.vec_batch_inv(vals, out=vals)
    except ZeroDivisionError:
        raise SetupError("tau is a root of unity of the domain; draw again") from None
    FR.vec_mul(vals, xs, out=vals)
    # c = (tau^N - 1) / N
    c = scratch.keep(bytearray(tau_m))
    for _ in range(log_n):
        FR.vec_mul(c, c, out=c)
    FR.vec_sub(c, _MONT_ONE, out=c)
    inv_n = pow(1 << log_n, -1, R) * 2**256 % R
    FR.vec_mul(c, inv_n.to_bytes(32, "little"), out=c)
    FR.vec_mul(vals, scratch.repeat(c, n), out=vals)
    return vals


def _abc_at_tau(
    engine: Engine, scratch: _Scratch, records: np.ndarray, l_std: bytearray, n_vars: int
) -> tuple[bytearray, bytearray]:
    """Rows 0 and 1 of sum coef * L_constraint(tau) per wire (Montgomery), by build_abc transposed:
    records are (matrix, wire, constraint, value), sorted by wire so the kernel runs threaded."""
    order = np.argsort(records[:, 4:8].copy().view("<u4").ravel(), kind="stable")
    recs = np.ascontiguousarray(records[order])
    coefs = np.zeros(4 + recs.nbytes, dtype=np.uint8)
    coefs[:4] = np.frombuffer(np.uint32(len(recs)).tobytes(), dtype=np.uint8)
    coefs[4:] = recs.reshape(-1)
    rows = 1 << max(0, (n_vars - 1).bit_length())
    a, b, c = engine.groth16.build_abc(coefs.tobytes(), l_std, rows)
    scratch.keep(a)
    scratch.keep(b)
    scratch.keep(c)
    return scratch.keep(a[: 32 * n_vars]), scratch.keep(b[: 32 * n_vars])


def _setup(
    r1cs: R1CS, toxic: Toxic, engine: Engine, progress: Progress, power: int, scratch: _Scratch
) -> ZKey:
    FR, ntt, G1, G2 = engine.FR, engine.ntt, engine.G1, engine.G2
    n = 1 << power
    n_public, n_vars, n_cons = r1cs.n_public, r1cs.n_wires, r1cs.n_constraints
    keep = scratch.keep

    progress.step("setup: coefficients", 1)
    (mat, cons, wire, coefs), pub, coef_section = zkey_coefficients(engine, r1cs)
    ab = mat < 2

    progress.step("setup: Lagrange bases and QAP at tau", 3)
    tau_m = keep(FR.vec_to_mont(toxic.tau))
    alpha_m = keep(FR.vec_to_mont(toxic.alpha))
    beta_m = keep(FR.vec_to_mont(toxic.beta))
    gd = keep(FR.vec_to_mont(scratch.concat([toxic.gamma, toxic.delta])))
    try:
        gd_inv = keep(FR.vec_batch_inv(gd))
    except ZeroDivisionError:
        raise SetupError("gamma and delta must be non-zero") from None
    l_n = _lagrange(engine, scratch, tau_m, power, 1, ntt.root_of_unity(power), n)
    l_std = keep(FR.vec_from_mont(l_n))
    progress.advance()
    # A and B (with the public rows in A), then C, as sums over the constraints' Lagrange values
    rec_ab = coef_records(
        engine,
        np.concatenate([mat[ab], np.zeros(n_public + 1, dtype=np.int64)]),
        np.concatenate([wire[ab], pub]),
        np.concatenate([cons[ab], n_cons + pub]),
        np.concatenate([coefs[ab], ones_column(n_public + 1)]),
    )
    a_m, b_m = _abc_at_tau(engine, scratch, rec_ab, l_std, n_vars)
    is_c = mat == 2
    rec_c = coef_records(
        engine, np.zeros(int(is_c.sum()), dtype=np.int64), wire[is_c], cons[is_c], coefs[is_c]
    )
    c_m, _ = _abc_at_tau(engine, scratch, rec_c, l_std, n_vars)
    progress.advance()
    # K_j = beta A_j + alpha B_j + C_j; over gamma for the public j, over delta for the others
    k = keep(FR.vec_mul(a_m, scratch.repeat(beta_m, n_vars)))
    FR.vec_add(k, keep(FR.vec_mul(b_m, scratch.repeat(alpha_m, n_vars))), out=k)
    FR.vec_add(k, c_m, out=k)
    gamma_inv, delta_inv = memoryview(gd_inv)[:32], memoryview(gd_inv)[32:]
    divisors = scratch.concat(
        [scratch.repeat(gamma_inv, n_public + 1), scratch.repeat(delta_inv, n_vars - n_public - 1)]
    )
    FR.vec_mul(k, divisors, out=k)
    # H_i = L^{2n}_{2i+1}(tau) / delta: the odd points w_2n * w_n^i of the doubled domain
    h = _lagrange(
        engine, scratch, tau_m, power + 1, ntt.root_of_unity(power + 1), ntt.root_of_unity(power), n
    )
    FR.vec_mul(h, scratch.repeat(delta_inv, n), out=h)
    progress.advance()

    progress.step("setup: points (fixed-base multiplication)", 2)
    fb = engine.fixed_base
    g1_scalars = scratch.concat([a_m, b_m, k, h, alpha_m, beta_m, memoryview(gd)[32:]])
    g1 = fb.fixed_base_g1(G1.generator, g1_scalars, scalars_mont=True)
    progress.advance()
    g2 = fb.fixed_base_g2(G2.generator, scratch.concat([b_m, beta_m, gd]), scalars_mont=True)
    progress.advance()
    progress.done()

    mv1 = memoryview(g1)
    sz = n_vars * G1_SIZE
    a_pts, b1_pts, k_pts = bytes(mv1[:sz]), bytes(mv1[sz : 2 * sz]), mv1[2 * sz : 3 * sz]
    h_pts = bytes(mv1[3 * sz : 3 * sz + n * G1_SIZE])
    alpha1, beta1, delta1 = G1.from_lem_many(bytes(mv1[3 * sz + n * G1_SIZE :]), check=False)
    n_ic = (n_public + 1) * G1_SIZE
    ic_pts, c_pts = bytes(k_pts[:n_ic]), bytes(k_pts[n_ic:])
    b2_pts = bytes(g2[: n_vars * G2_SIZE])
    beta2, gamma2, delta2 = G2.from_lem_many(bytes(g2[n_vars * G2_SIZE :]), check=False)

    header = ZKeyHeader(n_vars, n_public, n, alpha1, beta1, beta2, gamma2, delta1, delta2)
    sections = {
        SEC_IC: ic_pts,
        SEC_COEFS: coef_section,
        SEC_A: a_pts,
        SEC_B1: b1_pts,
        SEC_B2: b2_pts,
        SEC_C: c_pts,
        SEC_H: h_pts,
    }
    digest = hashlib.blake2b(header.to_bytes(engine), digest_size=64)
    for sec in (SEC_IC, SEC_C, SEC_A, SEC_B1, SEC_B2, SEC_H):
        digest.update(sections[sec])
    return ZKey(header, sections, MPCParams(digest.digest(), []), list(NEW_ORDER))
