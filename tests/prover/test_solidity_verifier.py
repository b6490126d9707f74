"""The exported Solidity verifier, compiled by the pinned npm solc and deployed on the in-process
EVM (py-evm): it accepts a valid proof, rejects changed ones and signals not below r, and agrees
with snarkjs's calldata layout.  Its gas for one public signal is printed (pytest -s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from native.constants import Q, R
from native.engine import get_engine
from prover.evm import compile_solidity, deploy_verifier
from prover.formats.json_files import Proof, load_json, proof_from_json, public_from_json, vk_from_json
from prover.formats.wtns import read_wtns
from prover.formats.zkey import read_zkey
from prover.prove import prove
from prover.solidity import render_verifier
from tests.prover.conftest import Ceremony

pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
def deployed(hash_ceremony: Ceremony, tmp_path_factory: pytest.TempPathFactory):
    vk = vk_from_json(load_json(hash_ceremony.vk, "vk"))
    src = render_verifier(vk, "HashVerifier")
    path = tmp_path_factory.mktemp("sol") / "HashVerifier.sol"
    path.write_text(src)
    return deploy_verifier(compile_solidity(path, "HashVerifier")), src


def test_generated_header(deployed) -> None:
    _, src = deployed
    assert src.splitlines()[1] == "// GENERATED FILE - DO NOT EDIT."


def test_accepts_valid_proofs_and_reports_gas(deployed, hash_ceremony: Ceremony) -> None:
    verifier, _ = deployed
    engine = get_engine()
    with read_zkey(hash_ceremony.zkey, engine) as zk:
        ours = prove(zk, read_wtns(hash_ceremony.wtns), engine)
    theirs = proof_from_json(load_json(hash_ceremony.proof, "proof"))
    public = public_from_json(load_json(hash_ceremony.public, "public"))
    assert ours.public == public
    assert verifier.verify(ours.proof, public)
    assert verifier.verify(theirs, public)
    gas = verifier.gas_used(ours.proof, public)
    print(f"\nGroth16 verifier gas, 1 public signal: {gas} (transaction total)")
    assert 150_000 < gas < 300_000


def test_rejects_changed_proofs(deployed, hash_ceremony: Ceremony, square_ceremony: Ceremony) -> None:
    verifier, _ = deployed
    G1 = get_engine().G1
    p = proof_from_json(load_json(hash_ceremony.proof, "proof"))
    public = public_from_json(load_json(hash_ceremony.public, "public"))
    assert not verifier.verify(p, [(public[0] + 1) % R])
    assert not verifier.verify(p, [public[0] + R])  # same residue, but not a field element
    assert not verifier.verify(Proof(G1.add(p.a, G1.generator), p.b, p.c), public)
    assert not verifier.verify(Proof(p.a, p.b, G1.neg(p.c)), public)
    assert not verifier.verify(Proof((p.a[0], p.a[1] + Q), p.b, p.c), public)  # y not below q
    assert not verifier.verify(Proof((p.a[0], (p.a[1] + 1) % Q), p.b, p.c), public)  # off the curve
    (x0, x1), y = p.b
    assert not verifier.verify(Proof(p.a, ((x1, x0), y), p.c), public)  # B's coordinates swapped
    other = proof_from_json(load_json(square_ceremony.proof, "proof"))
    assert not verifier.verify(other, public_from_json(load_json(square_ceremony.public, "public")))


def test_export_cli_matches_script(hash_ceremony: Ceremony, tmp_path: Path) -> None:
    import subprocess
    import sys

    from click.testing import CliRunner

    from tests.conftest import ROOT
    from zkclear.cli import main

    res = CliRunner().invoke(
        main, ["groth16", "export-solidity", str(hash_ceremony.vk), str(tmp_path / "a.sol")]
    )
    assert res.exit_code == 0, res.output
    subprocess.run(
        [sys.executable, ROOT / "scripts" / "gen_verifier.py", hash_ceremony.vk, tmp_path / "b.sol"],
        check=True,
    )
    assert (tmp_path / "a.sol").read_text() == (tmp_path / "b.sol").read_text()
    res = CliRunner().invoke(
        main, ["groth16", "export-solidity", str(hash_ceremony.zkey), str(tmp_path / "c.sol")]
    )
    assert res.exit_code == 0 and (tmp_path / "c.sol").read_text() == (tmp_path / "a.sol").read_text()
