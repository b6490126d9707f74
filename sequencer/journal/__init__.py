"""The node's durable journal: SQLite (WAL, synchronous=FULL), group commit, snapshots, replay.

The journal is format-agnostic: it stores (sequence number, timestamp, kind, body bytes) for every
operation the node accepted, in the order it applied them, and the list of closed batches; state
snapshots at sequence numbers are files beside it (`SnapshotDir`).  `sequencer.journal.replay` rebuilds the exchange state.
"""

from sequencer.journal.snapshots import SnapshotDir
from sequencer.journal.store import Entry, JournalError, JournalIntegrityError, Store
from sequencer.journal.writer import Journal

__all__ = ["Entry", "Journal", "JournalError", "JournalIntegrityError", "SnapshotDir", "Store"]
