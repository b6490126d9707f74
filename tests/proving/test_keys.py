"""The prover's key set: made once (single-party, with progress; or the cached test key), read back
after, and refused with a clear error when it is not this circuit's: a recorded R1CS digest of
another circuit, a zkey of another circuit, a verification key of another zkey, a damaged zkey, a
missing key in an operator's folder.  A node started with refused keys keeps serving and says so
in `GET /v1/health`; its batches stay `closed`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from circuits.batch.batch import BatchCircuit
from circuits.dsl import Circuit, Program
from client.http import NodeError
from prover.formats.json_files import VerifyingKey, load_json, vk_from_json, vk_to_json
from prover.formats.zkey import read_zkey
from prover.progress import Progress
from prover.prove import prove
from prover.setup.phase2 import export_vk
from prover.verify import verify
from sequencer.batch_keys import r1cs_sha256
from sequencer.proving.keys import DIGEST_FILE, KEY_FILE, VK_FILE, ProverKeyError, ensure_keys
from tests.node.harness import fund, run, running_node
from tests.proving.lib import SHAPE, SLOTS


def tiny(k: int = 1) -> Program:
    """out = x * y * k: a circuit small enough for a single-party key in well under a second."""
    cs = Circuit(f"tiny{k}")
    out = cs.public_input("out")
    x, y = cs.private_input("x"), cs.private_input("y")
    cs.assert_equal(cs.mul(x, y, "xy") * k, out, "out")
    return cs.compile()


class Steps(Progress):
    def __init__(self) -> None:
        self.names: list[str] = []

    def step(self, name: str, total: float = 1) -> Progress:
        self.names.append(name)
        return self


def test_single_party_keys_made_once_then_read(tmp_path: Path) -> None:
    prog, steps = tiny(), Steps()
    made = ensure_keys(tmp_path / "k", SHAPE, prog, steps)
    assert made.made and steps.names  # the setup reported its steps
    assert (tmp_path / "k" / DIGEST_FILE).read_text().strip() == r1cs_sha256(prog)
    again = ensure_keys(tmp_path / "k", SHAPE, prog, Steps())
    assert not again.made and again.vk == made.vk
    # a crash while making: after the zkey (no vk, no digest), after the vk (no digest)
    for gone in ((VK_FILE, DIGEST_FILE), (DIGEST_FILE,)):
        for name in gone:
            (tmp_path / "k" / name).unlink()
        remade = ensure_keys(tmp_path / "k", SHAPE, prog, Steps())
        assert remade.made and remade.vk != made.vk  # fresh secrets: another key
        made = remade
    again = ensure_keys(tmp_path / "k", SHAPE, prog, Steps())
    assert not again.made and again.vk == made.vk
    solved = prog.solve({"out": 42, "x": 6, "y": 7})
    res = prove(read_zkey(again.zkey), solved.to_wtns())
    assert verify(again.vk, res.public, res.proof)


@pytest.fixture(scope="module")
def batch_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Program]:
    prog = BatchCircuit(SHAPE).program
    d = tmp_path_factory.mktemp("keys") / SHAPE.name
    ks = ensure_keys(d, SHAPE, prog, test_key=True)
    assert ks.made and ks.vk.n_public == 1
    return d, prog


def _copy(src: Path, dst: Path) -> Path:
    """Another folder with the same keys (the zkey, hundreds of MB, linked: never written to)."""
    dst.mkdir(parents=True)
    os.link(src / KEY_FILE, dst / KEY_FILE)
    for name in (VK_FILE, DIGEST_FILE):
        shutil.copy(src / name, dst / name)
    return dst


def test_keys_of_another_circuit_are_refused(tmp_path: Path, batch_keys: tuple[Path, Program]) -> None:
    good, prog = batch_keys
    assert not ensure_keys(good, SHAPE, prog, make=False).made  # an operator's folder as it should be

    d = _copy(good, tmp_path / "digest")  # recorded for another R1CS
    (d / DIGEST_FILE).write_text("00" * 32 + "\n")
    with pytest.raises(ProverKeyError, match="made for another circuit"):
        ensure_keys(d, SHAPE, prog, make=False)

    other = tmp_path / "tiny"
    ensure_keys(other, SHAPE, tiny())
    d = _copy(good, tmp_path / "zkey")  # another circuit's zkey (and its vk), no digest record
    for name in (DIGEST_FILE, KEY_FILE):
        (d / name).unlink()  # (the zkey is a link to the good one: never write through it)
    shutil.copy(other / KEY_FILE, d / KEY_FILE)
    shutil.copy(other / VK_FILE, d / VK_FILE)
    with pytest.raises(ProverKeyError, match="is for another circuit"):
        ensure_keys(d, SHAPE, prog, make=False)

    d = _copy(good, tmp_path / "vk")  # the right zkey with another key's vk
    vk = vk_from_json(load_json(other / VK_FILE, "vk"))
    ic = vk_from_json(load_json(good / VK_FILE, "vk")).ic
    (d / VK_FILE).write_text(
        json.dumps(vk_to_json(VerifyingKey(vk.alpha1, vk.beta2, vk.gamma2, vk.delta2, ic)))
    )
    with pytest.raises(ProverKeyError, match="is not the verification key"):
        ensure_keys(d, SHAPE, prog, make=False)

    d = _copy(good, tmp_path / "cut")  # a damaged (truncated) zkey
    (d / KEY_FILE).unlink()
    with open(good / KEY_FILE, "rb") as fh:
        (d / KEY_FILE).write_bytes(fh.read(1 << 20))
    with pytest.raises(ProverKeyError, match="not a readable proving key"):
        ensure_keys(d, SHAPE, prog, make=False)

    with pytest.raises(ProverKeyError, match=r"no batch\.zkey"):
        ensure_keys(tmp_path / "empty", SHAPE, prog, make=False)
    assert export_vk(read_zkey(good / KEY_FILE)) is not None  # the good folder is untouched


def test_node_with_refused_keys_keeps_serving(tmp_path: Path, batch_keys: tuple[Path, Program]) -> None:
    good, _ = batch_keys
    bad = _copy(good, tmp_path / "bad")
    (bad / DIGEST_FILE).write_text("11" * 32 + "\n")

    async def main() -> None:
        async with running_node(tmp_path / "node", batch_slots=SLOTS, prove=True, prover_keys=bad) as r:
            await fund(r.client, 1)
            await r.node.close_batch()
            deadline = time.monotonic() + 180

            async def health() -> dict[str, Any]:  # 503 once the stage failed: its body in details
                try:
                    return await r.client.health()
                except NodeError as e:
                    assert e.code == "unavailable" and e.status == 503, e
                    return e.details

            while (h := await health())["prover"]["state"] == "loading":
                assert time.monotonic() < deadline
                await asyncio.sleep(0.5)
            # nothing will ever be proven with refused keys: the node serves but is not healthy
            assert not h["ok"] and h["prover"]["state"] == "failed"
            assert "made for another circuit" in h["prover"]["error"]
            assert [c["name"] for c in h["checks"] if not c["ok"]] == ["proving"]
            await fund(r.client, 2)  # still serving
            assert [b["status"] for b in await r.client.batches()] == ["closed"]
        assert (bad / DIGEST_FILE).read_text() == "11" * 32 + "\n"  # an operator's folder is never written

    run(main())
