"""End to end with snarkjs: our .r1cs and .wtns for a Poseidon preimage circuit through a Groth16
setup (a small ptau made by snarkjs here), proof and verification, plus snarkjs's own witness check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from circuits.dsl import Circuit
from circuits.gadgets.bits import range_check
from circuits.gadgets.poseidon import poseidon
from circuits.primitives.poseidon import poseidon as ref
from tests.conftest import ROOT, npm_bin

pytestmark = pytest.mark.node


def snarkjs(*args: str | Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(npm_bin("snarkjs")), *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if ok and proc.returncode != 0:
        raise AssertionError(f"snarkjs {args[:2]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc


def test_poseidon_preimage_groth16(tmp_path: Path) -> None:
    cs = Circuit("preimage")
    digest = cs.public_input("digest")
    secret = cs.private_inputs("secret", 2)
    range_check(cs, secret[1], 64, "nonce_range")
    cs.assert_equal(poseidon(cs, secret, "hash"), digest, "digest")
    cs.public_output("nonce_plus_one", secret[1] + 1)
    p = cs.compile()
    secret_vals = [123456789, 42]
    s = p.solve({"digest": ref(secret_vals), "secret": secret_vals})
    r1cs, wtns = tmp_path / "c.r1cs", tmp_path / "c.wtns"
    p.write_r1cs(r1cs)
    s.write_wtns(wtns)

    info = snarkjs("r1cs", "info", r1cs).stdout
    assert f"# of Constraints: {p.n_constraints}" in info
    assert f"# of Wires: {p.n_wires}" in info
    snarkjs("wtns", "check", r1cs, wtns)

    pot0, pot1, pot = tmp_path / "pot0.ptau", tmp_path / "pot1.ptau", tmp_path / "pot.ptau"
    snarkjs("powersoftau", "new", "bn128", "9", pot0)
    snarkjs("powersoftau", "contribute", pot0, pot1, "--name=test", "-e=circuits test entropy")
    snarkjs("powersoftau", "prepare", "phase2", pot1, pot)
    z0, z1 = tmp_path / "c0.zkey", tmp_path / "c.zkey"
    snarkjs("groth16", "setup", r1cs, pot, z0)
    snarkjs("zkey", "contribute", z0, z1, "--name=test", "-e=more entropy")
    vk = tmp_path / "vk.json"
    snarkjs("zkey", "export", "verificationkey", z1, vk)
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    snarkjs("groth16", "prove", z1, wtns, proof, public)
    assert json.loads(public.read_text()) == [str(43), str(ref(secret_vals))]
    assert "OK" in snarkjs("groth16", "verify", vk, public, proof).stdout

    public.write_text(json.dumps(["43", str(ref(secret_vals) + 1)]))
    assert snarkjs("groth16", "verify", vk, public, proof, ok=False).returncode != 0
