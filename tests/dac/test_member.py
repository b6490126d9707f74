"""The validium data-availability committee end to end (protocol.md 7.8): two real members (one
`zkclear dac-member` process with an encrypted keystore, one in-process aiohttp server) take real
validium batches of the exchange core through the node's HttpCommittee; the packed signatures pass
the rollup contract's committee check on the in-process EVM; a tampered diff or header is refused
and stores nothing; a member killed with SIGKILL restarts with its stored batches, catches up on
the batch it missed and serves any account's leaf and Merkle path (what an exit proves)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from click.testing import CliRunner
from eth_account import Account

from circuits.primitives.smt import root_from_path
from contracts.deploy import MODE_VALIDIUM, deploy_rollup
from protocol.messages.order import TimeInForce
from protocol.pubdata import collect
from protocol.pubdata.batch import encode_public_data, sections_of, state_diff_hash
from protocol.pubdata.fields import Mode
from protocol.pubdata.header import decode_header, encode_header
from protocol.pubdata.rebuild import Genesis
from protocol.records import GlobalState
from sequencer.dac.member import Member
from sequencer.dac.server import create_app
from sequencer.dac.store import MemberStore, MemberStoreError
from sequencer.journal.store import BatchRow
from sequencer.l1.dac_client import CommitteeError, HttpCommittee
from tests.contracts.conftest import Chain
from tests.contracts.test_committee import hdr
from tests.node.harness import kill9
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World
from zkclear.cli import main

ROOT = Path(__file__).resolve().parents[2]
KEYS = [Account.from_key(bytes([0x40 + i]) * 32) for i in range(2)]
PASSWORD = "member password"


def close(w: World, g_before: GlobalState) -> BatchRow:
    """Close the World's batch; a row with the prover stage's validium info keys (and the header)."""
    b = w.ex.close_batch(witness=True)
    assert b.witnesses is not None
    roots = collect.orders_roots(b.witnesses)
    full = collect.public_data(Mode.ROLLUP, b.records, roots, g_before)
    s = sections_of(full)
    assert s.global_ is not None and s.accounts is not None
    valid = collect.public_data(Mode.VALIDIUM, b.records, roots, g_before)
    info = {
        "mode": "validium",
        "header": "0x" + encode_header(b.header(w.config.chain_id)).hex(),
        "public_data": "0x" + encode_public_data(valid).hex(),
        "state_diff": "0x" + (s.global_ + s.accounts).hex(),
        "state_diff_hash": "0x" + state_diff_hash(s).hex(),
    }
    return BatchRow(b.number, 0, 0, str(b.old_root), str(b.new_root), 0, 0, "proven", info)


def batches() -> tuple[World, list[BatchRow]]:
    w = World()
    rows = []
    g = w.ex.global_state()
    w.funded(4)
    w.priced()
    assert w.order(0, BTC, SELL, 5_000_000, 20).ok
    assert w.order(1, BTC, BUY, 5_000_000, 20, tif=TimeInForce.IOC).ok
    assert w.withdraw(1, 1_000 * USD, recipient=0xCAFE).ok
    rows.append(close(w, g))
    g = w.ex.global_state()
    w.tick(60)
    w.refresh()
    assert w.order(2, ETH, SELL, 300_000, 100).ok
    assert w.order(3, ETH, BUY, 300_000, 50, tif=TimeInForce.IOC).ok
    assert w.deposit(2, 5 * USD).ok
    rows.append(close(w, g))
    g = w.ex.global_state()
    w.tick(60)
    w.refresh()
    assert w.order(1, ETH, BUY, 300_000, 50, tif=TimeInForce.IOC).ok  # the rest of 2's ask
    assert w.withdraw(3, 10 * USD, recipient=0xBEEF).ok
    rows.append(close(w, g))
    return w, rows


def genesis(w: World) -> Genesis:
    return Genesis(w.config.params_hash(), tuple(None if m is None else m.config_hash for m in w.ex.markets))


def spawn_member(
    data_dir: Path, keystore: Path, pwfile: Path, rollup: str, chain_id: int, gen: Path
) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from zkclear.cli import main; main()", "dac-member",
         "--data-dir", str(data_dir), "--key", str(keystore), "--password-file", str(pwfile),
         "--port", "0", "--rollup", rollup, "--chain-id", str(chain_id), "--genesis", str(gen)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stdout is not None
    lines = []
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if m := re.search(r"listening on (http://\S+)", line):
            return proc, m.group(1)
    proc.kill()
    raise RuntimeError("dac-member did not start:\n" + "".join(lines))


def stop(proc: subprocess.Popen[str]) -> None:
    kill9(proc)
    if proc.stdout is not None:
        proc.stdout.close()


@asynccontextmanager
async def in_process(member: Member) -> AsyncIterator[str]:
    runner = web.AppRunner(create_app(member), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as s, s.request(method, url, json=body) as resp:
        return resp.status, await resp.json()


def post_body(row: BatchRow, **override: str) -> dict[str, str]:
    return {k: override.get(k, row.info[k]) for k in ("header", "public_data", "state_diff")}


def test_committee_signs_real_batches(chain: Chain, tmp_path: Path) -> None:
    w, rows = batches()
    ch = chain
    params = ch.params(int(rows[0].old_root))
    params.mode, params.dac_members, params.dac_quorum = MODE_VALIDIUM, [a.address for a in KEYS], 2
    rollup = deploy_rollup(ch.w3, params, name="RollupHarness", sender=ch.admin)
    rollup_address = int(rollup.address, 16)
    chain_id = w.config.chain_id
    gen = genesis(w)
    gen_file = tmp_path / "params.json"
    gen_file.write_text(json.dumps({"params_hash": str(gen.params_hash),
        "markets": [None if h is None else {"config_hash": str(h)} for h in gen.config_hashes]}))  # fmt: skip
    keystore, pwfile = tmp_path / "member-a.json", tmp_path / "pw"
    keystore.write_text(json.dumps(Account.encrypt(KEYS[0].key, PASSWORD)))
    pwfile.write_text(PASSWORD + "\n")
    store_b = MemberStore(tmp_path / "b" / "dac.db")
    member_b = Member(store_b, KEYS[1], rollup_address, chain_id, gen)

    def contract_digest(row: BatchRow, diff_hash: bytes, sigs: bytes) -> bytes:
        h = hdr(decode_header(bytes.fromhex(row.info["header"][2:])))
        return bytes(rollup.functions.testCheckCommittee(h, diff_hash, sigs).call())

    async def main() -> None:
        proc, url_a = spawn_member(tmp_path / "a", keystore, pwfile, rollup.address, chain_id, gen_file)
        try:
            async with in_process(member_b) as url_b:
                committee = HttpCommittee([url_a, url_b], 2, rollup_address,
                                          earlier=lambda n: rows[n], backoff_s=0.05, attempts=3)  # fmt: skip
                status, info = await call("GET", url_a + "/v1/info")
                assert status == 200 and info["member"] == KEYS[0].address.lower()
                assert info["next_batch"] == 0 and info["state_root"] is None

                # bad input: a clear error, nothing stored, the state unchanged
                diff = bytes.fromhex(rows[0].info["state_diff"][2:])
                # the last slot record with an account: the account's final collateral, off by one (an
                # earlier record of the same account is overwritten by its later ones, 7.5)
                last = max(i for i in range(0, len(diff) - 546, 84) if any(diff[546 + i : 549 + i]))
                tampered = bytearray(diff)
                tampered[546 + last + 3 + 10] ^= 1
                for bad_diff, code in ((tampered, "wrong_root"), (diff[:-1], "bad_batch")):
                    body = post_body(rows[0], state_diff="0x" + bytes(bad_diff).hex())
                    status, out = await call("POST", url_a + "/v1/batches", body)
                    assert status == 422 and out["error"]["code"] == code, out
                header = bytearray.fromhex(rows[0].info["header"][2:])
                header[63] ^= 1  # new_root
                status, out = await call(
                    "POST", url_b + "/v1/batches", post_body(rows[0], header="0x" + header.hex())
                )
                assert status == 422 and out["error"]["code"] == "wrong_root", out
                for bad in ({"header": "zz"}, {"x": 1}, [1]):
                    status, out = await call("POST", url_b + "/v1/batches", bad)
                    assert status == 400 and out["error"]["code"] == "malformed_body"
                status, out = await call("POST", url_b + "/v1/batches", post_body(rows[1]))
                assert status == 409 and out["error"]["code"] == "out_of_order"
                assert out["error"]["details"] == {"next_batch": 0}
                for url in (url_a, url_b):
                    status, out = await call("GET", url + "/v1/batches/0")
                    assert status == 404 and out["error"]["code"] == "not_found"
                assert member_b.next_batch == 0 and list(store_b.all()) == []

                # batch 0: both members sign; the contract accepts the quorum
                diff_hash, sigs = await committee.signatures(rows[0])
                assert diff_hash.hex() == rows[0].info["state_diff_hash"][2:]
                assert len(sigs) == 2 * 65
                digest = contract_digest(rows[0], diff_hash, sigs)
                status, out = await call("GET", url_a + "/v1/batches/0")
                assert status == 200 and out["dac_hash"] == "0x" + digest.hex()
                assert out["state_diff"] == rows[0].info["state_diff"]
                # retried by the node: the same signature again, nothing new stored
                assert await committee.signatures(rows[0]) == (diff_hash, sigs)

                # member A dies (SIGKILL) and misses batch 1: a quorum of 2 cannot be reached
                stop(proc)
                with pytest.raises(CommitteeError, match="1 of 2"):
                    await committee.signatures(rows[1])
                assert member_b.next_batch == 2  # B took batch 1
                # A restarts from its store (batch 0 kept) and catches up on batch 1 for batch 2
                proc, url_a = spawn_member(
                    tmp_path / "a", keystore, pwfile, rollup.address, chain_id, gen_file
                )
                status, info = await call("GET", url_a + "/v1/info")
                assert info["next_batch"] == 1 and info["state_root"] == rows[0].new_root
                committee.members[0] = url_a
                for row in rows[1:]:
                    diff_hash, sigs = await committee.signatures(row)
                    contract_digest(row, diff_hash, sigs)
                status, info = await call("GET", url_a + "/v1/info")
                assert info["next_batch"] == 3 and info["state_root"] == rows[2].new_root

                # an account's leaf and Merkle path from the member's rebuilt state
                aid = w.aid(3)
                status, acct = await call("GET", url_a + f"/v1/accounts/{aid}")
                assert status == 200 and acct["batch"] == 2 and acct["exists"]
                assert int(acct["collateral"]) == w.acct(3).collateral
                assert root_from_path(aid, int(acct["leaf"]), [int(x) for x in acct["siblings"]]) == int(
                    acct["accounts_root"]
                )
                assert acct["state_root"] == rows[2].new_root
                status, out = await call("GET", url_a + "/v1/accounts/x")
                assert status == 400 and out["error"]["code"] == "malformed_body"
        finally:
            stop(proc)

    asyncio.run(main())
    store_b.close()


def test_member_refuses_bad_configuration(tmp_path: Path) -> None:
    keystore, pwfile = tmp_path / "k.json", tmp_path / "pw"
    keystore.write_text(json.dumps(Account.encrypt(KEYS[0].key, PASSWORD)))
    pwfile.write_text("not the password\n")
    gen_file = tmp_path / "params.json"
    gen_file.write_text(json.dumps({"params_hash": "7", "markets": [{"config_hash": "9"}]}))
    base = ["dac-member", "--data-dir", str(tmp_path / "d"), "--key", str(keystore), "--port", "0",
            "--chain-id", "31337", "--genesis", str(gen_file)]  # fmt: skip
    rollup = ["--rollup", "0x" + "11" * 20]
    res = CliRunner().invoke(main, [*base, *rollup, "--password-file", str(pwfile)])
    assert res.exit_code == 1 and "cannot decrypt the keystore" in res.output
    res = CliRunner(env={"ZKCLEAR_DAC_PASSWORD": None}).invoke(main, [*base, *rollup])
    assert res.exit_code == 2 and "password" in res.output
    res = CliRunner().invoke(main, [*base, "--rollup", "0x12", "--password-file", str(pwfile)])
    assert res.exit_code == 2 and "--rollup" in res.output
    gen = Genesis(7, (9,) + (None,) * 7)
    store = MemberStore(tmp_path / "d" / "dac.db")
    Member(store, KEYS[0], 0x11, 31337, gen)
    with pytest.raises(MemberStoreError, match="made for rollup"):
        Member(store, KEYS[0], 0x22, 31337, gen)
    store.close()
