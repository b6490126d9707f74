"""`zkclear setup`: the phase-2 ceremony from the shell, parties in turn (new, two contributions,
beacon, verify, export) and all at once; snarkjs `zkey verify` accepts the exported key and its
`export verificationkey` gives our verification_key.json; a tampered chain fails `setup verify`.
The batch circuit itself (214k constraints at one slot, a 2^18 ptau) runs behind --runslow."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.prover.conftest import BEACON, snarkjs
from zkclear.cli import main

pytestmark = pytest.mark.node


def run(*args: object, code: int = 0) -> str:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == code, f"zkclear {' '.join(map(str, args))} -> {res.exit_code}:\n{res.output}"
    return res.output


def ptau(t: Path, power: int) -> Path:
    run("ptau", "new", power, t / "0.ptau", "-q")
    run("ptau", "contribute", t / "0.ptau", t / "1.ptau", "-q")
    run("ptau", "prepare", t / "1.ptau", t / "final.ptau", "-q")
    return t / "final.ptau"


def check_exported(d: Path, r1cs: Path, pt: Path, timeout: float = 300) -> None:
    for f in ("batch.zkey", "verification_key.json", "r1cs.sha256"):
        assert (d / f).is_file(), f
    assert (d / "r1cs.sha256").read_text().strip() == hashlib.sha256(r1cs.read_bytes()).hexdigest()
    out = snarkjs("zkey", "verify", r1cs, pt, d / "batch.zkey", timeout=timeout).stdout
    assert "ZKey Ok!" in out, out
    snarkjs("zkey", "export", "verificationkey", d / "batch.zkey", d / "snarkjs_vk.json")
    ours, theirs = (
        json.loads((d / "verification_key.json").read_text()),
        json.loads((d / "snarkjs_vk.json").read_text()),
    )
    assert {k: v for k, v in ours.items() if k != "vk_alphabeta_12"} == {k: v for k, v in theirs.items() if k != "vk_alphabeta_12"}  # fmt: skip


def test_ceremony_in_turns_and_at_once(compile_circuit, tmp_path: Path) -> None:
    c = compile_circuit("mul")
    pt = ptau(tmp_path, 5)
    d = tmp_path / "ceremony"
    run("setup", "new", "--r1cs", c.r1cs, "--ptau", pt, "--out", d, "-q")
    run("setup", "new", "--r1cs", c.r1cs, "--ptau", pt, "--out", d, "-q", code=2)  # already under way
    assert "contribution hash" in run("setup", "contribute", "--out", d, "--name", "alice", "-q")
    assert "contribution hash" in run("setup", "contribute", "--out", d, "--name", "bob", "-q")
    run("setup", "beacon", "--out", d, BEACON, "--exp", 10, "-q")
    assert sorted(p.name for p in (d / "ceremony").iterdir()) == [
        "0000.zkey",
        "0001.zkey",
        "0002.zkey",
        "0003.zkey",
    ]
    out = run("setup", "verify", "--out", d, "--ptau", pt)
    assert "contribution #1 alice" in out and "contribution #2 bob" in out and "ZKey OK" in out
    run("setup", "export", "--out", d, "-q")
    assert "contract Groth16Verifier" in (d / "Groth16Verifier.sol").read_text()
    check_exported(d, c.r1cs, pt)
    out = snarkjs("zkey", "verify", c.r1cs, pt, d / "batch.zkey").stdout
    assert "alice" in out and "bob" in out

    # a party's key swapped for another chain's: the chain no longer verifies
    other = tmp_path / "other"
    run("setup", "new", "--r1cs", c.r1cs, "--ptau", pt, "--out", other, "-q")
    run("setup", "contribute", "--out", other, "-q")
    (d / "ceremony" / "0004.zkey").write_bytes((other / "ceremony" / "0001.zkey").read_bytes())
    assert "INVALID" in run("setup", "verify", "--out", d, "--ptau", pt, code=1)
    run("setup", "contribute", "--out", tmp_path / "nothing", code=2)  # no ceremony there

    # everything at once on one machine
    once = tmp_path / "once"
    out = run("setup", "--r1cs", c.r1cs, "--ptau", pt, "--out", once, "--beacon", BEACON, "--name", "solo")
    assert "ZKey OK" in out
    check_exported(once, c.r1cs, pt)


@pytest.mark.slow
def test_batch_circuit_ceremony(tmp_path: Path) -> None:
    pt = ptau(tmp_path, 18)
    d = tmp_path / "keys"
    args = ("--slots", 1, "--queue", 1, "--withdrawals", 1, "--mode", "validium")
    run("setup", *args, "--ptau", pt, "--out", d, "--beacon", BEACON, "-q")
    assert (d / "BatchVerifier1_validium.sol").is_file()
    check_exported(d, d / "batch.r1cs", pt, timeout=3600)  # snarkjs takes many minutes at 2^18
