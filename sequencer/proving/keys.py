"""The prover stage's key set for the node's batch shape: where it lives, how it is made once, and
the checks that refuse a key made for another circuit.

A key set is a folder holding
    batch.zkey              the Groth16 proving key (snarkjs format)
    verification_key.json   its verification key (what the rollup's verifier contract holds)
    r1cs.sha256             sha256 (hex) of the `.r1cs` the key was made for (absent: not checked)
The node keeps its own under `<data_dir>/keys/<shape name>/`, made once by the single-party setup
(devnets and tests only: whoever made it could forge proofs), or reads an operator's ceremony
output from `--prover-keys DIR` (the same files; `zkclear batch build --ptau` and the phase-2
commands make them).  Either way, before a key is used, `check_keys` refuses (ProverKeyError, one
clear line) a folder whose recorded R1CS digest differs from this node's circuit, a zkey whose
sizes or A/B coefficient section are not this circuit's, a verification key that is not the
zkey's, and an unreadable file.  Files are written atomically (temporary name, then rename), the
digest last, so a crash mid-way leaves a folder that is made again, never a half key that is used.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circuits.batch.batch import BatchShape
from circuits.dsl import Program
from native.engine import get_engine
from prover.formats.binfile import FormatError
from prover.formats.json_files import ProofFormatError, VerifyingKey, load_json, vk_from_json, vk_to_json
from prover.formats.zkey import SEC_COEFS, ZKey, read_zkey, write_zkey
from prover.progress import SILENT, Progress
from prover.setup.phase2 import circuit_power, export_vk, zkey_coefficients
from prover.setup.single import single_party_setup
from sequencer.batch_keys import fixed_zkey_path, r1cs_sha256

__all__ = ["DIGEST_FILE", "KEY_FILE", "VK_FILE", "KeySet", "ProverKeyError", "check_keys", "ensure_keys"]

KEY_FILE = "batch.zkey"
VK_FILE = "verification_key.json"
DIGEST_FILE = "r1cs.sha256"


class ProverKeyError(RuntimeError):
    """The proving keys cannot be used for this node's circuit (the message says why)."""


@dataclass(frozen=True)
class KeySet:
    dir: Path
    zkey: Path
    vk: VerifyingKey
    r1cs_sha256: str  # the digest of this node's circuit (checked against the folder's record)
    made: bool  # made by this call (single-party or the fixed test key)


def key_dir(data_dir: Path, shape: BatchShape) -> Path:
    return Path(data_dir) / "keys" / shape.name


def ensure_keys(
    dir: Path,
    shape: BatchShape,
    program: Program,
    progress: Progress | None = None,
    *,
    make: bool = True,
    test_key: bool = False,
) -> KeySet:
    """The checked key set in `dir` for `shape` (`program`: its compiled circuit).  A folder without
    `batch.zkey` is filled once when `make` (single-party setup reporting to `progress`, or with
    `test_key` the deterministic cached test key of sequencer.batch_keys, linked, not copied);
    without `make` (an operator's folder) a missing key is an error."""
    dir = Path(dir)
    digest = r1cs_sha256(program)
    # our own folder is complete once its digest record is written (last); an operator's may lack it
    if not (dir / KEY_FILE).exists() or (make and not (dir / DIGEST_FILE).exists()):
        if not make:
            raise ProverKeyError(f"{dir}: no {KEY_FILE} (expected {KEY_FILE}, {VK_FILE} and {DIGEST_FILE})")
        _make(dir, shape, program, digest, progress or SILENT, test_key)
        return KeySet(dir, dir / KEY_FILE, check_keys(dir, program, digest), digest, True)
    return KeySet(dir, dir / KEY_FILE, check_keys(dir, program, digest), digest, False)


def _make(
    dir: Path, shape: BatchShape, program: Program, digest: str, progress: Progress, test: bool
) -> None:
    dir.mkdir(parents=True, exist_ok=True)
    (dir / DIGEST_FILE).unlink(missing_ok=True)  # the digest goes last: it marks a complete set
    if test:
        src = fixed_zkey_path(shape, program, digest)
        tmp = dir / f".{KEY_FILE}.{os.getpid()}.tmp"
        tmp.unlink(missing_ok=True)
        try:
            os.link(src, tmp)  # the cached test key is hundreds of MB: share it, do not copy
        except OSError:
            os.symlink(src.resolve(), tmp)
        os.replace(tmp, dir / KEY_FILE)
        zk = read_zkey(dir / KEY_FILE)
    else:
        zk = single_party_setup(program.r1cs(), progress=progress)
        progress.step("write the proving key", 1)
        write_zkey(dir / KEY_FILE, zk)
        progress.done()
    try:
        _write_text(dir / VK_FILE, json.dumps(vk_to_json(export_vk(zk)), indent=1) + "\n")
    finally:
        zk.close()
    _write_text(dir / DIGEST_FILE, digest + "\n")


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _vk_points(vk: VerifyingKey) -> dict[str, Any]:
    out = vk_to_json(vk)
    out.pop("vk_alphabeta_12", None)  # derived from alpha and beta; a vk file may leave it out
    return out


def check_keys(dir: Path, program: Program, digest: str | None = None) -> VerifyingKey:
    """The folder's verification key, once its keys are shown to be for `program`'s circuit."""
    dir = Path(dir)
    digest = digest or r1cs_sha256(program)
    rec = dir / DIGEST_FILE
    if rec.exists():
        have = rec.read_text().strip()
        if have != digest:
            raise ProverKeyError(
                f"{dir}: the keys were made for another circuit (R1CS sha256 {have[:16]}.., this node's "
                f"circuit has {digest[:16]}..): make them for this batch shape, or remove the folder"
            )
    try:
        zk = read_zkey(dir / KEY_FILE)
    except (OSError, FormatError, ValueError) as exc:
        raise ProverKeyError(f"{dir / KEY_FILE}: not a readable proving key ({exc})") from None
    try:
        _check_zkey(dir / KEY_FILE, zk, program)
        try:
            vk = vk_from_json(load_json(dir / VK_FILE, "verification key"))
        except (OSError, ProofFormatError, ValueError) as exc:
            raise ProverKeyError(f"{dir / VK_FILE}: not a readable verification key ({exc})") from None
        if _vk_points(vk) != _vk_points(export_vk(zk)):
            raise ProverKeyError(f"{dir / VK_FILE} is not the verification key of {dir / KEY_FILE}")
        return vk
    finally:
        zk.close()


def _check_zkey(path: Path, zk: ZKey, program: Program) -> None:
    """Sizes, then the A and B coefficients (the zkey's section 4) against the circuit's."""
    r1cs = program.r1cs()
    h = zk.header
    want = (r1cs.n_wires, r1cs.n_public, 1 << circuit_power(r1cs))
    if (h.n_vars, h.n_public, h.domain_size) != want:
        raise ProverKeyError(
            f"{path} is for another circuit: {h.n_vars} signals, {h.n_public} public, domain "
            f"{h.domain_size}; this node's circuit has {want[0]}, {want[1]}, {want[2]}"
        )
    _, _, section = zkey_coefficients(get_engine(), r1cs)
    if bytes(zk.sections[SEC_COEFS]) != section:
        raise ProverKeyError(f"{path} is for another circuit: its constraint coefficients differ")
