"""The independent verifier (protocol.md 7.12-7.13): a batch's submission read back from L1 and
checked without the sequencer, and the whole state rebuilt from L1 data alone (rollup mode).

For batch N: the contract's `BatchProven(N, ...)` event names the transaction; its calldata
(a direct `submitBatch` / `submitValidiumBatch` call of the rollup) gives the new root, queue end,
time end, public data and proof. The header is rebuilt as `Rollup._batchHeader` builds it: the old
root, queue start and time start are batch N-1's event values (before batch 0: the genesis root,
read from `stateRoot` in the block before batch 0's, 0 and 0), the chain id is the contract's. The
public input is protocol.pubdata's; the queue records are compared with the `QueueEntry` events
(the contract checks them against its hash chain: this names the record that differs).

The verification key: the batch's verifier is `verifiers(slots)` as of the block before the
submission's. Its runtime bytecode must be that of prover/solidity.py's rendering of the trusted
key (`--vk FILE`, or each committed key under contracts/keys/ when none is given), compiled with the
committed artifacts' pinned solc settings (no metadata hash: the bytecode is a function of the key
alone). A rendering identical to a committed verifier's source is compared with its committed
artifact without compiling. A devnet deploys the generic verifier instead (its key given at deploy
time, contracts/generic_verifier.py): its code must be the committed artifact's runtime code with the
trusted key's values at its immutables. Either way the verifier's `vkPoints()` must return the
trusted key (as of the submission's block). Only then is the proof checked locally (prover.verify) under that key:
a verifier contract that accepts other proofs never gets the batch through.

Outcomes: `Invalid` (the batch is not what a valid proof under the key proves: exit 1) and
`Malformed` (the data cannot be read, the node cannot be reached: exit 2), each naming the batch and
the field."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from contracts.artifacts import artifact
from contracts.generic_verifier import runtime_code as generic_runtime_code
from contracts.generic_verifier import vk_points
from protocol.pubdata import queue as queue_section
from protocol.pubdata.batch import PublicData, decode_public_data, public_input, split
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.header import BatchHeader
from protocol.pubdata.rebuild import Genesis, Rebuilder
from prover.formats.json_files import Proof, VerifyingKey, load_json, vk_from_json
from prover.solidity import render_verifier, vk_digest
from prover.verify import VerifyError, verify

ROOT = Path(__file__).resolve().parent.parent
KEYS = ROOT / "contracts" / "keys"
VERIFIER_SOURCES = ROOT / "contracts" / "src" / "verifiers"
RECORD_BYTES = 84  # an accounts-section record (protocol.md 7.5)


class VerifyFailure(Exception):
    """A batch that fails verification: `batch`, the `field` that fails and why."""

    exit_code = 1
    status = "invalid"

    def __init__(self, batch: int | None, field: str, reason: str) -> None:
        super().__init__(f"batch {batch}: {field}: {reason}" if batch is not None else f"{field}: {reason}")
        self.batch, self.field, self.reason = batch, field, reason

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "batch": self.batch, "field": self.field, "reason": self.reason}


class Invalid(VerifyFailure):
    """The batch is not proven under the trusted key, or its data differs from L1's (exit 1)."""


class Malformed(VerifyFailure):
    """The submission cannot be read or the node cannot be reached (exit 2)."""

    exit_code = 2
    status = "malformed"


@dataclass
class Submission:
    """Batch N's submission as L1 holds it, and the header the contract built for it."""

    batch: int
    tx: str
    block: int
    mode: Mode
    header: BatchHeader
    data: bytes
    proof: list[int]  # submitBatch's uint256[8]
    slots: int


@dataclass
class BatchResult:
    batch: int
    tx: str
    mode: Mode
    slots: int
    header: BatchHeader
    public_input: int
    verifier: str
    vk_digest: str
    public_data: PublicData
    new_root_rebuilt: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": "valid",
            "batch": self.batch,
            "tx": self.tx,
            "mode": self.mode.name.lower(),
            "slots": self.slots,
            "header": {k: str(v) if k.endswith("root") else v for k, v in self.header._asdict().items()},
            "public_input": str(self.public_input),
            "verifier": self.verifier,
            "vk_digest": self.vk_digest,
        }
        if self.new_root_rebuilt is not None:
            out["new_root_rebuilt"] = str(self.new_root_rebuilt)
        return out


def proof_of(flat: Sequence[int]) -> Proof:
    """submitBatch's uint256[8] (a, b in EIP-197 order x.c1 x.c0 y.c1 y.c0, c) as a Proof."""
    p = [int(x) for x in flat]
    return Proof((p[0], p[1]), ((p[3], p[2]), (p[5], p[4])), (p[6], p[7]))


def load_vk(path: str | Path) -> VerifyingKey:
    return vk_from_json(load_json(path, "verification key"))


def committed_keys() -> list[VerifyingKey]:
    return [load_vk(p) for p in sorted(KEYS.glob("*/verification_key.json"))]


# ---- the verifier contract's code ----


def _compile_runtime(source: str, name: str) -> bytes:
    """Runtime bytecode of `name` in `source`, compiled as the committed artifacts were (their
    recorded solc version and settings) by the npm solc of node_modules."""
    ref = artifact("Rollup")
    node = shutil.which("node")
    if node is None:
        raise Malformed(None, "verifier", "node is not on PATH: cannot compile the key's verifier")
    settings = dict(ref["settings"])
    settings["outputSelection"] = {"*": {"*": ["evm.deployedBytecode.object"]}}
    std = {"language": "Solidity", "sources": {"Verifier.sol": {"content": source}}, "settings": settings}
    script = (
        'const solc = require("solc"); let s = ""; process.stdin.on("data", (d) => (s += d));'
        'process.stdin.on("end", () => process.stdout.write(JSON.stringify({v: solc.version(), o: JSON.parse(solc.compile(s))})));'
    )
    proc = subprocess.run(
        [node, "-e", script],
        input=json.dumps(std),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise Malformed(None, "verifier", f"solc failed: {proc.stderr[-2000:]}")
    res = json.loads(proc.stdout)
    if res["v"] != ref["compiler"]:
        raise Malformed(None, "verifier", f"solc {res['v']} is not the artifacts' {ref['compiler']}")
    errors = [e["formattedMessage"] for e in res["o"].get("errors", []) if e["severity"] == "error"]
    if errors:
        raise Malformed(None, "verifier", "solc: " + "\n".join(errors))
    return bytes.fromhex(res["o"]["contracts"]["Verifier.sol"][name]["evm"]["deployedBytecode"]["object"])


@cache
def _runtime_cached(source: str, name: str) -> bytes:
    for sol in VERIFIER_SOURCES.glob("*.sol"):
        if sol.stem == name and sol.read_text() == source:
            return bytes.fromhex(artifact(name)["deployedBytecode"].removeprefix("0x"))
    return _compile_runtime(source, name)


def verifier_runtime(vk: VerifyingKey, name: str = "BatchVerifier") -> bytes:
    """The runtime bytecode of the key's verifier (prover/solidity.py's rendering)."""
    return _runtime_cached(render_verifier(vk, name), name)


def key_of_code(code: bytes, keys: Sequence[VerifyingKey], names: Sequence[str] = ()) -> VerifyingKey | None:
    """The key among `keys` whose rendered verifier, or generic verifier holding it, has exactly
    this runtime code (None: none). The generic verifier and the committed verifiers' names are
    tried first (no compilation for them)."""
    for vk in keys:
        if vk.n_public == 1 and generic_runtime_code(vk) == code:
            return vk
    for vk in keys:
        for name in [*names, "BatchVerifier"]:
            if verifier_runtime(vk, name) == code:
                return vk
    return None


# ---- L1 ----


class L1:
    """The rollup as a web3 object reads it (any provider: an RPC URL, anvil, the in-process EVM)."""

    def __init__(self, w3: Any, address: str) -> None:
        self.w3 = w3
        try:
            self.address = w3.to_checksum_address(address)
            if not w3.eth.get_code(self.address):
                raise Malformed(None, "rollup", f"no contract at {address}")
            self.rollup = w3.eth.contract(address=self.address, abi=artifact("Rollup")["abi"])
            self.mode = Mode.ROLLUP if self.rollup.functions.mode().call() == 0 else Mode.VALIDIUM
            self.chain_id = int(self.rollup.functions.chainId().call())
        except VerifyFailure:
            raise
        except Exception as e:  # connection refused, bad address, not a rollup
            raise Malformed(None, "rpc", f"cannot read the rollup at {address}: {e}") from e
        self._events: list[Any] | None = None
        self._queue: dict[int, bytes] | None = None

    def _read(self, what: str, batch: int | None, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except VerifyFailure:
            raise
        except Exception as e:
            raise Malformed(batch, what, f"reading L1 failed: {e}") from e

    def proven(self) -> list[Any]:
        """Every BatchProven event, batch order."""
        if self._events is None:
            logs = self._read(
                "BatchProven", None, lambda: self.rollup.events.BatchProven().get_logs(from_block=0)
            )
            self._events = sorted(logs, key=lambda e: e["args"]["batchNumber"])
        return self._events

    def event(self, n: int) -> Any:
        got = [e for e in self.proven() if e["args"]["batchNumber"] == n]
        if not got:
            raise Malformed(
                n, "BatchProven", f"no BatchProven event for batch {n} (batches proven: {len(self.proven())})"
            )
        return got[0]

    def queue_entries(self) -> dict[int, bytes]:
        if self._queue is None:
            logs = self._read(
                "QueueEntry", None, lambda: self.rollup.events.QueueEntry().get_logs(from_block=0)
            )
            self._queue = {int(e["args"]["index"]): bytes(e["args"]["entry"]) for e in logs}
        return self._queue

    def submission(self, n: int) -> Submission:
        ev = self.event(n)
        txh = ev["transactionHash"]
        tx = self._read("transaction", n, lambda: self.w3.eth.get_transaction(txh))
        block = int(ev["blockNumber"])
        if tx["to"] is None or self.w3.to_checksum_address(tx["to"]) != self.address:
            raise Malformed(
                n,
                "transaction",
                f"{txh.hex()} is not a direct call of the rollup (a tracing node would be needed)",
            )
        try:
            fn, args = self.rollup.decode_function_input(tx["input"])
        except Exception as e:
            raise Malformed(n, "calldata", f"not a call of the rollup's ABI: {e}") from e
        if fn.fn_name not in ("submitBatch", "submitValidiumBatch"):
            raise Malformed(n, "calldata", f"{txh.hex()} calls {fn.fn_name}, not a batch submission")
        mode = Mode.ROLLUP if fn.fn_name == "submitBatch" else Mode.VALIDIUM
        data = bytes(args["publicData"])
        new_root = int.from_bytes(bytes(args["newRoot"]), "big")
        queue_end, time_end = int(args["queueEnd_"]), int(args["timeEnd"])
        ea = ev["args"]
        if (int.from_bytes(bytes(ea["newRoot"]), "big"), int(ea["queueEnd"]), int(ea["timeEnd"])) != (
            new_root,
            queue_end,
            time_end,
        ):
            raise Invalid(
                n, "calldata", "the calldata's newRoot/queueEnd/timeEnd differ from the BatchProven event's"
            )
        if n == 0:
            root = self._read(
                "stateRoot", n, lambda: self.rollup.functions.stateRoot().call(block_identifier=block - 1)
            )
            old_root, queue_start, time_start = int.from_bytes(bytes(root), "big"), 0, 0
        else:
            p = self.event(n - 1)["args"]
            old_root, queue_start, time_start = (
                int.from_bytes(bytes(p["newRoot"]), "big"),
                int(p["queueEnd"]),
                int(p["timeEnd"]),
            )
        if mode is Mode.ROLLUP:
            slots = _rollup_slots(n, data)
        else:
            slots = int(args["slots"])
        header = BatchHeader(
            old_root, new_root, n, self.chain_id, queue_start, queue_end, time_start, time_end
        )
        return Submission(n, txh.hex(), block, mode, header, data, [int(x) for x in args["proof"]], slots)

    def verifier_code(self, sub: Submission) -> tuple[str, bytes]:
        """The verifier the contract used for the batch's size (as of the block before it) and its code."""
        addr = self._read(
            "verifier",
            sub.batch,
            lambda: self.rollup.functions.verifiers(sub.slots).call(block_identifier=sub.block - 1),
        )
        if int(addr, 16) == 0:
            raise Invalid(sub.batch, "verifier", f"no verifier for {sub.slots} slots")
        return addr, bytes(
            self._read("verifier", sub.batch, lambda: self.w3.eth.get_code(addr, block_identifier=sub.block))
        )

    def verifier_points(self, sub: Submission, addr: str) -> Any:
        """The verifier's `vkPoints()` as of the submission's block."""
        v = self.w3.eth.contract(address=addr, abi=artifact("GenericBatchVerifier")["abi"])
        return self._read(
            "vkPoints", sub.batch, lambda: v.functions.vkPoints().call(block_identifier=sub.block)
        )


def _rollup_slots(n: int, data: bytes) -> int:
    try:
        s = split(Mode.ROLLUP, data)
    except PubdataError as e:
        raise Malformed(n, "publicData", str(e)) from e
    assert s.accounts is not None
    return len(s.accounts) // RECORD_BYTES


# ---- checks ----


def check_submission(
    sub: Submission, vk: VerifyingKey, queue_entries: dict[int, bytes] | None = None
) -> tuple[int, PublicData]:
    """The public input and decoded public data of a submission whose proof holds under `vk`;
    Invalid / Malformed otherwise."""
    n = sub.batch
    try:
        pd = decode_public_data(sub.mode, sub.data)
    except PubdataError as e:
        raise Malformed(n, "publicData", str(e)) from e
    h = sub.header
    if len(pd.queue) != h.queue_end - h.queue_start:  # the contract refuses it ("queue range")
        raise Invalid(n, "queue range", f"{len(pd.queue)} queue records for [{h.queue_start}, {h.queue_end})")
    if h.time_end < h.time_start:  # the contract refuses it ("time range")
        raise Invalid(n, "time range", f"time_end {h.time_end} is below time_start {h.time_start}")
    try:
        pi = public_input(sub.mode, h, sub.data)
    except PubdataError as e:
        raise Malformed(n, "header", str(e)) from e
    if queue_entries is not None:
        for i, rec in enumerate(pd.queue):
            at = sub.header.queue_start + i
            want = queue_entries.get(at)
            if want is None:
                raise Invalid(n, f"queue record {i}", f"L1 has no queue entry {at}")
            if queue_section.encode_entry(rec.entry) != want:
                raise Invalid(n, f"queue record {i}", f"differs from L1's queue entry {at}")
    try:
        ok = verify(vk, [pi], proof_of(sub.proof))
    except VerifyError as e:
        raise Invalid(n, "proof", f"malformed proof: {e}") from e
    if not ok:
        raise Invalid(n, "proof", "the proof does not hold for the rebuilt public input under the key")
    return pi, pd


def verify_batch(l1: L1, n: int, keys: Sequence[VerifyingKey]) -> BatchResult:
    """Batch n: its verifier's code is one of the trusted `keys`' and its proof holds under it."""
    sub = l1.submission(n)
    addr, code = l1.verifier_code(sub)
    names = [f"BatchVerifier{sub.slots}_{sub.mode.name.lower()}"]
    vk = key_of_code(code, keys, names)
    if vk is None:
        raise Invalid(n, "verifier", f"the verifier at {addr} for {sub.slots} slots is not the trusted key's")
    if vk.n_public == 1 and _as_lists(l1.verifier_points(sub, addr)) != _as_lists(vk_points(vk)):
        raise Invalid(n, "vkPoints", f"the verifier at {addr} returns another key than the trusted one")
    pi, pd = check_submission(sub, vk, l1.queue_entries())
    return BatchResult(n, sub.tx, sub.mode, sub.slots, sub.header, pi, addr, vk_digest(vk), pd)


def _as_lists(x: Any) -> Any:
    """Nested tuples/lists of ints as nested lists (web3 returns either)."""
    return [_as_lists(v) for v in x] if isinstance(x, list | tuple) else int(x)


@dataclass
class ChainResult:
    batches: list[BatchResult] = field(default_factory=list)
    rebuilder: Rebuilder | None = None  # rollup mode: the state after the last batch


def verify_chain(
    l1: L1, keys: Sequence[VerifyingKey], genesis: Genesis | None, to: int | None = None
) -> ChainResult:
    """Batches 0..to (default: every proven one) in order; in rollup mode with `genesis`, the state
    rebuilt from the public data alone must give each batch's new root."""
    last = len(l1.proven()) - 1 if to is None else to
    out = ChainResult(
        rebuilder=Rebuilder(genesis) if genesis is not None and l1.mode is Mode.ROLLUP else None
    )
    for n in range(last + 1):
        res = verify_batch(l1, n, keys)
        if out.rebuilder is not None:
            try:
                root = out.rebuilder.apply(res.public_data)
            except PubdataError as e:
                raise Invalid(n, "publicData", str(e)) from e
            res.new_root_rebuilt = root
            if root != res.header.new_root:
                raise Invalid(n, "new_root", f"rebuilt {root}, submitted {res.header.new_root}")
        out.batches.append(res)
    return out
