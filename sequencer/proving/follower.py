"""The prover stage's follower: the node's journal replayed beside the live node, batch by batch,
into each closed batch's circuit input.

It reads the journal through its own read-only SQLite connection (WAL lets it read while the node
writes) and keeps its own `Exchange(config, records=True)`, so it never touches the node's state.
After a restart it does not replay from genesis when it need not: it starts from the newest
intact snapshot (sequencer.journal.snapshots) taken at or before the close of the batch before
the first one it is asked for, else from genesis.  It is asked for batches in number order; a
request behind its position (a retry after a failed proof) starts it again the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circuits.batch.batch import BatchShape
from protocol.pubdata import collect
from protocol.pubdata.batch import sections_of, state_diff_hash
from protocol.pubdata.fields import Mode
from sequencer.config import ExchangeConfig
from sequencer.journal.snapshots import SnapshotDir
from sequencer.journal.store import Store
from sequencer.node.engine import Engine
from sequencer.prover_inputs import CircuitInputs, circuit_inputs
from sequencer.proving.replay import ClosedBatch, Replayer, ReplayError

__all__ = ["BatchToProve", "Follower"]


@dataclass(frozen=True)
class BatchToProve:
    number: int
    inputs: CircuitInputs  # circuit inputs, public input, public data (protocol.md 7.2, 7.7)
    state_diff: bytes | None  # validium: the global and accounts sections (7.8); rollup: None
    state_diff_hash: bytes | None

    def row_info(self, shape: BatchShape) -> dict[str, Any]:
        """The batch row's `proven` info but the proof and its time (protocol.md 11)."""
        info: dict[str, Any] = {
            "shape": shape.name,
            "slots": shape.slots,
            "mode": shape.mode.name.lower(),
            "public_input": str(self.inputs.public_input),
            "public_data": "0x" + self.inputs.data.hex(),
        }
        if self.state_diff is not None and self.state_diff_hash is not None:
            info["state_diff"] = "0x" + self.state_diff.hex()
            info["state_diff_hash"] = "0x" + self.state_diff_hash.hex()
        return info


def prepare(config: ExchangeConfig, shape: BatchShape, closed: ClosedBatch) -> BatchToProve:
    b = closed.batch
    ci = circuit_inputs(config, shape, b, closed.accounts_before, closed.global_before)
    diff = diff_hash = None
    if shape.mode == Mode.VALIDIUM:
        assert b.witnesses is not None
        roots = collect.orders_roots(b.witnesses)
        pd = collect.public_data(Mode.ROLLUP, b.records, roots, closed.global_before, shape.slots)
        s = sections_of(pd)
        assert s.global_ is not None and s.accounts is not None
        diff, diff_hash = s.global_ + s.accounts, state_diff_hash(s)
    return BatchToProve(b.number, ci, diff, diff_hash)


class Follower:
    def __init__(self, config: ExchangeConfig, data_dir: Path, shape: BatchShape) -> None:
        self.config = config
        self.shape = shape
        self.store = Store(Path(data_dir) / "journal.db", readonly=True)
        self.snapshots = SnapshotDir(Path(data_dir) / "snapshots")
        self.replayer: Replayer | None = None
        self.started_at: int | None = None  # journal seq the current replay started after (tests, logs)

    def close(self) -> None:
        self.store.close()

    def batch(self, number: int) -> BatchToProve:
        """Closed batch `number`'s circuit input."""
        if self.replayer is None or self.replayer.next_number != number:
            self.replayer = self._start(number)
        try:
            closed = self.replayer.close(number)
        except BaseException:
            self.replayer = None  # its exchange may be part way through an entry: start again
            raise
        return prepare(self.config, self.shape, closed)

    def _start(self, number: int) -> Replayer:
        """A replay positioned so that `number` is among the batches it closes next: from the newest
        usable snapshot at or before the close of batch number - 1, else from genesis."""
        if number > 0:
            prev = self.store.batch(number - 1)
            if prev is None:
                raise ReplayError(f"batch {number - 1} is not closed in this journal")
            for seq in reversed(self.snapshots.seqs()):
                if seq > prev.last_seq:
                    continue
                snap = self.snapshots.read(seq)  # None when damaged or pruned meanwhile
                if snap is None:
                    continue
                ex = Engine.restore(self.config, snap.state).ex
                if ex.trees.root != snap.root or ex.trees.batch != ex.batch_number - 1:
                    continue
                self.started_at = seq
                return Replayer(self.config, self.store, ex, seq)
        self.started_at = 0
        return Replayer(self.config, self.store)
