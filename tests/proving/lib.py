"""Shared pieces of the prover-stage tests: the small shape they prove at, traffic through a real
node's HTTP API, waiting for batches to be proven, and checking a proven row on its own terms
(its public input rebuilt from the row's header and public data, its proof under the key's vk)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from circuits.batch.batch import BatchShape
from client.http import AsyncClient
from protocol.pubdata.batch import public_input
from protocol.pubdata.fields import Mode, sha256
from protocol.pubdata.header import BatchHeader
from prover.formats.json_files import load_json, proof_from_json, vk_from_json
from prover.verify import verify
from sequencer.journal.store import BatchRow, Store
from sequencer.node.defaults import devnet_config
from sequencer.proving.keys import VK_FILE, key_dir
from tests.node.harness import BTC, BTC_PRICE, BUY, SELL, USD, fund, set_price

SLOTS = 4  # the smallest shape a trade fits (four slots); queue and withdrawals: one each
SHAPE = BatchShape.default(SLOTS)
GLOBAL_BYTES = 546  # protocol.md 7.6


async def traffic(c: AsyncClient) -> None:
    """Two faucet deposits, an oracle price, a trade and a withdrawal (several batches at 4 slots)."""
    a, b = await fund(c, 1), await fund(c, 2)
    await set_price(c, "BTC-USD", BTC_PRICE)
    exp = int(time.time()) + 3600
    await c.place_order(a.order(market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=1, expiry=exp))
    out = await c.place_order(
        b.order(market_id=BTC, side=BUY, price=BTC_PRICE, size=10, order_id=1, expiry=exp)
    )
    assert out["fills"], out
    out = await c.withdraw(a.withdraw(amount=1_000 * USD, recipient=0xABC, nonce=0, expiry=exp))
    assert out["ok"], out


async def all_proven(c: AsyncClient, last: int, timeout: float = 240.0) -> list[dict[str, Any]]:
    """Wait until batches 0..last are all `proven` (newest first as the node lists them)."""
    deadline = time.monotonic() + timeout
    while True:
        batches = await c.batches(limit=500)
        mine = [b for b in batches if b["number"] <= last]
        if len(mine) == last + 1 and all(b["status"] == "proven" for b in mine):
            return mine
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not all proven in {timeout}s: {[(b['number'], b['status']) for b in batches]}"
            )
        await asyncio.sleep(0.5)


def rows(data_dir: Path) -> list[BatchRow]:
    store = Store(data_dir / "journal.db")
    try:
        return store.batches(limit=10_000, newest_first=False)
    finally:
        store.close()


def check_proven(data_dir: Path, row: BatchRow) -> None:
    """The row's proof verifies under the key set's vk for the public input that the row's own
    header and public data give (protocol.md 7.7); validium: its state diff hashes as 7.8 says."""
    info = row.info
    assert row.status == "proven", row
    assert info["shape"] == SHAPE.name and info["slots"] == SLOTS and info["mode"] == "validium"
    assert info["prove_s"] > 0 and info["prove_error"] is None and info["prove_attempts"] >= 1
    header = BatchHeader(
        int(row.old_root),
        int(row.new_root),
        row.number,
        devnet_config().chain_id,
        info["queue_start"],
        info["queue_end"],
        info["time_start"],
        info["time_end"],
    )
    data = bytes.fromhex(info["public_data"].removeprefix("0x"))
    pi = public_input(Mode.VALIDIUM, header, data)
    assert info["public_input"] == str(pi)
    vk = vk_from_json(load_json(key_dir(data_dir, SHAPE) / VK_FILE, "verification key"))
    assert verify(vk, [pi], proof_from_json(info["proof"]))
    assert not verify(vk, [pi ^ 1], proof_from_json(info["proof"]))
    diff = bytes.fromhex(info["state_diff"].removeprefix("0x"))
    assert len(diff) == GLOBAL_BYTES + 84 * SLOTS
    want = sha256(sha256(diff[:GLOBAL_BYTES]) + sha256(diff[GLOBAL_BYTES:]))
    assert info["state_diff_hash"] == "0x" + want.hex()


def check_restarted(data_dir: Path, last: int, proven_before: dict[int, Any]) -> list[BatchRow]:
    """After a node's restart: batches 0..last all proven, each proof good, and none of those proven
    before the restart (their proofs in `proven_before`) proved again; returns the rows."""
    after = rows(data_dir)
    assert [b.number for b in after] == list(range(last + 1))
    for row in after:
        check_proven(data_dir, row)
    for n, proof in proven_before.items():
        assert after[n].info["proof"] == proof, f"batch {n} was proved again"
        assert after[n].info["prove_attempts"] == 1
    return after
