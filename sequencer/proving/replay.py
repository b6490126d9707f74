"""Replaying a node's journal to its closed batches with records and Merkle witnesses: what the
prover needs and the live node does not keep (it hashes batches without witnesses).

A `Replayer` holds an exchange (`Exchange(config, records=True)` from genesis, or restored from a
snapshot) positioned after journal entry `seq`, and closes the batches of the journal in order:
each earlier batch without witnesses (only its new root), the wanted one with them, checking the
replayed new root against the batch row's.  It also keeps the committed state each batch starts
from (global state, accounts root), which the circuit's `start.*` inputs need.  `zkclear batch
witness` (`replay_batch`) and the prover stage's follower (sequencer.proving.follower) both use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from protocol.records import GlobalState
from sequencer.batches import Batch
from sequencer.config import ExchangeConfig
from sequencer.exchange import Exchange
from sequencer.journal.store import Store
from sequencer.node.drafts import BATCH_CLOSE
from sequencer.node.journal_bodies import journal_op

__all__ = ["ClosedBatch", "ReplayError", "Replayer", "replay_batch"]


class ReplayError(ValueError):
    """The journal cannot be replayed to the batch (not closed, rejected entry, another root)."""


@dataclass(frozen=True)
class ClosedBatch:
    """A batch closed on replay with witnesses, and the committed state before it."""

    batch: Batch
    global_before: GlobalState
    accounts_before: int


class Replayer:
    def __init__(
        self, config: ExchangeConfig, store: Store, ex: Exchange | None = None, seq: int = 0
    ) -> None:
        """`ex`: the exchange after journal entry `seq` at a batch boundary's committed trees (every
        sealed batch hashed); default: genesis."""
        self.config = config
        self.store = store
        self.ex = ex if ex is not None else Exchange(config, records=True)
        if not self.ex.records_enabled:
            raise ReplayError("replaying for the prover needs an exchange with records")
        if self.ex.trees.batch != self.ex.batch_number - 1:
            raise ReplayError("the exchange has a sealed batch whose trees are not hashed")
        self.seq = seq
        # the committed state the next batch starts from: only right after a close (or genesis) is
        # the live global state the committed one; otherwise the next close sets it
        self._before: tuple[GlobalState, int] | None = (
            (self.ex.global_state(), self.ex.trees.accounts.root) if self._at_boundary() else None
        )

    def _at_boundary(self) -> bool:
        return not self.ex.pending and (self.seq == 0 or self._last_is_close())

    def _last_is_close(self) -> bool:
        row = self.store.conn.execute("SELECT kind FROM journal WHERE seq = ?", (self.seq,)).fetchone()
        return row is not None and row[0] == BATCH_CLOSE

    @property
    def next_number(self) -> int:
        """The number of the next batch this replay closes."""
        return self.ex.batch_number

    def close(self, number: int) -> ClosedBatch:
        """Replay up to batch `number`'s close entry (it must be the next batch or a later one) and
        close it with witnesses."""
        if number < self.ex.batch_number:
            raise ReplayError(f"batch {number} is behind this replay (next is {self.ex.batch_number})")
        row = self.store.batch(number)
        if row is None:
            raise ReplayError(f"batch {number} is not closed in this journal")
        ex = self.ex
        for entry in self.store.entries(after=self.seq, upto=row.last_seq):
            self.seq = entry.seq
            if entry.kind == BATCH_CLOSE:
                got = json.loads(entry.body)["number"]
                if got != ex.batch_number:
                    raise ReplayError(
                        f"journal seq {entry.seq} closes batch {got}, replay is at {ex.batch_number}"
                    )
                if got == number:
                    if self._before is None:
                        raise ReplayError(
                            f"replay started inside batch {number}: its starting state is unknown"
                        )
                    g0, acc0 = self._before
                    b = ex.close_batch(witness=True)
                    if b.new_root != int(row.new_root):
                        raise ReplayError(f"replayed batch {number} ends at another root than the journal's")
                    self._closed()
                    return ClosedBatch(b, g0, acc0)
                ex.close_batch(witness=False)
                self._closed()
                continue
            res = ex.apply(journal_op(entry.kind, entry.body), verify=False)
            if not res.ok:
                raise ReplayError(f"journal seq {entry.seq} was rejected on replay: {res.code}")
        raise ReplayError(f"the journal ends before batch {number} closes")

    def _closed(self) -> None:
        ex = self.ex
        ex.trees.forget_before(ex.trees.batch)  # no account proofs here: keep no older tree history
        self._before = (ex.global_state(), ex.trees.accounts.root)


def replay_batch(config: ExchangeConfig, store: Store, number: int) -> tuple[Batch, GlobalState, int]:
    """The node's closed batch `number`, replayed from genesis with records and witnesses, and the
    committed global state and accounts root before it."""
    c = Replayer(config, store).close(number)
    return c.batch, c.global_before, c.accounts_before
