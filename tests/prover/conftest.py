"""Fixtures for the prover tests: circuits compiled by circom2 and witnesses computed by its
witness calculator, both from node_modules, built once per session into a temporary folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, npm_bin

CIRCUITS = Path(__file__).resolve().parent / "circuits"


@dataclass(frozen=True)
class Compiled:
    name: str
    r1cs: Path
    wasm: Path
    folder: Path


def run_tool(
    args: list[str | Path], *, cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    return proc


def snarkjs(*args: str | Path, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = run_tool([npm_bin("snarkjs"), *args], timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snarkjs {' '.join(map(str, args))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prover-build")


@pytest.fixture(scope="session")
def compile_circuit(build_dir: Path) -> Callable[[str], Compiled]:
    cache: dict[str, Compiled] = {}

    def compile_(name: str) -> Compiled:
        if name in cache:
            return cache[name]
        out = build_dir / name
        out.mkdir(exist_ok=True)
        # circom2 runs under WASI with the working directory as its only root: paths stay relative.
        src = (CIRCUITS / f"{name}.circom").relative_to(ROOT)
        proc = run_tool(
            [npm_bin("circom2"), src, "--r1cs", "--wasm", "--O2", "-l", "node_modules", "-o", out]
        )
        if proc.returncode != 0:
            raise AssertionError(f"circom2 failed on {name}:\n{proc.stdout}\n{proc.stderr}")
        cache[name] = Compiled(name, out / f"{name}.r1cs", out / f"{name}_js" / f"{name}.wasm", out)
        return cache[name]

    return compile_


@pytest.fixture(scope="session")
def witness_for(
    build_dir: Path, compile_circuit: Callable[[str], Compiled]
) -> Callable[[str, dict, str], Path]:
    """witness_for(circuit, inputs, tag) -> .wtns computed by circom's own witness calculator."""

    def make(name: str, inputs: dict, tag: str = "w") -> Path:
        c = compile_circuit(name)
        inp = c.folder / f"{tag}.input.json"
        inp.write_text(json.dumps({k: str(v) for k, v in inputs.items()}))
        out = c.folder / f"{tag}.wtns"
        node = shutil.which("node")
        assert node is not None, "node is not on PATH"
        proc = run_tool([node, c.folder / f"{name}_js" / "generate_witness.js", c.wasm, inp, out])
        if proc.returncode != 0:
            raise AssertionError(f"witness calculation failed for {name}:\n{proc.stderr}")
        return out

    return make


BEACON = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
PTAU_POWER = 9  # 2^9 fits hash.circom (261 constraints with --O2, plus the public signals)


@dataclass(frozen=True)
class Ceremony:
    """Files of one circuit set up by snarkjs: the outside referee's reference artefacts."""

    r1cs: Path
    ptau: Path
    zkey: Path
    vk: Path
    wtns: Path
    proof: Path
    public: Path


@pytest.fixture(scope="session")
def snarkjs_ptau(build_dir: Path) -> Path:
    """A prepared power-9 ptau made by snarkjs (new, one contribution, beacon, prepare)."""
    d = build_dir / "snarkjs-ptau"
    d.mkdir(exist_ok=True)
    snarkjs("powersoftau", "new", "bn128", str(PTAU_POWER), d / "0.ptau")
    snarkjs("powersoftau", "contribute", d / "0.ptau", d / "1.ptau", "--name=referee", "-e=some entropy")
    snarkjs("powersoftau", "beacon", d / "1.ptau", d / "2.ptau", BEACON, "10", "-n=final")
    snarkjs("powersoftau", "prepare", "phase2", d / "2.ptau", d / "final.ptau")
    return d / "final.ptau"


def snarkjs_ceremony(build_dir: Path, compiled: Compiled, ptau: Path, wtns: Path) -> Ceremony:
    d = build_dir / f"snarkjs-{compiled.name}"
    d.mkdir(exist_ok=True)
    snarkjs("zkey", "new", compiled.r1cs, ptau, d / "0.zkey")
    snarkjs("zkey", "contribute", d / "0.zkey", d / "1.zkey", "--name=referee", "-e=more entropy")
    snarkjs("zkey", "export", "verificationkey", d / "1.zkey", d / "vk.json")
    snarkjs("groth16", "prove", d / "1.zkey", wtns, d / "proof.json", d / "public.json")
    return Ceremony(
        compiled.r1cs, ptau, d / "1.zkey", d / "vk.json", wtns, d / "proof.json", d / "public.json"
    )


@pytest.fixture(scope="session")
def hash_ceremony(build_dir: Path, compile_circuit, witness_for, snarkjs_ptau: Path) -> Ceremony:
    wtns = witness_for("hash", {"x": 11, "y": 22, "salt": 33}, "w")
    return snarkjs_ceremony(build_dir, compile_circuit("hash"), snarkjs_ptau, wtns)


@pytest.fixture(scope="session")
def square_ceremony(build_dir: Path, compile_circuit, witness_for, snarkjs_ptau: Path) -> Ceremony:
    wtns = witness_for("square", {"x": 5, "y": 7}, "w")
    return snarkjs_ceremony(build_dir, compile_circuit("square"), snarkjs_ptau, wtns)


@pytest.fixture(scope="session")
def mul_ceremony(build_dir: Path, compile_circuit, witness_for, snarkjs_ptau: Path) -> Ceremony:
    wtns = witness_for("mul", {"a": 3, "b": 11, "c": 5}, "w")
    return snarkjs_ceremony(build_dir, compile_circuit("mul"), snarkjs_ptau, wtns)
