"""Phase 1 (powers of tau) against snarkjs: `new`, `beacon` and `prepare phase2` give byte-identical
files, `snarkjs powersoftau verify` and `snarkjs zkey verify` accept our transcripts, ours accepts
snarkjs's, and tampered transcripts are rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from native.engine import get_engine
from prover.formats.ptau import SEC_ALPHA_G1, SEC_L_TAU_G1, SEC_TAU_G1, PTau, read_ptau, write_ptau
from prover.formats.r1cs import read_r1cs
from prover.formats.zkey import write_zkey
from prover.setup.phase1 import PTauError, beacon, contribute, new_ptau, prepare, verify_ptau
from prover.setup.phase2 import contribute as zkey_contribute
from prover.setup.phase2 import new_zkey, verify_zkey
from tests.prover.conftest import BEACON, PTAU_POWER, Ceremony, snarkjs

pytestmark = pytest.mark.node

ENGINE_POWER = [pytest.param("native", 6, id="native"), pytest.param("ref", 1, id="ref")]


def snarkjs_ok(*args: object) -> bool:
    proc = snarkjs(*map(str, args), check=False)
    return proc.returncode == 0 and "[ERROR]" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(("engine_name", "power"), ENGINE_POWER)
def test_new_beacon_prepare_byte_identical(engine_name: str, power: int, tmp_path: Path) -> None:
    engine = get_engine(None if engine_name == "native" else "ref")
    snarkjs("powersoftau", "new", "bn128", str(power), tmp_path / "s0.ptau")
    ours, _ = new_ptau(power, engine)
    write_ptau(tmp_path / "o0.ptau", ours, engine)
    assert (tmp_path / "o0.ptau").read_bytes() == (tmp_path / "s0.ptau").read_bytes()

    snarkjs("powersoftau", "beacon", tmp_path / "s0.ptau", tmp_path / "s1.ptau", BEACON, "10", "-n=b")
    with read_ptau(tmp_path / "s0.ptau", engine) as s0:
        b, _ = beacon(s0, bytes.fromhex(BEACON), 10, "b", engine)
    write_ptau(tmp_path / "o1.ptau", b, engine)
    theirs = read_ptau(tmp_path / "s1.ptau", engine)
    mine = read_ptau(tmp_path / "o1.ptau", engine)
    for sec in theirs.sections:
        assert bytes(mine.sections[sec]) == bytes(theirs.sections[sec])
    (ct,), (cm,) = theirs.contributions, mine.contributions
    # The stored hash state is the same state; only the bytes past its pending input (stale data
    # noble-hashes leaves in its block buffer, never read) may differ.
    pos = int.from_bytes(ct.partial_hash[200:208], "little")
    assert cm.partial_hash[128:] == ct.partial_hash[128:] and cm.partial_hash[:pos] == ct.partial_hash[:pos]
    assert cm.next_challenge == ct.next_challenge and cm.key == ct.key

    snarkjs("powersoftau", "prepare", "phase2", tmp_path / "s1.ptau", tmp_path / "s2.ptau")
    write_ptau(tmp_path / "o2.ptau", prepare(theirs, engine), engine)
    assert (tmp_path / "o2.ptau").read_bytes() == (tmp_path / "s2.ptau").read_bytes()


@pytest.mark.parametrize(("engine_name", "power"), ENGINE_POWER)
def test_our_transcript_accepted_by_snarkjs(engine_name: str, power: int, tmp_path: Path) -> None:
    engine = get_engine(None if engine_name == "native" else "ref")
    # The reference engine's pairings take about a second each: it gets one contribution.
    names = ["alice", "bob"] if engine_name == "native" else ["alice"]
    p, _ = new_ptau(power, engine)
    for name in names:
        p, _ = contribute(p, name, engine)
    p, _ = beacon(p, bytes.fromhex(BEACON), 10, "final", engine)
    write_ptau(tmp_path / "ours.ptau", prepare(p, engine), engine)
    with read_ptau(tmp_path / "ours.ptau", engine) as back:
        report = verify_ptau(back, engine)
    assert report.ok, report.message
    assert [name for _, name, _, _ in report.contributions] == [*names, "final"]
    assert snarkjs_ok("powersoftau", "verify", tmp_path / "ours.ptau")


def test_our_ptau_and_zkey_accepted_by_snarkjs_zkey_verify(compile_circuit, tmp_path: Path) -> None:
    engine = get_engine()
    p0, _ = new_ptau(5, engine)
    p1, _ = contribute(p0, "alice", engine)
    ptau = prepare(p1, engine)
    write_ptau(tmp_path / "ours.ptau", ptau, engine)
    circuit = compile_circuit("mul")
    r1cs = read_r1cs(circuit.r1cs)
    z1, _ = zkey_contribute(new_zkey(r1cs, ptau, engine), "carol", engine)
    write_zkey(tmp_path / "ours.zkey", z1, engine)
    assert verify_zkey(z1, r1cs, ptau, engine).ok
    assert snarkjs_ok("zkey", "verify", circuit.r1cs, tmp_path / "ours.ptau", tmp_path / "ours.zkey")


def test_snarkjs_ptau_accepted_by_ours(hash_ceremony: Ceremony) -> None:
    engine = get_engine()
    with read_ptau(hash_ceremony.ptau, engine) as ptau:
        assert ptau.power == PTAU_POWER and ptau.prepared
        report = verify_ptau(ptau, engine)
    assert report.ok, report.message
    assert [name for _, name, _, _ in report.contributions] == ["referee", "final"]


def test_tampered_transcripts_rejected(tmp_path: Path) -> None:
    engine = get_engine()
    G1 = engine.G1
    p0, _ = new_ptau(3, engine)
    p1, _ = contribute(p0, "alice", engine)
    good = prepare(p1, engine)
    assert verify_ptau(good, engine).ok

    def with_section(sec: int, data: bytes) -> PTau:
        return PTau(good.power, good.ceremony_power, {**good.sections, sec: data}, list(good.contributions))

    def replaced_point(sec: int, index: int) -> bytes:
        pts = bytearray(good.sections[sec])
        pt = G1.from_lem(bytes(pts[64 * index : 64 * index + 64]))
        pts[64 * index : 64 * index + 64] = G1.to_lem(G1.double(pt))
        return bytes(pts)

    cases = [
        (with_section(SEC_TAU_G1, replaced_point(SEC_TAU_G1, 5)), "tauG1 section"),
        (with_section(SEC_ALPHA_G1, replaced_point(SEC_ALPHA_G1, 0)), "alphaTauG1"),
        (with_section(SEC_L_TAU_G1, replaced_point(SEC_L_TAU_G1, 5)), "Lagrange"),
    ]
    c = good.contributions[0]
    forged = type(c)(**{**c.__dict__, "next_challenge": bytes(64)})
    cases.append((PTau(good.power, good.ceremony_power, dict(good.sections), [forged]), "next challenge"))
    key = c.key
    bad_key = type(key)(
        type(key.tau)(key.tau.g1_s, G1.double(key.tau.g1_sx), key.tau.g2_spx), key.alpha, key.beta
    )
    cases.append(
        (
            PTau(
                good.power,
                good.ceremony_power,
                dict(good.sections),
                [type(c)(**{**c.__dict__, "key": bad_key})],
            ),
            "proof of knowledge",
        )
    )
    for i, (bad, message) in enumerate(cases):
        report = verify_ptau(bad, engine)
        assert not report.ok and message in report.message, (message, report.message)
        write_ptau(tmp_path / f"bad{i}.ptau", bad, engine)
        assert not snarkjs_ok("powersoftau", "verify", tmp_path / f"bad{i}.ptau")


def test_phase1_errors() -> None:
    engine = get_engine()
    with pytest.raises(PTauError, match="power must be between"):
        new_ptau(0, engine)
    p0, _ = new_ptau(2, engine)
    with pytest.raises(PTauError, match="iteration exponent"):
        beacon(p0, b"\x01", 3, None, engine)
    assert not verify_ptau(p0, engine).ok  # no contribution: not usable
