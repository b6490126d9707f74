"""End to end on a real node: a devnet node trades and closes a batch; `zkclear batch build` writes
the circuit and a single-party key, `zkclear batch witness` replays the node's journal into the
batch's witness; our prover proves it and both our verifier and snarkjs accept the proof (and
`snarkjs wtns check` accepts our R1CS and witness)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, fund, run, running_node, set_price
from zkclear.cli import main

SNARKJS = Path("node_modules/.bin/snarkjs")


async def _trade_and_close(data_dir: Path) -> int:
    async with running_node(data_dir) as r:
        c = r.client
        a, b = await fund(c, 1), await fund(c, 2)
        await set_price(c, "BTC-USD", BTC_PRICE)
        exp = int(time.time()) + 3600
        await c.place_order(
            a.order(market_id=BTC, side=SELL, price=BTC_PRICE, size=20, expiry=exp, order_id=1)
        )
        await c.place_order(
            b.order(market_id=BTC, side=BUY, price=BTC_PRICE, size=20, expiry=exp, order_id=1)
        )
        row = await r.node.close_batch()
        assert row is not None
        return int(row["batch"]["number"])


def _zkclear(*args: str) -> str:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.skipif(not SNARKJS.exists(), reason="snarkjs is installed by `make install` (npm ci)")
def test_node_batch_proven_and_verified_by_us_and_snarkjs(tmp_path: Path) -> None:
    data = tmp_path / "node"
    number = run(_trade_and_close(data))
    build = tmp_path / "build"
    _zkclear("batch", "build", "--slots", "14", "--queue", "2", "--withdrawals", "1", "--out", str(build))
    report = json.loads((build / "constraints.json").read_text())
    assert report["per_slot"] * 14 == report["slots_total"]
    wtns = tmp_path / "batch.wtns"
    _zkclear(
        "batch",
        "witness",
        "--data-dir",
        str(data),
        "--batch",
        str(number),
        "--slots",
        "14",
        "--queue",
        "2",
        "--withdrawals",
        "1",
        "--out",
        str(wtns),
    )
    public_in = json.loads(wtns.with_suffix(".public.json").read_text())
    proof, public = tmp_path / "proof.json", tmp_path / "public.json"
    _zkclear("groth16", "prove", str(build / "batch.zkey"), str(wtns), str(proof), str(public))
    assert json.loads(public.read_text()) == public_in
    assert "OK" in _zkclear(
        "groth16", "verify", str(build / "verification_key.json"), str(public), str(proof)
    )
    node = shutil.which("node") or "node"
    for cmd in (
        ["wtns", "check", str(build / "batch.r1cs"), str(wtns)],
        ["groth16", "verify", str(build / "verification_key.json"), str(public), str(proof)],
    ):
        out = subprocess.run([node, str(SNARKJS), *cmd], capture_output=True, text=True, timeout=600)
        text = out.stdout + out.stderr
        assert out.returncode == 0 and ("OK!" in text or "WITNESS IS CORRECT" in text), text


def test_witness_of_a_batch_that_does_not_fit_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "node"
    number = run(_trade_and_close(data))
    res = CliRunner().invoke(
        main,
        [
            "batch",
            "witness",
            "--data-dir",
            str(data),
            "--batch",
            str(number),
            "--slots",
            "2",
            "--out",
            str(tmp_path / "w.wtns"),
        ],
    )
    assert res.exit_code == 2 and "BatchTooLarge" in res.output
