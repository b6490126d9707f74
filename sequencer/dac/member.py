"""One committee member's logic (protocol.md 7.8): check a batch against its own copy of the state,
store it, sign its dac_hash; and answer what it holds.

A batch is accepted only as the next one (numbers 0, 1, 2, ... without gaps) and only when applying
its state diff to the member's state after the previous batch gives the header's `new_root` (for
batch 0, from the empty genesis tree). Whatever fails changes nothing: the state is restored and
nothing is stored. The signature is over the raw 32-byte dac_hash (no EIP-191 prefix), secp256k1,
deterministic (RFC 6979), so a stored batch is re-signed identically when asked again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import Hash32

from protocol.pubdata.batch import (
    PublicData,
    Sections,
    check_queue_range,
    decode_public_data,
    split,
    state_diff_hash,
)
from protocol.pubdata.dac import dac_hash
from protocol.pubdata.fields import Mode, PubdataError
from protocol.pubdata.header import BatchHeader, decode_header
from protocol.pubdata.rebuild import Genesis, Rebuilder, account_json
from protocol.pubdata.steps.deposit import DepositRecord
from sequencer.dac.store import MemberStore, MemberStoreError, StoredBatch

# the member's stable error codes and their HTTP statuses
STATUS = {
    "malformed_body": 400,
    "bad_batch": 422,
    "wrong_chain": 422,
    "wrong_root": 422,
    "out_of_order": 409,
    "conflict": 409,
    "not_found": 404,
}


class DacError(Exception):
    """A refused request: a stable code, an HTTP status, a message naming what is wrong."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.details = code, message, details or {}
        self.status = STATUS[code]

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


@dataclass(frozen=True)
class Signed:
    number: int
    signer: str  # the member's address, 0x + 40 lowercase hex digits
    signature: bytes  # r (32) | s (32) | v (1: 27 or 28)
    dac_hash: bytes
    state_diff_hash: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "batch": self.number,
            "signer": self.signer,
            "signature": "0x" + self.signature.hex(),
            "dac_hash": "0x" + self.dac_hash.hex(),
            "state_diff_hash": "0x" + self.state_diff_hash.hex(),
        }


@dataclass(frozen=True)
class Parsed:
    header: BatchHeader
    data: PublicData  # rollup form: the validium public data with the state diff's sections
    sections: Sections


def parse(raw: StoredBatch | tuple[bytes, bytes, bytes]) -> Parsed:
    """Decode and check header, validium public data and state diff (global | accounts); DacError
    bad_batch naming the first malformed field."""
    header_b, pd_b, diff_b = (
        (raw.header, raw.public_data, raw.state_diff) if isinstance(raw, StoredBatch) else raw
    )
    try:
        header = decode_header(header_b)
        check_queue_range(header, split(Mode.VALIDIUM, pd_b))
        # the rollup framing of the same batch: what a rollup-mode batch would publish
        framed = bytes([Mode.ROLLUP]) + pd_b[1:] + diff_b
        sections = split(Mode.ROLLUP, framed)
        data = decode_public_data(Mode.ROLLUP, framed)
    except PubdataError as e:
        raise DacError("bad_batch", str(e)) from e
    return Parsed(header, data, sections)


class Member:
    def __init__(
        self, store: MemberStore, key: LocalAccount, rollup_address: int, chain_id: int, genesis: Genesis
    ) -> None:
        self.store, self.key = store, key
        self.rollup_address, self.chain_id = rollup_address, chain_id
        store.bind("rollup", f"{rollup_address:#042x}")
        store.bind("chain_id", str(chain_id))
        store.bind("params_hash", str(genesis.params_hash))
        self.rb = Rebuilder(genesis)
        self.next_batch = 0
        for b in store.all():  # rebuild the state from what was accepted before
            p = parse(b)
            if b.number != self.next_batch or self.rb.apply(p.data) != p.header.new_root:
                raise MemberStoreError(f"{store.path}: stored batch {b.number} does not rebuild its new root")
            self.next_batch += 1

    @property
    def address(self) -> str:
        return str(self.key.address).lower()

    @property
    def state_root(self) -> int | None:
        return None if self.next_batch == 0 else self.rb.root

    def accept(self, header_b: bytes, pd_b: bytes, diff_b: bytes) -> Signed:
        """Check, store durably, then sign a batch; a batch already stored with the same bytes is
        signed again (the node retrying), with other bytes refused (conflict)."""
        p = parse((header_b, pd_b, diff_b))
        h = p.header
        if h.chain_id != self.chain_id:
            raise DacError(
                "wrong_chain", f"header chain_id {h.chain_id}, this committee serves {self.chain_id}"
            )
        if h.batch_number < self.next_batch:
            have = self.store.get(h.batch_number)
            if have is None or (have.header, have.public_data, have.state_diff) != (header_b, pd_b, diff_b):
                raise DacError("conflict", f"batch {h.batch_number} is stored with other data")
            return self._sign(p)
        if h.batch_number > self.next_batch:
            raise DacError(
                "out_of_order",
                f"batch {h.batch_number} before batch {self.next_batch}",
                {"next_batch": self.next_batch},
            )
        if self.next_batch > 0 and h.old_root != self.rb.root:
            raise DacError(
                "wrong_root", f"header old_root {h.old_root} is not this member's root {self.rb.root}"
            )
        self._apply_or_restore(p)
        self.store.add(StoredBatch(h.batch_number, header_b, pd_b, diff_b))  # durable before signing
        self.next_batch += 1
        return self._sign(p)

    def _apply_or_restore(self, p: Parsed) -> None:
        rb = self.rb
        ids = {q.account_id for q in p.data.queue if isinstance(q, DepositRecord)}
        ids |= {d.account_id for d in p.data.accounts if d.account_id}
        states = {a: rb.states.get(a) for a in ids}
        leaves = {a: rb.tree.get(a) for a in ids}
        before = rb.global_state
        try:
            root = rb.apply(p.data)
            if root == p.header.new_root:
                return
            err = DacError(
                "wrong_root",
                f"the state diff gives root {root}, the header's new_root is {p.header.new_root}",
            )
        except PubdataError as e:
            err = DacError("bad_batch", str(e))
        for a, st in states.items():
            if st is None:
                rb.states.pop(a, None)
            else:
                rb.states[a] = st
        rb.tree.set_many(leaves)
        rb.global_state = before
        raise err

    def _sign(self, p: Parsed) -> Signed:
        diff_hash = state_diff_hash(p.sections)
        digest = dac_hash(self.rollup_address, p.header, diff_hash)
        sig = self.key.unsafe_sign_hash(Hash32(digest))
        packed = sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v])
        return Signed(p.header.batch_number, self.address, packed, digest, diff_hash)

    def batch(self, number: int) -> tuple[StoredBatch, Signed]:
        b = self.store.get(number)
        if b is None:
            raise DacError("not_found", f"batch {number} is not held by this member")
        return b, self._sign(parse(b))

    def account(self, account_id: int) -> dict[str, Any]:
        if self.next_batch == 0:
            raise DacError("not_found", "no batch accepted yet")
        try:
            body = account_json(self.rb, account_id)
        except (ValueError, IndexError) as e:
            raise DacError("not_found", f"no account {account_id} in the tree ({e})") from e
        return {"batch": self.next_batch - 1, **body}
