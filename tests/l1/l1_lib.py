"""What the L1 client's tests share: a deployment whose rollup's genesis is the node's (token,
hashers, the committed 8-slot test verifier, the rollup at the address the node's genesis names),
a genesis file for `zkclear node --genesis`, L1 deposits and forced requests, and proving a node's
closed batches exactly as the prover stage does (real proofs under sequencer.batch_keys' test key,
the pipeline contract's `proven` info)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import rlp
from eth_utils import keccak, to_checksum_address

from circuits.batch.batch import BatchShape
from contracts.deploy import (
    MODE_ROLLUP,
    MODE_VALIDIUM,
    RollupParams,
    deploy,
    deploy_hashers,
    deploy_rollup,
    hasher_addresses,
)
from protocol.pubdata.dac import dac_hash
from protocol.pubdata.fields import Mode
from protocol.pubdata.header import BatchHeader
from prover.formats.json_files import proof_to_json
from prover.formats.zkey import ZKey
from prover.prove import prove
from sequencer.batch_keys import fixed_zkey, verifier_name
from sequencer.config import ExchangeConfig
from sequencer.exchange import Exchange
from sequencer.journal.store import BatchRow, Store
from sequencer.node.defaults import devnet_config
from sequencer.node.drafts import BATCH_CLOSE
from sequencer.node.journal_bodies import journal_op
from sequencer.proving.follower import prepare
from sequencer.proving.replay import ClosedBatch
from tests.circuits.batch.batch_lib import program

SHAPE = BatchShape(8, 2, 1, Mode.ROLLUP)  # the committed test verifier's shape
SHAPE_OPTIONS = [
    "--batch-slots",
    "8",
    "--batch-queue",
    "2",
    "--batch-withdrawals",
    "1",
    "--data-mode",
    "rollup",
]


@dataclass
class Stack:
    w3: Any
    cfg: ExchangeConfig  # the node's genesis: chain id and rollup address of this deployment
    token: Any
    rollup: Any
    admin: str
    sequencer: str

    def tx(self, fn: Any, sender: str) -> Any:
        rc = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, "gas": 3_000_000}))
        assert rc["status"] == 1, f"transaction reverted: {rc['transactionHash'].hex()}"
        return rc

    def deposit(self, user: str, pub: tuple[int, int], amount: int) -> None:
        """approve + deposit, as a trader does on L1."""
        self.tx(self.token.functions.faucet(user, amount), user)
        self.tx(self.token.functions.approve(self.rollup.address, amount), user)
        self.tx(self.rollup.functions.deposit(int(pub[0]), int(pub[1]), amount), user)

    def force_withdrawal(self, user: str, account_id: int, amount: int) -> None:
        self.tx(self.rollup.functions.requestForcedWithdrawal(account_id, amount), user)

    def genesis_file(self, path: Path) -> Path:
        """The node's genesis (sequencer.node.defaults.load_genesis's format)."""
        d = _init_fields(self.cfg)
        d["markets"] = [_init_fields(m) for m in self.cfg.markets]
        d["oracle_signers"] = [[str(x), str(y)] for x, y in self.cfg.oracle_signers]
        d["rollup_address"] = f"{self.cfg.rollup_address:#042x}"
        path.write_text(json.dumps(d))
        return path


def _init_fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.init}


def next_address(w3: Any, sender: str) -> str:
    """The address of the next contract `sender` creates (CREATE: keccak(rlp([sender, nonce])))."""
    nonce = w3.eth.get_transaction_count(sender)
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


def deploy_stack(
    w3: Any, admin: str, sequencer: str, shape: BatchShape = SHAPE, dac: tuple[list[str], int] = ([], 0)
) -> Stack:
    """The contracts on `w3`, the rollup's genesis root that of the devnet genesis with this chain's
    id and the rollup's own address (which the genesis root commits to, so it is computed first)."""
    token = deploy(w3, "TestToken", "zkclear test USD", "tUSD", 10**15, sender=admin)
    hashers = hasher_addresses(deploy_hashers(w3, sender=admin))
    verifier = deploy(w3, verifier_name(shape), sender=admin)
    at = next_address(w3, admin)
    cfg = dataclasses.replace(devnet_config(), chain_id=int(w3.eth.chain_id), rollup_address=int(at, 16))
    params = RollupParams(
        token.address, cfg.chain_id, sequencer, admin, Exchange(cfg).state_root, hashers=hashers
    )
    params.mode = MODE_ROLLUP if shape.mode is Mode.ROLLUP else MODE_VALIDIUM
    params.verifiers = {shape.slots: verifier.address}
    params.dac_members, params.dac_quorum = dac
    rollup = deploy_rollup(w3, params, sender=admin)
    assert rollup.address == at
    return Stack(w3, cfg, token, rollup, admin, sequencer)


@cache
def _zkey(shape: BatchShape) -> ZKey:
    return fixed_zkey(shape, program(shape))


def prove_closed(
    journal: Path, cfg: ExchangeConfig, shape: BatchShape = SHAPE, only: set[int] | None = None
) -> list[int]:
    """Prove every `closed` batch of a node's journal as the prover stage does: replay the journal,
    close each batch with witnesses, prove it under the shape's test key and record it `proven`
    with the pipeline contract's info (with `only`, just those batches: proofs that complete out
    of order, as the prover pool's do).  Returns the batch numbers recorded."""
    store = Store(journal)
    try:
        ex = Exchange(cfg)
        start = (ex.global_state(), ex.trees.accounts.root)
        done: list[tuple[int, dict[str, Any]]] = []
        for e in store.entries():
            if e.kind != BATCH_CLOSE:
                res = ex.apply(journal_op(e.kind, e.body), verify=False)
                assert res.ok, res
                continue
            g0, acc0 = start
            b = ex.close_batch(witness=True)
            start = (ex.global_state(), ex.trees.accounts.root)
            row = store.batch(b.number)
            if row is None or row.status != "closed":
                continue
            assert row.new_root == str(b.new_root)
            todo = prepare(cfg, shape, ClosedBatch(b, g0, acc0))
            solved = program(shape).solve(todo.inputs.inputs)
            t = time.perf_counter()
            res_p = prove(_zkey(shape), solved.to_wtns())
            assert res_p.public == [todo.inputs.public_input]
            info = {
                **todo.row_info(shape),
                "proof": proof_to_json(res_p.proof),
                "prove_s": time.perf_counter() - t,
            }
            if only is None or b.number in only:
                done.append((b.number, info))
        # all at once, as a prover that ran ahead of the submitter leaves them
        for number, info in done:
            store.set_batch_status(number, "proven", info)
        return [n for n, _ in done]
    finally:
        store.close()


class KeyCommittee:
    """A data-availability committee of secp256k1 keys (protocol.md 7.8) answering as
    sequencer.l1.submitter.Committee: the quorum's signatures over the batch's dac_hash (raw
    32-byte digest, r | s | v, ascending signer address)."""

    def __init__(self, keys: list[Any], quorum: int, rollup: str, chain_id: int) -> None:
        self.keys = sorted(keys, key=lambda a: int(a.address, 16))
        self.quorum = quorum
        self.rollup = int(rollup, 16)
        self.chain_id = chain_id
        self.signed: list[int] = []
        self.gate: asyncio.Event | None = None  # when set: sign only once it is set

    @property
    def addresses(self) -> list[str]:
        return [k.address for k in self.keys]

    async def signatures(self, row: BatchRow) -> tuple[bytes, bytes]:
        if self.gate is not None:
            await self.gate.wait()
        i = row.info
        header = BatchHeader(
            int(row.old_root),
            int(row.new_root),
            row.number,
            self.chain_id,
            int(i["queue_start"]),
            int(i["queue_end"]),
            int(i["time_start"]),
            int(i["time_end"]),
        )
        diff = bytes.fromhex(str(i["state_diff_hash"])[2:])
        digest = dac_hash(self.rollup, header, diff)
        sigs = []
        for k in self.keys[: self.quorum]:
            sig = k.unsafe_sign_hash(digest)
            sigs.append(sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v]))
        self.signed.append(row.number)
        return diff, b"".join(sigs)


def wait_for(pred: Any, timeout: float = 120.0, what: str = "condition") -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
