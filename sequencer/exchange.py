"""The exchange core: a deterministic state machine over serialisable operations.

    ex = Exchange(config)
    result = ex.apply(op)            # Result(ok, seq, code, message, events, record)
    batch = ex.close_batch()         # records of the pending batch + Merkle witnesses + roots
    blob = ex.snapshot(); ex2 = Exchange.restore(blob)

`apply` is a pure function of (state, op): time comes from `op.time` (the node stamps it), nothing
reads a clock or a random source, so replaying the journal of applied operations from genesis
rebuilds the same state and root.  A rejected operation changes nothing: every mutation made while
applying an operation is logged with its inverse and rolled back if the operation is rejected part
way (the same log gives savepoints inside matching, e.g. to undo a fill that fails a margin check).

Operations live one per module in `sequencer.ops`; each module holds the operation's dataclass and
its rule.  The state and the mutation API the rules use (undo log, margin, balances, resting orders,
step records) are `sequencer.ledger.Ledger`, which `Exchange` extends with applying operations
(dispatch over `sequencer.ops.HANDLERS`), signatures (`sequencer.signatures`), batches
(`sequencer.batches`), queries and snapshots (`sequencer.codec`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.records import AccountState, OpRecord
from protocol.slots import Usage, usage
from sequencer import batches, signatures
from sequencer.batches import Batch, SealedBatch
from sequencer.book import RestingOrder
from sequencer.codec import BATCH_KEYS, restore_exchange, snapshot_exchange, snapshot_state
from sequencer.config import ExchangeConfig
from sequencer.ledger import Ledger
from sequencer.margin import Risk
from sequencer.ops import HANDLERS
from sequencer.state import UndoEntry
from sequencer.state_tree import AccountProof

__all__ = ["Batch", "Exchange", "Result", "Risk", "SealedBatch"]

_TIME_LIMIT = 1 << C.TIME_BITS


@dataclass(slots=True)
class Result:
    """Outcome of `Exchange.apply`.  ok=False: rejected with `code`, nothing changed."""

    ok: bool
    seq: int | None
    code: ErrorCode | None
    message: str
    events: tuple[Any, ...]
    record: OpRecord | None


class Exchange(Ledger):
    # ---- applying operations -------------------------------------------------------------------------
    def apply(self, op: Any, *, verify: bool = True, validate: bool = True) -> Result:
        """Apply one operation.  verify=False skips signature checks: for operations whose
        signatures the caller has checked (`verify_signatures`, batched and native) and for replays.
        validate=False skips `op.validate()` (field types and bounds) for a caller that has run the
        same checks on the operation's message already (the node, once per request)."""
        handler = HANDLERS.get(type(op))
        if handler is None:
            return Result(
                False, None, ErrorCode.MALFORMED, f"unknown operation {type(op).__name__}", (), None
            )
        undo: list[UndoEntry] = []  # fresh undo, step and event logs for this operation
        self.undo = undo
        if self._steps:  # only add_step appends, and only with records on
            self._steps = []
        self.events = []
        try:
            t = op.time
            if type(t) is not int or not 0 <= t < _TIME_LIMIT:
                raise Rejected(ErrorCode.MALFORMED, "op.time must be an integer unix time (seconds)")
            now = self.now
            if t != now:
                if t < now:
                    raise Rejected(
                        ErrorCode.TIME_WENT_BACKWARDS, f"time {t} is before the last operation's {now}"
                    )
                undo.append((setattr, self, "now", now))
                self.now = t
            if validate:
                try:
                    op.validate()
                except (AttributeError, TypeError, ValueError) as e:  # fields of the wrong shape
                    raise Rejected(ErrorCode.MALFORMED, f"malformed {type(op).__name__}: {e}") from e
            if verify:
                self.check_signatures(op)
            if self.expiry_times and self.expiry_times[0] < t:
                self.expire_orders(t)
            handler(self, op)
        except Rejected as e:
            self.rollback_to(0)
            return Result(False, None, e.code, e.message, (), None)
        except BaseException:
            self.rollback_to(0)
            raise
        if self._steps and self.batch_capacity is not None:
            code = self._batch_room(usage(self._steps))
            if code is not None:
                self.rollback_to(0)
                why = (
                    "the pending batch is full"
                    if code is ErrorCode.BATCH_FULL
                    else "more than one batch holds"
                )
                return Result(False, None, code, f"the operation's steps need {why}", (), None)
        seq = self.seq
        self.seq = seq + 1
        record = None
        if self._steps:
            record = OpRecord(seq, op, tuple(self._steps))
            self.pending.append(record)
        return Result(True, seq, None, "", tuple(self.events), record)

    def _batch_room(self, need: Usage) -> ErrorCode | None:
        """None when the pending batch has room for `need` (and counts it in), else why not."""
        cap = self.batch_capacity
        assert cap is not None
        n = len(self.pending)
        if self._usage_records != n:  # a batch was sealed (or the state restored): count again
            self._usage = usage(s for r in self.pending for s in r.steps)
            self._usage_records = n
        if not need.fits(cap):
            return ErrorCode.OPERATION_TOO_LARGE
        total = self._usage + need
        if not total.fits(cap):
            return ErrorCode.BATCH_FULL
        self._usage = total
        self._usage_records = n + 1
        return None

    def apply_all(self, ops: Iterable[Any], *, verify: bool = True) -> list[Result]:
        return [self.apply(op, verify=verify) for op in ops]

    @classmethod
    def replay(cls, config: ExchangeConfig, ops: Iterable[Any], *, verify: bool = False) -> Exchange:
        """Genesis + every operation in order (the journal); rejected ones change nothing."""
        ex = cls(config)
        for op in ops:
            ex.apply(op, verify=verify)
        return ex

    # ---- signatures ----------------------------------------------------------------------------------
    def signed_parts(self, op: Any) -> list[tuple[Any, Any, Any]]:
        """(public key, message, signature) triples an operation must carry valid signatures for."""
        return signatures.signed_parts(self, op)

    def check_signatures(self, op: Any) -> None:
        signatures.check_signatures(self, op)

    def verify_signatures(self, ops: Sequence[Any]) -> list[bool]:
        """Check the signatures of many operations at once (message hashes and EdDSA both batched
        in native code); True where every signature of the operation is valid.  An operation whose
        signer is unknown (no such account yet) reports False."""
        return signatures.verify_signatures(self, ops)

    # ---- batches -------------------------------------------------------------------------------------
    @property
    def state_root(self) -> int:
        """Root of the committed state (as of the last closed batch)."""
        return self.trees.root

    def close_batch(self, *, witness: bool = True) -> Batch:
        """Seal the pending records into a batch and advance the committed state to the current
        one.  witness=True computes every step's Merkle paths (what the prover needs);
        witness=False only the new root, hashing each touched node once."""
        return batches.hash_batch(self, batches.seal_batch(self), witness=witness)

    def seal_batch(self) -> SealedBatch:
        """First half of close_batch: fix the batch's records, number and L1 queue range and
        start the next batch.  Cheap; the caller may go on applying operations (they never touch
        the trees) and run hash_batch later, on another thread, in sealing order."""
        return batches.seal_batch(self)

    def hash_batch(self, sealed: SealedBatch, *, witness: bool = False) -> Batch:
        """Second half of close_batch: apply a sealed batch to the state trees (the expensive
        part) and record it in the per-batch history.  Sealed batches must be hashed in order."""
        return batches.hash_batch(self, sealed, witness=witness)

    def account_proof(self, account_id: int, batch: int | None = None) -> AccountProof:
        """The account's leaf, preimage and Merkle path against the root of a closed batch
        (default: the last; older ones until `trees.forget_before`)."""
        return self.trees.proof(account_id, batch)

    def current_root(self) -> int:
        """Root of the current state (pending records included), computed on a copy of the
        committed trees; costs a batched hashing of the pending changes."""
        return batches.current_root(self)

    # ---- queries -------------------------------------------------------------------------------------
    def liquidatable_accounts(self) -> list[int]:
        ids = sorted(set().union(*(self.holders[mk.id] for mk in self.active)))
        return [a for a in ids if self.risk(self.accounts[a]).liquidatable]

    def keeper_accounts(self) -> list[int]:
        """The accounts the keeper has work for: the liquidatable ones and those whose auction
        should end (no longer liquidatable, or flat)."""
        ids = set(self.liquidatable_accounts())
        for a in self.in_auction:
            acct = self.accounts[a]
            if not acct.has_positions() or not self.risk(acct).liquidatable:
                ids.add(a)
        return sorted(ids)

    def book_levels(self, market_id: int, depth: int = 20) -> dict[str, list[tuple[int, int]]]:
        mk = self.market(market_id)
        return {"bids": mk.book.bids.depth(depth), "asks": mk.book.asks.depth(depth)}

    def open_orders(self, account_id: int) -> list[RestingOrder]:
        return sorted(self.account(account_id).live.values(), key=lambda o: o.seq)

    def account_state(self, account_id: int) -> AccountState:
        return self.account(account_id).state()

    # ---- snapshots -----------------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        return snapshot_exchange(self)

    @classmethod
    def restore(cls, blob: bytes) -> Exchange:
        return restore_exchange(cls, blob)

    def digest(self, *, batches: bool = True) -> str:
        """A hash of the whole state (books and sequencer bookkeeping included); batches=False
        leaves out batch progress (closed batches, pending records, committed trees), which
        depends on when batches were closed, not on the operations."""
        state = snapshot_state(self)
        if not batches:
            for k in BATCH_KEYS:
                del state[k]
        return hashlib.sha256(json.dumps(state, separators=(",", ":")).encode()).hexdigest()
