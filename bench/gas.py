"""L1 gas of the rollup (issue 16's gas report), on the in-process EVM (py-evm via eth-tester, the
Prague rules; gas is the EVM's, independent of the machine), from real proofs of real batches:

    .venv/bin/python bench/gas.py [--sizes 16,32,48] [--batches 16] [--json]

1. Operations that need no batch proof (as before): deposit (first and later, the transfer
   included), forced-withdrawal request, claim, freeze, deposit reclaim, publishExitState and
   escape (one account with two positions, the exchange core's real state), one Poseidon hash
   per width on chain.
2. Batches of the exchange core proven with our prover under the deterministic test keys
   (sequencer/batch_keys.py `fixed_zkey`; the 8-slot shapes are the committed ones): a first
   batch of two deposits, an oracle price and two trades, then batches full of trades (a TRADE
   takes two slots: slots / 2 trades each, no deposit or oracle slot). One proof verified
   (verifyProof of the committed 8-slot verifier and of GenericBatchVerifier, against snarkjs's
   ~207,000 + 7,160 per public input); submitBatch and submitValidiumBatch of a batch of trades
   at 8 slots and at each of `--sizes` (default 16, 32 and the node's 48; generic verifiers);
   k = 1, 2, 4, 8, 16 consecutive batches of trades in one submitBatches call at each size
   (against submitBatch 16 times); the aggregated check alone (AggregateHarness.verifyTx) per
   proof, beside the floor that the EIP-1108/EIP-197 precompile prices set for this scheme and
   whether 60,000 per proof at k = 8 is reachable; L1 gas per trade at the largest size, alone
   and with k = 16, split into base, calldata (the public data's zero and non-zero bytes
   apart), proof check and the rest.

Gas figures are transaction gas (21,000 base and calldata included) unless named `call` or
`exec` (the transaction less its intrinsic gas: 21,000 and 4 / 16 per zero / non-zero calldata
byte, what the same call from another contract costs). The validium batches consume no queue
entry and credit no withdrawal (7 bytes of public data), two committee signatures. Proofs are
cached under build/gas/ (by shape, public input and the sha256 of circuits/'s sources; a cached
proof is verified under its key before use), so a re-run proves nothing: ~4 min on the shared
2-core machine. A cold run builds each size's two test keys and proves 19 8-slot batches and 17
per further size: ~35 min there (6 for 8 slots, ~10 per further size), ~11.5 GB of memory for
the 48-slot rollup circuit and key (`--sizes 16` for a small machine). The figures are in
protocol.md 7.12 ("Gas report"); with --json the last line is one JSON object of all of them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from web3 import EthereumTesterProvider, Web3  # noqa: E402

from circuits.batch.batch import BatchShape  # noqa: E402
from contracts.deploy import (  # noqa: E402
    MODE_ROLLUP,
    MODE_VALIDIUM,
    RollupParams,
    deploy,
    deploy_hashers,
    deploy_rollup,
    hasher_addresses,
)
from contracts.exodus import exit_state, leaf_args  # noqa: E402
from contracts.generic_verifier import deploy_generic_verifier  # noqa: E402
from protocol.messages.order import TimeInForce  # noqa: E402
from protocol.pubdata.batch import public_input  # noqa: E402
from protocol.pubdata.dac import dac_hash  # noqa: E402
from protocol.pubdata.fields import Mode  # noqa: E402
from protocol.pubdata.steps.deposit import pack_key  # noqa: E402
from protocol.signing import Signer  # noqa: E402
from prover.evm import proof_calldata  # noqa: E402
from prover.formats.json_files import (  # noqa: E402
    Proof,
    VerifyingKey,
    load_json,
    proof_from_json,
    proof_to_json,
    vk_from_json,
    vk_to_json,
    write_json,
)
from prover.formats.zkey import ZKey  # noqa: E402
from prover.setup.phase2 import export_vk  # noqa: E402
from prover.solidity import vk_digest  # noqa: E402
from prover.verify import verify  # noqa: E402
from sequencer.batch_keys import SHAPES, committed_vk, fixed_zkey, verifier_name  # noqa: E402
from sequencer.prover_inputs import CircuitInputs  # noqa: E402
from tests.circuits.batch.batch_lib import program  # noqa: E402
from tests.contracts.conftest import Chain, new_chain  # noqa: E402
from tests.contracts.test_escape import config_row, world  # noqa: E402
from tests.contracts.test_submit_batch import (  # noqa: E402
    DEPOSIT,
    MEMBERS,
    Proven,
    _sign,
    batch_start,
    prove_batch,
    prove_committed,
)
from tests.contracts.test_submit_batches import args as batch_args  # noqa: E402
from tests.contracts.test_submit_batches import item  # noqa: E402
from tests.sequencer.world import BTC, BUY, SELL, World, trader_signer  # noqa: E402

DEADLINE = 7 * 86400
CACHE = ROOT / "build" / "gas"
KS = (1, 2, 4, 8, 16)
PRICE, SIZE = 5_000_000, 20
# snarkjs's Groth16 verifier: ~207,000 gas + 7,160 per public input (issue 16's target)
SNARKJS_BASE, SNARKJS_PER_INPUT = 207_000, 7_160
# EIP-1108 (ecAdd, ecMul, pairing) and the 21,000 transaction base
PAIRING_BASE, PAIRING_PAIR, EC_MUL, EC_ADD, TX_BASE = 45_000, 34_000, 6_000, 150, 21_000
TARGET_PER_PROOF = 60_000


# ---- 1. operations without a batch proof ---------------------------------------------------------
def operations() -> dict[str, Any]:
    w3: Any = Web3(EthereumTesterProvider())
    tester = w3.provider.ethereum_tester
    admin, seq, alice, bob = w3.eth.accounts[:4]
    out: dict[str, Any] = {}

    def tx(fn: Any, sender: str) -> int:
        rc = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, "gas": 30_000_000}))
        assert rc["status"] == 1
        return int(rc["gasUsed"])

    hashers = deploy_hashers(w3, sender=admin)
    for n, h in sorted(hashers.items()):
        inputs = list(range(1, n + 1))
        fn = (
            h.functions.poseidon([x.to_bytes(32, "big") for x in inputs])
            if n <= 6
            else h.functions.hash(inputs)
        )
        out[f"poseidon_{n}_call"] = int(fn.estimate_gas()) - TX_BASE

    ex = world().ex
    token = deploy(w3, "TestToken", "t", "t", 10**15, sender=admin)
    params = RollupParams(
        token.address,
        31337,
        seq,
        admin,
        ex.state_root,
        forced_deadline=DEADLINE,
        upgrade_delay=2 * DEADLINE,
        hashers=hasher_addresses(hashers),
    )
    rollup = deploy_rollup(w3, params, name="RollupHarness", sender=admin)
    r = rollup.functions
    tx(token.functions.faucet(alice, 10**12), alice)
    tx(token.functions.approve(rollup.address, 2**256 - 1), alice)

    x, y = (int(v) for v in Signer(b"zkclear gas bench").pub)
    out["deposit_first"] = tx(r.deposit(x, y, 10**6), alice)
    out["deposit"] = tx(r.deposit(x, y, 10**6), alice)
    out["forced_withdrawal_request"] = tx(r.requestForcedWithdrawal(1, 10**6), bob)
    tx(r.testCreditWithdrawal(bob, 10**6), admin)
    out["claim"] = tx(r.claim(), bob)

    # L2 holds what the core's accounts, fund and pool add up to; the root stands for a proven batch
    g = ex.global_state()
    states = {a: ex.account_state(a) for a in ex.accounts}
    held = sum(s.collateral - sum(s.costs) for s in states.values()) + g.insurance_fund + g.fee_pool
    tx(token.functions.faucet(rollup.address, held), admin)
    now = w3.eth.get_block("latest")["timestamp"]
    tester.time_travel(now + DEADLINE + 1)
    tester.mine_blocks(1)
    out["freeze"] = tx(r.freeze(2), bob)
    out["reclaim_deposit"] = tx(r.reclaimDeposit(1, alice, pack_key(x, y), 10**6), bob)

    rows = [None if (mc := ex.config.markets_by_id.get(m)) is None else config_row(mc) for m in range(8)]
    first = min(states)
    p = ex.account_proof(first)
    out["publish_exit_state_2_markets"] = tx(
        r.publishExitState(exit_state(p.accounts_root, ex.config.params_hash(), rows, g)), bob
    )
    gases = []
    for a in sorted(states):
        p = ex.account_proof(a)
        assert p.state is not None
        npos = sum(1 for s in p.state.sizes if s)
        gases.append((npos, tx(r.escape(a, leaf_args(p.state, p.orders_root), list(p.siblings)), bob)))
    out["escape_by_positions"] = {str(n): g_ for n, g_ in sorted(dict(gases).items())}
    out["escape"] = max(g_ for _, g_ in gases)
    return out


# ---- proofs of real batches, cached --------------------------------------------------------------
def _circuit_digest() -> str:
    """sha256 over circuits/'s Python sources: a cached proof or key is stale once they change."""
    h = hashlib.sha256()
    for f in sorted((ROOT / "circuits").rglob("*.py")):
        h.update(f.relative_to(ROOT).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


class Prover:
    """Proofs of closed batches under the shapes' deterministic test keys (the committed ones for
    the 8-slot shapes), cached under build/gas/; a cached proof is checked under its key first."""

    def __init__(self) -> None:
        self.digest = _circuit_digest()[:16]
        self.proved = 0
        CACHE.mkdir(parents=True, exist_ok=True)

    @cache  # noqa: B019 - one Prover per run; the key stays loaded for the shape's proofs
    def zkey(self, shape: BatchShape) -> ZKey:
        zk = fixed_zkey(shape, program(shape))
        if shape in SHAPES:  # a changed circuit makes another key than the committed one
            assert vk_digest(export_vk(zk)) == vk_digest(committed_vk(shape)), (
                "run scripts/gen_batch_verifiers.py"
            )
        return zk

    @cache  # noqa: B019
    def vk(self, shape: BatchShape) -> VerifyingKey:
        if shape in SHAPES:
            return committed_vk(shape)
        path = CACHE / f"{shape.name}-{self.digest}.vk.json"
        if not path.exists():
            write_json(path, vk_to_json(export_vk(self.zkey(shape))))
        return vk_from_json(load_json(path, "verification key"))

    def proof(self, shape: BatchShape, ci: CircuitInputs) -> Proof:
        path = CACHE / f"{shape.name}-{self.digest}-{ci.public_input:064x}.proof.json"
        if path.exists():
            p = proof_from_json(load_json(path, "proof"))
            if verify(self.vk(shape), [ci.public_input], p):
                return p
        p = prove_committed(shape, ci, self.zkey(shape))
        write_json(path, proof_to_json(p))
        self.proved += 1
        return p


class Chained:
    """One World's consecutive batches: a first batch (two deposits by the chain's first two users,
    an oracle price and two trades, 8 slots), then batches of trades only."""

    def __init__(self, traders: list[str]) -> None:
        self.traders = traders
        self.w = World()
        self.trades = 0
        self.start = batch_start(self.w)
        for i, u in enumerate(traders):
            assert self.w.deposit(i, DEPOSIT, owner=int(u, 16)).ok
        assert self.w.oracle(BTC, PRICE).ok
        self.trade(2)

    def trade(self, n: int) -> None:
        """n trades between the two traders, the maker's side alternating (positions stay small)."""
        for _ in range(n):
            side = SELL if self.trades % 2 == 0 else BUY
            assert self.w.order(0, BTC, side, PRICE, SIZE).ok
            assert self.w.order(1, BTC, 1 - side, PRICE, SIZE, tif=TimeInForce.IOC).ok
            self.trades += 1

    def close(self, prover: Prover, shapes: list[BatchShape]) -> list[Proven]:
        """Close the pending batch and prove it under each of `shapes` (one batch, its public data
        in each shape's mode and size)."""
        b = self.w.ex.close_batch(witness=True)
        out = [
            prove_batch(
                s,
                self.w.config,
                b,
                self.start,
                self.traders,
                self.traders[0],
                partial(prover.proof, s),
            )
            for s in shapes
        ]
        self.start = batch_start(self.w)
        return out


def tx_input(ch: Chain, rc: Any) -> bytes:
    """The calldata of the receipt's transaction."""
    return bytes(ch.w3.eth.get_transaction(rc.transactionHash)["input"])


def small_shapes() -> tuple[BatchShape, BatchShape]:
    """The committed 8-slot shapes: (rollup, validium)."""
    r, v = (next(s for s in SHAPES if s.mode is m) for m in (Mode.ROLLUP, Mode.VALIDIUM))
    return r, v


def calldata_gas(data: bytes) -> tuple[int, int, int]:
    """(zero bytes, non-zero bytes, their gas at 4 and 16)."""
    zeros = data.count(0)
    return zeros, len(data) - zeros, 4 * zeros + 16 * (len(data) - zeros)


class L1:
    """A rollup on a fresh in-process chain at a Chained's genesis, its two deposits queued."""

    def __init__(self, ch: Chain, first: Proven, verifiers: dict[int, Any]) -> None:
        self.ch = ch
        params = ch.params(first.header.old_root)
        params.mode = MODE_ROLLUP if first.mode is Mode.ROLLUP else MODE_VALIDIUM
        if first.mode is Mode.VALIDIUM:
            params.dac_members, params.dac_quorum = [a.address for a in MEMBERS], 2
        params.verifiers = {n: v.address for n, v in verifiers.items()}
        self.rollup = deploy_rollup(ch.w3, params, name="Rollup", sender=ch.admin)
        for i, u in enumerate(first.traders):
            ch.fund(u, 10**12)
            ch.tx(ch.token.functions.approve(self.rollup.address, 2**256 - 1), u)
            x, y = trader_signer(i).pub
            ch.tx(self.rollup.functions.deposit(int(x), int(y), DEPOSIT), u)

    def submit(self, p: Proven) -> Any:
        f = self.rollup.functions
        base = batch_args([p])[0]
        if p.mode is Mode.ROLLUP:
            return self.ch.tx(f.submitBatch(*base), self.ch.sequencer, gas=10_000_000)
        digest = dac_hash(int(self.rollup.address, 16), p.header, p.diff_hash)
        sigs = b"".join(_sign(m, digest) for m in MEMBERS[:2])
        return self.ch.tx(
            f.submitValidiumBatch(*base, p.shape.slots, p.diff_hash, sigs), self.ch.sequencer, gas=10_000_000
        )

    def submit_many(self, ps: list[Proven]) -> Any:
        return self.ch.tx(
            self.rollup.functions.submitBatches(batch_args(ps)), self.ch.sequencer, gas=29_000_000
        )

    def measured(self, rc: Any) -> dict[str, int]:
        """A receipt's gas, the calldata's bytes and gas, the execution (gas less intrinsic)."""
        data = tx_input(self.ch, rc)
        zeros, nonzeros, cd_gas = calldata_gas(data)
        gas = int(rc.gasUsed)
        return {
            "gas": gas,
            "calldata_bytes": len(data),
            "calldata_zero": zeros,
            "calldata_nonzero": nonzeros,
            "calldata_gas": cd_gas,
            "exec": gas - TX_BASE - cd_gas,
        }


def snapshot(ch: Chain) -> Callable[[], None]:
    """The chain's state now; calling the result brings the chain back to it."""
    snap = ch.tester.take_snapshot()
    return lambda: ch.tester.revert_to_snapshot(snap)


# ---- 2. batches ------------------------------------------------------------------------------
def verifier_figures(ch: Chain, p: Proven, vk: VerifyingKey, committed: bool) -> dict[str, Any]:
    """verifyProof of one proof as a transaction and as a call (less intrinsic gas), committed
    verifier and/or generic verifier, against snarkjs's formula (one public input)."""
    a, b, c, pub = proof_calldata(p.proof, [public_input(p.mode, p.header, p.data)])
    snarkjs = SNARKJS_BASE + SNARKJS_PER_INPUT * len(pub)
    out: dict[str, Any] = {"snarkjs_formula": snarkjs}
    vs = {"generic": deploy_generic_verifier(ch.w3, vk, sender=ch.admin)}
    if committed:
        vs["committed"] = deploy(ch.w3, verifier_name(p.shape), sender=ch.admin)
    for name, v in vs.items():
        fn = v.functions.verifyProof(a, b, c, pub)
        assert fn.call()
        rc = ch.tx(fn, ch.sequencer)
        data = tx_input(ch, rc)
        gas, call = int(rc.gasUsed), int(rc.gasUsed) - TX_BASE - calldata_gas(data)[2]
        out[name] = {
            "tx": gas,
            "call": call,
            "tx_vs_snarkjs": round(gas / snarkjs, 3),
            "call_vs_snarkjs": round(call / snarkjs, 3),
        }
    return out


def floor_per_proof(k: int) -> float:
    """The precompiles' price of the aggregated check of k proofs, per proof: k + 3 pairs,
    2(k - 1) + 3 ecMuls, k ecAdds (k - 1 for sum r_i C_i, one for S IC0 + T IC1)."""
    return (PAIRING_BASE + PAIRING_PAIR * (k + 3) + EC_MUL * (2 * (k - 1) + 3) + EC_ADD * k) / k


def aggregated_check(ch: Chain, ps: list[Proven], verifier: str) -> dict[str, Any]:
    """AggregateHarness.verifyTx over the first k proofs (k in KS): transaction, per proof, and
    per proof without the 21,000 base, beside the precompile floor."""
    h = deploy(ch.w3, "AggregateHarness", sender=ch.admin)
    out: dict[str, Any] = {}
    for k in (k for k in KS if k <= len(ps)):
        items = [x for p in ps[:k] for x in item(p)]
        assert h.functions.verify(verifier, items).call()
        rc = ch.tx(h.functions.verifyTx(verifier, items), ch.sequencer, gas=10_000_000)
        data = tx_input(ch, rc)
        gas = int(rc.gasUsed)
        out[str(k)] = {
            "tx": gas,
            "per_proof": gas // k,
            "per_proof_without_base": (gas - TX_BASE) // k,
            "exec_per_proof": (gas - TX_BASE - calldata_gas(data)[2]) // k,
            "floor_per_proof": round(floor_per_proof(k)),
        }
    return out


def size_figures(
    prover: Prover, ch: Chain, shape_r: BatchShape, shape_v: BatchShape, n_batches: int
) -> dict[str, Any]:
    """One batch size: a Chained world whose first batch is proven at 8 slots, then n_batches
    batches of slots / 2 trades at the size; submitBatch and submitValidiumBatch of the first of
    them, and submitBatches of k of them (k in KS up to n_batches)."""
    small_r, small_v = small_shapes()
    c = Chained(ch.users[:2])
    first_r, first_v = c.close(prover, [small_r, small_v])
    c.trade(shape_r.slots // 2)
    trades_r, trades_v = c.close(prover, [shape_r, shape_v])  # the first batch of trades, both modes
    batches = [trades_r]
    for _ in range(n_batches - 1):
        c.trade(shape_r.slots // 2)
        batches += c.close(prover, [shape_r])
    trades = shape_r.slots // 2
    committed = shape_r in SHAPES
    out: dict[str, Any] = {"slots": shape_r.slots, "trades_per_batch": trades}

    def verifiers(shape: BatchShape, small: BatchShape) -> dict[int, Any]:
        vs = {8: deploy(ch.w3, verifier_name(small), sender=ch.admin)}
        if not committed:
            vs[shape.slots] = deploy_generic_verifier(ch.w3, prover.vk(shape), sender=ch.admin)
        return vs

    back = snapshot(ch)
    out["verify_proof"] = verifier_figures(ch, batches[0], prover.vk(shape_r), committed)
    back()
    for mode, first, p, shape, small in (
        ("rollup", first_r, batches[0], shape_r, small_r),
        ("validium", first_v, trades_v, shape_v, small_v),
    ):
        l1 = L1(ch, first, verifiers(shape, small))
        l1.submit(first)
        m = l1.measured(l1.submit(p))
        m["public_data_bytes"] = len(p.data)
        z, nz, g = calldata_gas(p.data)
        m.update({"public_data_zero": z, "public_data_nonzero": nz, "public_data_gas": g})
        m["per_trade"] = m["gas"] // trades
        out[f"submit_{mode}"] = m
        back()

    l1 = L1(ch, first_r, verifiers(shape_r, small_r))
    l1.submit(first_r)
    after_first = snapshot(ch)
    agg: dict[str, Any] = {}
    for k in (k for k in KS if k <= n_batches):
        rc = l1.submit_many(batches[:k])
        assert l1.rollup.functions.batchNumber().call() == k + 1
        m = l1.measured(rc)
        m.update({"per_batch": m["gas"] // k, "per_trade": m["gas"] // (k * trades)})
        agg[str(k)] = m
        after_first()
    single = [int(l1.submit(p).gasUsed) for p in batches]
    out["submit_batches"] = agg
    out[f"submit_batch_{n_batches}_times"] = {"gas": sum(single), "per_batch": sum(single) // len(single)}
    out["aggregated_check"] = aggregated_check(
        ch, batches, l1.rollup.functions.verifiers(shape_r.slots).call()
    )
    back()
    return out


# ---- 3. the report -------------------------------------------------------------------------------
def floor_analysis(agg: dict[str, Any]) -> dict[str, Any]:
    """Whether 60,000 gas per proof at k = 8 is reachable by the aggregated scheme: its precompile
    floor per proof, and the smallest k meeting the target by the floor and by the measure (the
    measured per-proof cost without the transaction base: fixed + marginal / k, from the two
    largest measured k, when no measured k meets it)."""
    ks = sorted(int(k) for k in agg)
    floor_k = next(k for k in range(1, 1000) if floor_per_proof(k) <= TARGET_PER_PROOF)
    met = [k for k in ks if agg[str(k)]["per_proof_without_base"] <= TARGET_PER_PROOF]
    out: dict[str, Any] = {
        "target_per_proof": TARGET_PER_PROOF,
        "floor_per_proof_k8": round(floor_per_proof(8)),
        "floor_limit_per_proof": PAIRING_PAIR + 2 * EC_MUL + EC_ADD,
        "k8_reachable_in_scheme": floor_per_proof(8) <= TARGET_PER_PROOF,
        "smallest_k_floor": floor_k,
        "smallest_k_measured": met[0] if met else None,
    }
    if not met and len(ks) >= 2:
        k1, k2 = ks[-2], ks[-1]
        g1, g2 = (agg[str(k)]["tx"] - TX_BASE for k in (k1, k2))
        marginal = (g2 - g1) / (k2 - k1)
        fixed = g2 - marginal * k2
        out["measured_marginal_per_proof"] = round(marginal)
        out["measured_fixed"] = round(fixed)
        out["smallest_k_extrapolated"] = (
            next(k for k in range(k2, 100_000) if fixed / k + marginal <= TARGET_PER_PROOF)
            if marginal < TARGET_PER_PROOF
            else None
        )
    return out


def per_trade(size: dict[str, Any]) -> dict[str, Any]:
    """L1 gas per trade at one size in rollup mode, alone and with the largest k measured, split
    into the transaction base, calldata (of which the public data, zero and non-zero bytes
    apart), the proof check (verifyProof as a call; the aggregated check's execution per proof)
    and the rest of the execution (hashing the public data, queue, storage, events)."""
    trades = size["trades_per_batch"]
    one = size["submit_rollup"]
    k = max(int(k) for k in size["submit_batches"])
    agg = size["submit_batches"][str(k)]
    check_one = size["verify_proof"]["generic"]["call"]
    check_k = size["aggregated_check"][str(k)]["exec_per_proof"]
    pd_gas = one["public_data_gas"]

    def split(m: dict[str, Any], n: int, check: int) -> dict[str, Any]:
        return {
            "total": round(m["gas"] / (n * trades)),
            "base": round(TX_BASE / (n * trades)),
            "calldata": round(m["calldata_gas"] / (n * trades)),
            "of_which_public_data": round(pd_gas / trades),
            "proof_check": round(check / trades),
            "other_exec": round((m["exec"] - n * check) / (n * trades)),
            "public_data_share_pct": round(100 * pd_gas * n / m["gas"], 1),
        }

    return {
        "slots": size["slots"],
        "trades_per_batch": trades,
        "alone": split(one, 1, check_one),
        f"aggregated_k{k}": split(agg, k, check_k),
        "public_data_bytes": round(one["public_data_bytes"] / trades, 1),
        "public_data_zero_bytes": round(one["public_data_zero"] / trades, 1),
        "public_data_nonzero_bytes": round(one["public_data_nonzero"] / trades, 1),
    }


def flatten(prefix: str, obj: Any, rows: list[tuple[str, Any]]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            flatten(f"{prefix}.{k}" if prefix else str(k), v, rows)
    else:
        rows.append((prefix, round(obj, 3) if isinstance(obj, float) else obj))


def main() -> None:
    ap = argparse.ArgumentParser(description="issue 16's L1 gas report, from real proofs of real batches")
    ap.add_argument("--sizes", default="16,32,48", help="batch sizes (slots) besides 8, comma-separated")
    ap.add_argument("--batches", type=int, default=16, help="consecutive batches of trades per size")
    ap.add_argument("--json", action="store_true", help="print one JSON object last")
    args = ap.parse_args()
    if args.batches < 1:
        ap.error("--batches must be at least 1")
    t0 = time.monotonic()
    out: dict[str, Any] = {"operations": operations()}
    prover = Prover()
    sizes = [8] + [int(n) for n in args.sizes.split(",") if n.strip()]
    for n in sizes:
        if n == 8:
            shape_r, shape_v = small_shapes()
        else:
            shape_r, shape_v = BatchShape.default(n, Mode.ROLLUP), BatchShape.default(n, Mode.VALIDIUM)
        out[f"slots_{n}"] = size_figures(prover, new_chain(), shape_r, shape_v, args.batches)
        # a size's compiled circuits and proving keys take gigabytes: not kept for the next size
        program.cache_clear()
        Prover.zkey.cache_clear()
    out["floor"] = floor_analysis(out["slots_8"]["aggregated_check"])
    out["per_trade"] = per_trade(out[f"slots_{max(sizes)}"])
    out["proofs_made"] = prover.proved
    out["run_time_s"] = round(time.monotonic() - t0)
    rows: list[tuple[str, Any]] = []
    flatten("", out, rows)
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    if args.json:
        print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
