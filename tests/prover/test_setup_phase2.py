"""Phase 2 (circuit-specific setup) against snarkjs: our `zkey new` and `zkey beacon` are byte-
identical to snarkjs's, `snarkjs zkey verify` accepts our keys and snarkjs proves with them, our
verifier accepts snarkjs's keys and rejects tampered ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from native.engine import get_engine
from prover.formats.json_files import (
    dump_json,
    load_json,
    proof_from_json,
    public_from_json,
    vk_from_json,
    vk_to_json,
)
from prover.formats.ptau import read_ptau
from prover.formats.r1cs import read_r1cs
from prover.formats.zkey import SEC_C, SEC_H, SEC_IC, ZKeyHeader, read_zkey, write_zkey
from prover.setup.phase2 import SetupError, beacon, contribute, export_vk, new_zkey, verify_zkey
from prover.verify import verify
from tests.prover.conftest import BEACON, Ceremony, snarkjs

pytestmark = pytest.mark.node


@pytest.fixture(params=["native", "ref"])
def case(request: pytest.FixtureRequest, hash_ceremony: Ceremony, mul_ceremony: Ceremony):
    if request.param == "native":
        return get_engine(), hash_ceremony
    return get_engine("ref"), mul_ceremony


def test_zkey_new_is_byte_identical_to_snarkjs(case, tmp_path: Path) -> None:
    engine, c = case
    snarkjs("zkey", "new", c.r1cs, c.ptau, tmp_path / "theirs.zkey")
    with read_ptau(c.ptau, engine) as ptau:
        ours = new_zkey(read_r1cs(c.r1cs), ptau, engine)
    write_zkey(tmp_path / "ours.zkey", ours, engine)
    assert (tmp_path / "ours.zkey").read_bytes() == (tmp_path / "theirs.zkey").read_bytes()


def test_our_ceremony_accepted_by_snarkjs(hash_ceremony: Ceremony, tmp_path: Path) -> None:
    engine = get_engine()
    c = hash_ceremony
    r1cs = read_r1cs(c.r1cs)
    with read_ptau(c.ptau, engine) as ptau:
        z0 = new_zkey(r1cs, ptau, engine)
        z1, _ = contribute(z0, "alice", engine)
        z2, _ = contribute(z1, "bob", engine)
        z3, _ = beacon(z2, bytes.fromhex(BEACON), 10, "final beacon", engine)
        path = tmp_path / "ours.zkey"
        write_zkey(path, z3, engine)
        with read_zkey(path, engine) as back:
            report = verify_zkey(back, r1cs, ptau, engine)
    assert report.ok, report.message
    assert [name for name, _, _ in report.contributions] == ["alice", "bob", "final beacon"]
    proc = snarkjs("zkey", "verify", c.r1cs, c.ptau, path)
    assert "ZKey Ok!" in proc.stdout + proc.stderr
    # snarkjs proves with our key; both verifiers accept; both export the same verification key.
    snarkjs("groth16", "prove", path, c.wtns, tmp_path / "proof.json", tmp_path / "public.json")
    snarkjs("zkey", "export", "verificationkey", path, tmp_path / "vk.json")
    with read_zkey(path, engine) as zk:
        ours_vk = export_vk(zk, engine)
    assert dump_json(vk_to_json(ours_vk)) == (tmp_path / "vk.json").read_text()
    proof = proof_from_json(load_json(tmp_path / "proof.json", "proof"))
    public = public_from_json(load_json(tmp_path / "public.json", "public"))
    assert verify(ours_vk, public, proof, engine)
    assert (
        "OK"
        in snarkjs(
            "groth16", "verify", tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json"
        ).stdout
    )


def test_beacon_is_byte_identical_to_snarkjs(hash_ceremony: Ceremony, tmp_path: Path) -> None:
    engine = get_engine()
    snarkjs("zkey", "beacon", hash_ceremony.zkey, tmp_path / "theirs.zkey", BEACON, "10", "-n=b")
    with read_zkey(hash_ceremony.zkey, engine) as zk:
        ours, _ = beacon(zk, bytes.fromhex(BEACON), 10, "b", engine)
        write_zkey(tmp_path / "ours.zkey", ours, engine)
    assert (tmp_path / "ours.zkey").read_bytes() == (tmp_path / "theirs.zkey").read_bytes()


def test_snarkjs_zkey_accepted_by_ours(case) -> None:
    engine, c = case
    with read_ptau(c.ptau, engine) as ptau, read_zkey(c.zkey, engine) as zk:
        report = verify_zkey(zk, read_r1cs(c.r1cs), ptau, engine)
    assert report.ok, report.message
    assert report.contributions[0][0] == "referee"


def test_tampered_zkeys_rejected(hash_ceremony: Ceremony, square_ceremony: Ceremony, tmp_path: Path) -> None:
    engine = get_engine()
    G1, G2 = engine.G1, engine.G2
    c = hash_ceremony
    r1cs = read_r1cs(c.r1cs)
    with read_ptau(c.ptau, engine) as ptau, read_zkey(c.zkey, engine) as zk:
        assert verify_zkey(zk, r1cs, ptau, engine).ok

        def check(bad, message: str) -> None:
            report = verify_zkey(bad, r1cs, ptau, engine)
            assert not report.ok and message in report.message
            write_zkey(tmp_path / "bad.zkey", bad, engine)
            proc = snarkjs("zkey", "verify", c.r1cs, c.ptau, tmp_path / "bad.zkey", check=False)
            assert "ZKey Ok!" not in proc.stdout + proc.stderr

        # a C point changed (the key would prove anything the attacker likes for that signal)
        sections = dict(zk.sections)
        pts = bytearray(sections[SEC_C])
        first = G1.from_lem(bytes(pts[:64]))
        pts[:64] = G1.to_lem(G1.add(first, G1.generator))
        sections[SEC_C] = bytes(pts)
        check(type(zk)(zk.header, sections, zk.mpc, zk.order), "C section")
        # an H point swapped with another
        sections = dict(zk.sections)
        pts = bytearray(sections[SEC_H])
        pts[:64], pts[64:128] = pts[64:128], pts[:64]
        sections[SEC_H] = bytes(pts)
        check(type(zk)(zk.header, sections, zk.mpc, zk.order), "H section")
        # IC points of another circuit
        with read_zkey(square_ceremony.zkey, engine) as other:
            sections = dict(zk.sections)
            sections[SEC_IC] = bytes(other.sections[SEC_IC])
            check(type(zk)(zk.header, sections, zk.mpc, zk.order), "IC section")
        # delta changed without a contribution recorded
        h = zk.header
        bumped = ZKeyHeader(
            h.n_vars,
            h.n_public,
            h.domain_size,
            h.alpha1,
            h.beta1,
            h.beta2,
            h.gamma2,
            G1.double(h.delta1),
            G2.double(h.delta2),
        )
        check(type(zk)(bumped, dict(zk.sections), zk.mpc, zk.order), "delta1")


def test_setup_errors(hash_ceremony: Ceremony, build_dir: Path) -> None:
    engine = get_engine()
    r1cs = read_r1cs(hash_ceremony.r1cs)
    unprepared = build_dir / "snarkjs-ptau" / "2.ptau"
    with read_ptau(unprepared, engine) as ptau, pytest.raises(SetupError, match="not prepared"):
        new_zkey(r1cs, ptau, engine)
    small = build_dir / "small.ptau"
    snarkjs("powersoftau", "new", "bn128", "3", build_dir / "small0.ptau")
    snarkjs("powersoftau", "prepare", "phase2", build_dir / "small0.ptau", small)
    with read_ptau(small, engine) as ptau, pytest.raises(SetupError, match="circuit too big"):
        new_zkey(r1cs, ptau, engine)


def test_vk_of_snarkjs_zkey_identical(hash_ceremony: Ceremony) -> None:
    engine = get_engine()
    with read_zkey(hash_ceremony.zkey, engine) as zk:
        assert dump_json(vk_to_json(export_vk(zk, engine))) == hash_ceremony.vk.read_text()
    assert vk_from_json(load_json(hash_ceremony.vk, "vk")).n_public == 1


@pytest.mark.slow
def test_circuit_hash_when_the_domain_fills_the_ptau(tmp_path: Path) -> None:
    """n >= 2^15 on a ptau of exactly n: snarkjs's circuit hash reads 64 bytes past tauG1, which
    we reproduce; `snarkjs zkey new` and ours must still agree byte for byte."""
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("bench_groth16", ROOT / "bench" / "groth16.py")
    bench = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(bench)
    engine = get_engine()
    from prover.formats.ptau import write_ptau
    from prover.formats.r1cs import write_r1cs
    from prover.setup.phase1 import contribute as ptau_contribute
    from prover.setup.phase1 import new_ptau, prepare

    p0, _ = new_ptau(15, engine)
    p1, _ = ptau_contribute(p0, "x", engine)
    write_ptau(tmp_path / "pot15.ptau", prepare(p1, engine), engine)
    r1cs, _ = bench.chain_circuit(15)
    write_r1cs(tmp_path / "c.r1cs", r1cs)
    snarkjs(
        "zkey", "new", tmp_path / "c.r1cs", tmp_path / "pot15.ptau", tmp_path / "theirs.zkey", timeout=1800
    )
    with read_ptau(tmp_path / "pot15.ptau", engine) as ptau:
        ours = new_zkey(r1cs, ptau, engine)
    write_zkey(tmp_path / "ours.zkey", ours, engine)
    assert (tmp_path / "ours.zkey").read_bytes() == (tmp_path / "theirs.zkey").read_bytes()
