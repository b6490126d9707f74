"""Single-party setup: every section against a direct computation from fixed secrets (ref twins,
plain ints), native and reference engines byte-identical, proofs by our prover accepted by our
verifier and snarkjs (and snarkjs's proofs under our key by ours), a wrong witness rejected, and
the secrets wiped and never in the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from native.engine import get_engine
from native.ref.curve import G1 as RG1
from native.ref.curve import G2 as RG2
from prover.formats.json_files import (
    load_json,
    proof_from_json,
    proof_to_json,
    public_from_json,
    public_to_json,
    vk_from_json,
    vk_to_json,
    write_json,
)
from prover.formats.r1cs import R1CS, read_r1cs
from prover.formats.wtns import Witness, read_wtns
from prover.formats.zkey import (
    SEC_A,
    SEC_B1,
    SEC_B2,
    SEC_C,
    SEC_COEFS,
    SEC_H,
    SEC_IC,
    R,
    read_zkey,
    write_zkey,
)
from prover.prove import prove
from prover.setup import single
from prover.setup.phase2 import export_vk
from prover.setup.single import Toxic, setup_with_secrets, single_party_setup
from prover.verify import verify
from tests.prover.conftest import snarkjs

SECRETS = (0x1234567 * 3**80 % R, 11**70 % R, 13**70 % R, 17**70 % R, 19**70 % R)


def tiny_r1cs() -> R1CS:
    """out = a * b * (b + 2) + 3 with a public: wires 1 out, 2 a (public), 3 b, 4 t."""
    cons = [
        ([(2, 1)], [(3, 1)], [(4, 1)]),  # a * b = t
        ([(4, 1)], [(3, 1), (0, 2)], [(1, 1), (0, R - 3)]),  # t * (b + 2) = out - 3
        ([(3, 5), (2, R - 1)], [(0, 1)], [(3, 5), (2, R - 1)]),  # a linear check with C terms
    ]
    return R1CS.from_constraints(R, 5, 1, 1, 1, cons)


def tiny_witness(a: int = 3, b: int = 7) -> Witness:
    t = a * b % R
    return Witness.from_values(R, [1, (t * (b + 2) + 3) % R, a, b, t])


def enc(x: int) -> bytearray:
    return bytearray(x.to_bytes(32, "little"))


def toxic() -> Toxic:
    return Toxic(*(enc(s) for s in SECRETS))


def lagrange_direct(tau: int, n: int, w: int, i: int) -> int:
    """prod_{j != i} (tau - w^j) / (w^i - w^j): the textbook Lagrange polynomial, no shortcut."""
    xi = pow(w, i, R)
    num = den = 1
    for j in range(n):
        if j != i:
            xj = pow(w, j, R)
            num = num * (tau - xj) % R
            den = den * (xi - xj) % R
    return num * pow(den, -1, R) % R


def expected_sections(r1cs: R1CS) -> dict[int, bytes]:
    tau, alpha, beta, gamma, delta = SECRETS
    eng = get_engine("ref")
    n = 1 << single.circuit_power(r1cs)
    w = eng.ntt.root_of_unity(n.bit_length() - 1)
    w2 = eng.ntt.root_of_unity(n.bit_length())
    lag = [lagrange_direct(tau, n, w, i) for i in range(n)]
    nv, npub = r1cs.n_wires, r1cs.n_public
    polys = [[0] * nv for _ in range(3)]
    for ci, constraint in enumerate(r1cs.constraints()):
        for m, lc in enumerate(constraint):
            for wire, coef in lc:
                polys[m][wire] = (polys[m][wire] + coef * lag[ci]) % R
    for j in range(npub + 1):  # the "x_j * 0 = 0" rows of the public signals
        polys[0][j] = (polys[0][j] + lag[r1cs.n_constraints + j]) % R
    a, b, c = polys
    k = [(beta * a[j] + alpha * b[j] + c[j]) % R for j in range(nv)]
    ic = [k[j] * pow(gamma, -1, R) % R for j in range(npub + 1)]
    cc = [k[j] * pow(delta, -1, R) % R for j in range(npub + 1, nv)]
    h = [lagrange_direct(tau, 2 * n, w2, 2 * i + 1) * pow(delta, -1, R) % R for i in range(n)]

    def g1(vals: list[int]) -> bytes:
        return RG1.to_lem_many([RG1.mul(RG1.generator, v) for v in vals])

    return {
        SEC_A: g1(a),
        SEC_B1: g1(b),
        SEC_B2: RG2.to_lem_many([RG2.mul(RG2.generator, v) for v in b]),
        SEC_IC: g1(ic),
        SEC_C: g1(cc),
        SEC_H: g1(h),
    }


@pytest.mark.parametrize("engine_name", ["native", "ref"])
def test_sections_match_direct_computation(engine_name: str) -> None:
    r1cs = tiny_r1cs()
    engine = get_engine(engine_name)
    zkey = setup_with_secrets(r1cs, toxic(), engine)
    want = expected_sections(r1cs)
    for sec, pts in want.items():
        assert bytes(zkey.sections[sec]) == pts, f"section {sec}"
    _, alpha, beta, gamma, delta = SECRETS
    h = zkey.header
    assert (h.n_vars, h.n_public, h.domain_size) == (5, 2, 8)
    assert h.alpha1 == RG1.mul(RG1.generator, alpha)
    assert h.beta1 == RG1.mul(RG1.generator, beta)
    assert h.beta2 == RG2.mul(RG2.generator, beta)
    assert h.gamma2 == RG2.mul(RG2.generator, gamma)
    assert h.delta1 == RG1.mul(RG1.generator, delta)
    assert h.delta2 == RG2.mul(RG2.generator, delta)
    assert zkey.mpc.contributions == []


def test_engines_agree_and_coefficients_match_zkey_new() -> None:
    r1cs = tiny_r1cs()
    ours = setup_with_secrets(r1cs, toxic(), get_engine())
    theirs = setup_with_secrets(r1cs, toxic(), get_engine("ref"))
    for sec in (SEC_IC, SEC_COEFS, SEC_A, SEC_B1, SEC_B2, SEC_C, SEC_H):
        assert bytes(ours.sections[sec]) == bytes(theirs.sections[sec])
    assert ours.mpc.cs_hash == theirs.mpc.cs_hash


@pytest.mark.parametrize("engine_name", ["native", "ref"])
def test_prove_and_verify_and_wrong_witness(engine_name: str, tmp_path: Path) -> None:
    engine = get_engine(engine_name)
    zkey = single_party_setup(tiny_r1cs(), engine)
    write_zkey(tmp_path / "k.zkey", zkey, engine)
    with read_zkey(tmp_path / "k.zkey", engine) as back:
        vk = export_vk(back, engine)
        res = prove(back, tiny_witness(), engine)
        assert verify(vk, res.public, res.proof, engine)
        assert not verify(vk, [res.public[0], (res.public[1] + 1) % R], res.proof, engine)
        bad = Witness.from_values(R, [1, 192, 3, 7, 22])  # t != a * b
        res_bad = prove(back, bad, engine)
        assert not verify(vk, res_bad.public, res_bad.proof, engine)


def test_secrets_wiped_and_not_in_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    engine = get_engine()
    drawn: list[tuple[bytearray, bytes]] = []
    original = engine.groth16.random_scalar

    def spy() -> bytearray:
        buf = original()
        drawn.append((buf, bytes(buf)))
        return buf

    kept: list[bytearray] = []
    original_keep = single._Scratch.keep

    def spy_keep(self: single._Scratch, buf: bytearray) -> bytearray:
        kept.append(buf)
        return original_keep(self, buf)

    monkeypatch.setattr(engine.groth16, "random_scalar", spy)
    monkeypatch.setattr(single._Scratch, "keep", spy_keep)
    zkey = single_party_setup(tiny_r1cs(), engine)
    assert len(drawn) == 5 and len({v for _, v in drawn}) == 5
    assert all(not any(buf) for buf, _ in drawn), "a secret was not wiped"
    assert kept and all(not any(buf) for buf in kept), "a secret-derived buffer was not wiped"
    write_zkey(tmp_path / "k.zkey", zkey, engine)
    data = (tmp_path / "k.zkey").read_bytes()
    for _, value in drawn:
        mont = (int.from_bytes(value, "little") * 2**256 % R).to_bytes(32, "little")
        assert value not in data and mont not in data
    assert not any(isinstance(v, (bytes, bytearray)) and len(v) == 32 for v in vars(zkey).values())


@pytest.mark.node
def test_snarkjs_accepts_the_key(compile_circuit, witness_for, tmp_path: Path) -> None:
    engine = get_engine()
    c = compile_circuit("mul")
    wtns = witness_for("mul", {"a": 3, "b": 11, "c": 5}, "single")
    zkey_path = tmp_path / "single.zkey"
    write_zkey(zkey_path, single_party_setup(read_r1cs(c.r1cs), engine), engine)
    ours_vk = tmp_path / "vk.json"
    with read_zkey(zkey_path, engine) as zkey:
        vk = export_vk(zkey, engine)
        write_json(ours_vk, vk_to_json(vk))
        res = prove(zkey, read_wtns(wtns), engine)
    # snarkjs exports the same verification key from our zkey
    snarkjs("zkey", "export", "verificationkey", zkey_path, tmp_path / "their_vk.json")
    assert json.loads((tmp_path / "their_vk.json").read_text()) == json.loads(ours_vk.read_text())
    # our proof verifies in snarkjs
    write_json(tmp_path / "proof.json", proof_to_json(res.proof))
    write_json(tmp_path / "public.json", public_to_json(res.public))
    out = snarkjs("groth16", "verify", ours_vk, tmp_path / "public.json", tmp_path / "proof.json")
    assert "OK" in out.stdout
    # snarkjs proves with our key, and our verifier accepts its proof
    snarkjs("groth16", "prove", zkey_path, wtns, tmp_path / "p2.json", tmp_path / "pub2.json")
    proof2 = proof_from_json(load_json(tmp_path / "p2.json", "proof"))
    public2 = public_from_json(load_json(tmp_path / "pub2.json", "public"))
    vk2 = vk_from_json(load_json(ours_vk, "vk"))
    assert verify(vk2, public2, proof2, engine)
    # a changed public signal is rejected by snarkjs
    write_json(tmp_path / "public_bad.json", public_to_json([(v + 1) % R for v in res.public]))
    bad = snarkjs(
        "groth16", "verify", ours_vk, tmp_path / "public_bad.json", tmp_path / "proof.json", check=False
    )
    assert bad.returncode != 0 or "OK" not in bad.stdout
