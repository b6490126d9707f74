"""Proving and verifying, with snarkjs as the outside referee: our proofs verify in snarkjs and
snarkjs's in ours; changed public inputs, proofs of another circuit and tampered points are
rejected by both.  Run on the native engine and on the pure-Python reference engine (twins)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from native.constants import Q, R
from native.engine import get_engine
from prover.formats.json_files import (
    Proof,
    ProofFormatError,
    load_json,
    proof_from_json,
    proof_to_json,
    public_from_json,
    public_to_json,
    vk_from_json,
    write_json,
)
from prover.formats.wtns import Witness, read_wtns
from prover.formats.zkey import read_zkey
from prover.prove import ProveError, prove
from prover.verify import VerifyError, verify
from tests.prover.conftest import Ceremony, snarkjs

pytestmark = pytest.mark.node


@pytest.fixture(params=["native", "ref"])
def case(request: pytest.FixtureRequest, hash_ceremony: Ceremony, mul_ceremony: Ceremony):
    """(engine, ceremony): the native engine proves the Poseidon circuit; the slow reference
    engine the small one."""
    if request.param == "native":
        return get_engine(), hash_ceremony
    return get_engine("ref"), mul_ceremony


def snarkjs_verifies(vk: Path, public: object, proof: Proof, tmp_path: Path) -> bool:
    write_json(tmp_path / "p.json", proof_to_json(proof))
    (tmp_path / "pub.json").write_text(json.dumps([str(v) for v in public]))
    proc = snarkjs("groth16", "verify", vk, tmp_path / "pub.json", tmp_path / "p.json", check=False)
    return proc.returncode == 0 and "OK" in proc.stdout


def our_proof(engine, c: Ceremony, **kw):
    with read_zkey(c.zkey, engine) as zk:
        return prove(zk, read_wtns(c.wtns), engine, **kw)


def test_our_proof_verifies_in_snarkjs_and_ours(case, tmp_path: Path) -> None:
    engine, c = case
    res = our_proof(engine, c)
    vk = vk_from_json(load_json(c.vk, "vk"))
    assert res.public == public_from_json(load_json(c.public, "public"))
    assert verify(vk, res.public, res.proof, engine)
    assert snarkjs_verifies(c.vk, res.public, res.proof, tmp_path)


def test_snarkjs_proof_verifies_in_ours(case) -> None:
    engine, c = case
    vk = vk_from_json(load_json(c.vk, "vk"))
    proof = proof_from_json(load_json(c.proof, "proof"))
    public = public_from_json(load_json(c.public, "public"))
    assert verify(vk, public, proof, engine)


def test_fresh_blinding_every_proof(hash_ceremony: Ceremony) -> None:
    engine = get_engine()
    a, b = our_proof(engine, hash_ceremony), our_proof(engine, hash_ceremony)
    assert a.proof != b.proof
    vk = vk_from_json(load_json(hash_ceremony.vk, "vk"))
    assert verify(vk, a.public, a.proof, engine) and verify(vk, b.public, b.proof, engine)


def nearly_all_large(values: list[int]) -> bool:
    """The native prover's test for folding r B1 into C's MSM: at most one in eight values past the
    constant wire is within 2^64 of 0 mod r (native/src/groth16.c: nearly_all_large)."""
    return 8 * sum(1 for v in values[1:] if min(v, R - v) < 2**64) <= len(values) - 1


@pytest.mark.parametrize(
    "inputs",
    [{"a": 3, "b": 11, "c": 5}, {"a": R - 2**70 - 12345, "b": 2**200 + 7, "c": 3**100}],
    ids=["small-witness (B1 MSM on its own)", "large-witness (r B1 folded into C's MSM)"],
)
def test_engines_agree_on_the_same_blinding(mul_ceremony: Ceremony, witness_for, inputs: dict) -> None:
    """Both ways the native prover computes C (r B1 by its own MSM for a witness of small values,
    or folded into C's MSM with scalars r w for large ones) give the reference engine's proof."""
    wtns = witness_for("mul", inputs, "agree-" + "-".join(str(v % 1000) for v in inputs.values()))
    w = read_wtns(wtns)
    assert nearly_all_large([w[i] for i in range(len(w))]) == (inputs["a"] > 2**64)
    blinding = (123456789, 987654321)
    with read_zkey(mul_ceremony.zkey, get_engine()) as zk:
        native = prove(zk, w, get_engine(), blinding=blinding)
    with read_zkey(mul_ceremony.zkey, get_engine("ref")) as zk:
        ref = prove(zk, w, get_engine("ref"), blinding=blinding)
    assert native == ref
    vk = vk_from_json(load_json(mul_ceremony.vk, "vk"))
    assert verify(vk, native.public, native.proof, get_engine())


def test_changed_public_input_rejected(hash_ceremony: Ceremony, tmp_path: Path) -> None:
    engine = get_engine()
    vk = vk_from_json(load_json(hash_ceremony.vk, "vk"))
    res = our_proof(engine, hash_ceremony)
    changed = [(res.public[0] + 1) % R]
    assert not verify(vk, changed, res.proof, engine)
    assert not snarkjs_verifies(hash_ceremony.vk, changed, res.proof, tmp_path)


def test_proof_of_another_circuit_rejected(
    hash_ceremony: Ceremony, square_ceremony: Ceremony, tmp_path: Path
) -> None:
    engine = get_engine()
    vk = vk_from_json(load_json(hash_ceremony.vk, "vk"))
    other = our_proof(engine, square_ceremony)
    assert verify(vk_from_json(load_json(square_ceremony.vk, "vk")), other.public, other.proof, engine)
    assert not verify(vk, other.public, other.proof, engine)
    assert not snarkjs_verifies(hash_ceremony.vk, other.public, other.proof, tmp_path)


def _twist_point_outside_subgroup() -> tuple[tuple[int, int], tuple[int, int]]:
    from native.ref.tower import f2_add, f2_inv, f2_mul, f2_sqr, f2_sqrt

    b2 = f2_mul((3, 0), f2_inv((9, 1)))
    x0 = 1
    while True:
        x = (x0, 0)
        y = f2_sqrt(f2_add(f2_mul(f2_sqr(x), x), b2))
        if y is not None:
            return (x, y)
        x0 += 1


def test_tampered_points_rejected(hash_ceremony: Ceremony, tmp_path: Path) -> None:
    engine = get_engine()
    G1, G2 = engine.G1, engine.G2
    vk = vk_from_json(load_json(hash_ceremony.vk, "vk"))
    res = our_proof(engine, hash_ceremony)
    p = res.proof
    # valid points, wrong proof
    for bad in (
        Proof(G1.add(p.a, G1.generator), p.b, p.c),
        Proof(p.a, p.b, G1.neg(p.c)),
        Proof(p.a, G2.double(p.b), p.c),
    ):
        assert not verify(vk, res.public, bad, engine)
        assert not snarkjs_verifies(hash_ceremony.vk, res.public, bad, tmp_path)
    # not points of the groups at all
    off_curve = Proof((p.a[0], (p.a[1] + 1) % Q), p.b, p.c)
    with pytest.raises(VerifyError, match="not on the curve"):
        verify(vk, res.public, off_curve, engine)
    outside = Proof(p.a, _twist_point_outside_subgroup(), p.c)
    with pytest.raises(VerifyError, match="subgroup"):
        verify(vk, res.public, outside, engine)
    assert not snarkjs_verifies(hash_ceremony.vk, res.public, outside, tmp_path)
    # a coordinate at or above q is not even parsed
    obj = proof_to_json(p)
    obj["pi_a"][0] = str(int(obj["pi_a"][0]) + Q)
    with pytest.raises(ProofFormatError, match="outside"):
        proof_from_json(obj)


def test_public_input_outside_field_rejected(hash_ceremony: Ceremony, tmp_path: Path) -> None:
    engine = get_engine()
    vk = vk_from_json(load_json(hash_ceremony.vk, "vk"))
    res = our_proof(engine, hash_ceremony)
    # x + r is the same field element: a verifier without the range check would accept it.
    for bad in ([res.public[0] + R], [-1], [R]):
        with pytest.raises(VerifyError, match=r"not in the scalar field"):
            verify(vk, bad, res.proof, engine)
    assert not snarkjs_verifies(hash_ceremony.vk, [res.public[0] + R], res.proof, tmp_path)
    with pytest.raises(VerifyError, match="expects 1 public inputs, got 2"):
        verify(vk, [1, 2], res.proof, engine)


def test_bad_witness_refused(hash_ceremony: Ceremony, mul_ceremony: Ceremony) -> None:
    engine = get_engine()
    w = read_wtns(hash_ceremony.wtns)
    with read_zkey(hash_ceremony.zkey, engine) as zk:
        with pytest.raises(ProveError, match="invalid witness length"):
            prove(zk, read_wtns(mul_ceremony.wtns), engine)
        values = w.values()
        bad = bytearray(w.buffer)
        bad[32 * 5 : 32 * 6] = R.to_bytes(32, "little")
        with pytest.raises(ProveError, match="witness value 5 is not canonical"):
            prove(zk, Witness(R, bytes(bad)), engine)
        # A witness that breaks a constraint gives a proof that does not verify.
        values[-1] = (values[-1] + 1) % R
        res = prove(zk, Witness.from_values(R, values), engine)
    vk = vk_from_json(load_json(hash_ceremony.vk, "vk"))
    assert not verify(vk, res.public, res.proof, engine)


def test_json_files_match_snarkjs_layout(hash_ceremony: Ceremony, tmp_path: Path) -> None:
    for path, parse, dump in (
        (hash_ceremony.proof, proof_from_json, proof_to_json),
        (hash_ceremony.public, public_from_json, public_to_json),
    ):
        write_json(tmp_path / "x.json", dump(parse(load_json(path, "file"))))
        assert (tmp_path / "x.json").read_text() == path.read_text()


@pytest.mark.parametrize("section", ["A", "B1", "B2", "C", "H"])
@pytest.mark.parametrize("large", [False, True], ids=["small-witness", "large-witness"])
def test_bad_zkey_point_named_by_section(
    mul_ceremony: Ceremony, witness_for, section: str, large: bool
) -> None:
    """A point off the curve in any proving-key section is refused, with its section and index,
    whichever MSM the section's points go through (B1's own, or C's with r B1 folded in)."""
    from native import groth16 as native_g16
    from native.ref import groth16 as ref_g16
    from prover.formats.zkey import SEC_A, SEC_B1, SEC_B2, SEC_C, SEC_COEFS, SEC_H

    inputs = {"a": R - 2**70 - 12345, "b": 2**200 + 7, "c": 3**100} if large else {"a": 3, "b": 11, "c": 5}
    w = read_wtns(witness_for("mul", inputs, "badpt-" + ("large" if large else "small")))
    assert nearly_all_large([w[i] for i in range(len(w))]) == large
    engine = get_engine()
    with read_zkey(mul_ceremony.zkey, engine) as zk:
        h = zk.header
        secs = [bytearray(zk.sections[s]) for s in (SEC_A, SEC_B1, SEC_B2, SEC_C, SEC_H)]
        coefs = bytes(zk.sections[SEC_COEFS])
        g = engine.groth16
        vk = g.points_to_lem("G1", [h.alpha1, h.beta1]) + g.points_to_lem("G2", [h.beta2])
        vk += g.points_to_lem("G1", [h.delta1]) + g.points_to_lem("G2", [h.delta2])
    k = ["A", "B1", "B2", "C", "H"].index(section)
    size = 128 if section == "B2" else 64
    secs[k][size : size + 32] = (5).to_bytes(32, "little")  # point 1: x = 5 with y unchanged
    wb = bytes(memoryview(w.buffer).cast("B"))
    for impl in (native_g16, ref_g16):
        with pytest.raises(ValueError, match=f"zkey section {section}: (G[12] )?point 1 "):
            impl.prove(coefs, wb, h.n_public, h.power, tuple(secs), vk, 7, 9)
