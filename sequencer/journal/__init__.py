"""The node's durable journal: SQLite (WAL, synchronous=FULL), group commit, snapshots, replay.

The journal is format-agnostic: it stores (sequence number, timestamp, kind, body bytes) for every
operation the node accepted, in the order it applied them, plus state snapshots at sequence
numbers and the list of closed batches.  `sequencer.journal.replay` rebuilds the exchange state.
"""

from sequencer.journal.store import Entry, JournalError, Snapshot, Store
from sequencer.journal.writer import Journal

__all__ = ["Entry", "Journal", "JournalError", "Snapshot", "Store"]
