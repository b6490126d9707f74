"""`.r1cs` and `.wtns`: read what circom2 writes, write it back byte-identical, and write files
snarkjs reads.  Bad files are refused with a FormatError naming the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from native.constants import R
from prover.formats.binfile import FormatError, read_binfile
from prover.formats.r1cs import R1CS, read_r1cs, write_r1cs
from prover.formats.wtns import Witness, read_wtns, write_wtns
from tests.prover.conftest import snarkjs

pytestmark = pytest.mark.node


@pytest.mark.parametrize("name", ["mul", "hash"])
def test_circom_r1cs_round_trip(name: str, compile_circuit, tmp_path: Path) -> None:
    c = compile_circuit(name)
    original = c.r1cs.read_bytes()
    r1cs = read_r1cs(c.r1cs)
    assert r1cs.prime == R
    assert r1cs.to_bytes() == original
    write_r1cs(tmp_path / "again.r1cs", r1cs)
    assert (tmp_path / "again.r1cs").read_bytes() == original


def test_mul_r1cs_contents(compile_circuit) -> None:
    r1cs = read_r1cs(compile_circuit("mul").r1cs)
    assert (r1cs.n_wires, r1cs.n_pub_out, r1cs.n_pub_in, r1cs.n_prv_in) == (6, 1, 1, 2)
    assert r1cs.n_constraints == 2
    # t <== a*b  ->  (-a) * b = -t  as circom normalises it; whatever the signs, it must hold.
    witness = [1, 168, 3, 11, 5, 33]
    assert r1cs.first_unsatisfied(witness) is None
    assert r1cs.first_unsatisfied([1, 169, 3, 11, 5, 33]) == 1


@pytest.mark.parametrize(
    ("name", "inputs"), [("mul", {"a": 3, "b": 11, "c": 5}), ("hash", {"x": 1, "y": 2, "salt": 3})]
)
def test_circom_wtns_round_trip(
    name: str, inputs: dict, compile_circuit, witness_for, tmp_path: Path
) -> None:
    path = witness_for(name, inputs)
    original = path.read_bytes()
    w = read_wtns(path)
    assert w.prime == R
    assert w.to_bytes() == original
    write_wtns(tmp_path / "again.wtns", w)
    assert (tmp_path / "again.wtns").read_bytes() == original
    assert read_r1cs(compile_circuit(name).r1cs).first_unsatisfied(w.values()) is None


def test_snarkjs_reads_our_files(tmp_path: Path) -> None:
    # x * y = z, z * z = out (out public): written by us, checked by snarkjs's own reader.
    r1cs = R1CS.from_constraints(
        R,
        n_wires=5,
        n_pub_out=1,
        n_pub_in=0,
        n_prv_in=2,
        constraints=[([(2, 1)], [(3, 1)], [(4, 1)]), ([(4, 1)], [(4, 1)], [(1, 1)])],
    )
    write_r1cs(tmp_path / "c.r1cs", r1cs)
    snarkjs("r1cs", "export", "json", tmp_path / "c.r1cs", tmp_path / "c.json")
    exported = json.loads((tmp_path / "c.json").read_text())
    assert exported["nVars"] == 5 and exported["nOutputs"] == 1 and exported["nPrvInputs"] == 2
    assert exported["constraints"][1] == [{"4": "1"}, {"4": "1"}, {"1": "1"}]
    assert read_r1cs(tmp_path / "c.r1cs").to_bytes() == r1cs.to_bytes()

    wit = Witness.from_values(R, [1, 36, 2, 3, 6])
    write_wtns(tmp_path / "c.wtns", wit)
    snarkjs("wtns", "check", tmp_path / "c.r1cs", tmp_path / "c.wtns")
    snarkjs("wtns", "export", "json", tmp_path / "c.wtns", tmp_path / "w.json")
    assert json.loads((tmp_path / "w.json").read_text()) == ["1", "36", "2", "3", "6"]


def test_bad_files_are_refused(compile_circuit, tmp_path: Path) -> None:
    good = compile_circuit("mul").r1cs.read_bytes()
    with pytest.raises(FormatError, match="not a wtns file"):
        read_wtns(good)
    with pytest.raises(FormatError, match="version 2 is not supported"):
        read_r1cs(good[:4] + b"\x02\x00\x00\x00" + good[8:])
    with pytest.raises(FormatError, match="file ends first"):
        read_r1cs(good[:-5])
    with pytest.raises(FormatError, match="trailing bytes"):
        read_r1cs(good + b"\x00")
    with pytest.raises(FormatError, match="no such file"):
        read_binfile(tmp_path / "missing.r1cs", "r1cs", 1)
    with pytest.raises(FormatError, match="empty file"):
        (tmp_path / "empty").write_bytes(b"")
        read_r1cs(tmp_path / "empty")
    with pytest.raises(ValueError, match="not a canonical"):
        Witness.from_values(R, [R])
