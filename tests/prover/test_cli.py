"""The `zkclear groth16` / `zkclear ptau` commands end to end: a whole ceremony, a proof, its
verification; exit codes 0 (valid), 1 (invalid), 2 (malformed input) with one-line reasons."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT
from tests.prover.conftest import BEACON, Ceremony, snarkjs
from zkclear.cli import main

pytestmark = pytest.mark.node


def run(*args: object, code: int = 0) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == code, f"zkclear {' '.join(map(str, args))} -> {res.exit_code}:\n{res.output}"
    return res.output


def test_whole_ceremony_and_proof(compile_circuit, witness_for, tmp_path: Path) -> None:
    c = compile_circuit("mul")
    wtns = witness_for("mul", {"a": 3, "b": 11, "c": 5}, "cli")
    t = tmp_path
    run("ptau", "new", 5, t / "0.ptau", "--quiet")
    assert "Contribution response hash" in run(
        "ptau", "contribute", t / "0.ptau", t / "1.ptau", "--name", "alice", "-q"
    )
    run("ptau", "beacon", t / "1.ptau", t / "2.ptau", BEACON, 10, "-q")
    run("ptau", "prepare", t / "2.ptau", t / "final.ptau", "-q")
    out = run("ptau", "verify", t / "final.ptau")
    assert "Contribution #1 alice" in out and "Powers of Tau OK" in out
    run("groth16", "setup", c.r1cs, t / "final.ptau", t / "0.zkey", "-q")
    assert "contribution hash" in run("groth16", "contribute", t / "0.zkey", t / "1.zkey", "-n", "bob", "-q")
    run("groth16", "beacon", t / "1.zkey", t / "2.zkey", BEACON, 10, "-q")
    out = run("groth16", "verify-zkey", c.r1cs, t / "final.ptau", t / "2.zkey")
    assert "contribution #1 bob" in out and "ZKey OK" in out
    run("groth16", "export-vk", t / "2.zkey", t / "vk.json")
    run("groth16", "prove", t / "2.zkey", wtns, t / "proof.json", t / "public.json", "-q")
    assert json.loads((t / "public.json").read_text()) == ["168", "3"]
    assert "valid" in run("groth16", "verify", t / "vk.json", t / "public.json", t / "proof.json")
    assert "OK" in snarkjs("groth16", "verify", t / "vk.json", t / "public.json", t / "proof.json").stdout
    # the installed console script behaves the same (exit status seen by a shell)
    exe = ROOT / ".venv" / "bin" / "zkclear"
    if exe.exists():
        proc = subprocess.run(
            [exe, "groth16", "verify", t / "vk.json", t / "public.json", t / "proof.json", "-q"], check=False
        )
        assert proc.returncode == 0


def test_single_party_setup_command(compile_circuit, witness_for, tmp_path: Path) -> None:
    c = compile_circuit("mul")
    wtns = witness_for("mul", {"a": 3, "b": 11, "c": 5}, "cli-single")
    t = tmp_path
    assert "devnets and tests only" in run("groth16", "setup", c.r1cs, t / "s.zkey", "--vk", t / "vk.json")
    run("groth16", "prove", t / "s.zkey", wtns, t / "proof.json", t / "public.json", "-q")
    assert "valid" in run("groth16", "verify", t / "vk.json", t / "public.json", t / "proof.json")
    assert "OK" in snarkjs("groth16", "verify", t / "vk.json", t / "public.json", t / "proof.json").stdout
    run("groth16", "export-vk", t / "s.zkey", t / "vk2.json")
    assert (t / "vk2.json").read_text() == (t / "vk.json").read_text()
    assert "expected R1CS ZKEY" in run("groth16", "setup", c.r1cs, code=2)
    assert "Error" in run("groth16", "setup", t / "missing.r1cs", t / "x.zkey", code=2)


def test_verify_exit_codes(hash_ceremony: Ceremony, tmp_path: Path) -> None:
    vk, public, proof = hash_ceremony.vk, hash_ceremony.public, hash_ceremony.proof
    run("groth16", "verify", vk, public, proof)
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps([str(int(json.loads(public.read_text())[0]) + 1)]))
    assert "INVALID proof" in run("groth16", "verify", vk, changed, proof, code=1)
    too_big = tmp_path / "big.json"
    too_big.write_text(json.dumps([str(int(json.loads(public.read_text())[0]) + 2**254)]))
    assert "not in the scalar field" in run("groth16", "verify", vk, too_big, proof, code=2)
    (tmp_path / "junk.json").write_text("{not json")
    assert "not valid JSON" in run("groth16", "verify", vk, public, tmp_path / "junk.json", code=2)
    assert "not found" in run("groth16", "verify", vk, public, tmp_path / "missing.json", code=2)
    assert "not a zkey file" in run(
        "groth16", "prove", hash_ceremony.wtns, hash_ceremony.wtns, tmp_path / "p", tmp_path / "q", code=2
    )
    assert "beacon hash must be hexadecimal" in run(
        "groth16", "beacon", hash_ceremony.zkey, tmp_path / "x.zkey", "zz", 10, code=2
    )
    assert not (tmp_path / "x.zkey").exists()
