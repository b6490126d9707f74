"""SQLite storage of the journal: schema, durable settings and the synchronous read/write calls.

One database file holds three tables (state snapshots are files: sequencer.journal.snapshots):
- `journal(seq, ts, kind, body)`: every accepted operation in apply order; seq starts at 1 and has
  no gaps, so replaying seq 1..n rebuilds the state after n operations.
- `batch(number, ...)`: closed batches (a derived index: replay recreates them) with the proof and
  L1 status fields that the prover and L1 client fill in later.
- `meta(key, value)`: format version and the genesis parameters the data dir was created with.

Durability: WAL mode with synchronous=FULL, so a COMMIT returns only after the WAL is fsynced.
A `Store` is used from one thread at a time (the writer thread, or a reader on its own
connection); SQLite's WAL lets readers run beside the one writer.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

FORMAT_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (
    seq  INTEGER PRIMARY KEY,
    ts   INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS batch (
    number    INTEGER PRIMARY KEY,
    first_seq INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL,
    old_root  TEXT NOT NULL,
    new_root  TEXT NOT NULL,
    closed_ts INTEGER NOT NULL,
    n_ops     INTEGER NOT NULL,
    status    TEXT NOT NULL,
    info      TEXT NOT NULL
);
"""


class JournalError(RuntimeError):
    """The journal cannot be opened or written, or its contents are inconsistent."""


class JournalIntegrityError(JournalError):
    """The journal lost acknowledged entries or is damaged: the node refuses to serve from it
    (`zkclear node` exits with EXIT_CODE and this message)."""

    EXIT_CODE = 3


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    ts: int
    kind: str
    body: bytes


@dataclass(frozen=True, slots=True)
class BatchRow:
    number: int
    first_seq: int
    last_seq: int
    old_root: str
    new_root: str
    closed_ts: int
    n_ops: int
    status: str
    info: dict[str, Any]


def connect(path: Path | str, *, autocheckpoint: int = 10000, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) a journal database with the durable settings.  `autocheckpoint`:
    the WAL pages after which a commit on this connection checkpoints by itself (0: never).
    `readonly`: a connection that cannot write (a follower beside the live node; WAL lets it read
    while the node writes)."""
    if readonly:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=10000")
        return conn
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        conn.close()
        raise JournalError(f"{path}: cannot switch SQLite to WAL mode (got {mode!r})")
    conn.execute("PRAGMA synchronous=FULL")
    # Connections other than the live writer checkpoint by themselves as the WAL grows; the live
    # writer passes 0 and leaves checkpoints to its own thread (sequencer.journal.writer).
    conn.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint)}")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


T = TypeVar("T")


def _locked(fn: Callable[..., T]) -> Callable[..., T]:
    """Run a Store method under the store's lock, refusing once the store is closed: the node's
    stages call one store from worker threads, and sqlite3 crashes (not raises) on a connection
    closed while another thread is inside it."""

    @functools.wraps(fn)
    def run(self: Store, *args: Any, **kw: Any) -> T:
        with self._lock:
            if self._closed:
                raise JournalError(f"{self.path}: the store is closed")
            return fn(self, *args, **kw)

    return run


class Store:
    """Synchronous access to one journal database through one connection, which worker threads may
    share: every use holds the store's lock (a long `entries` scan takes it per chunk)."""

    def __init__(
        self,
        path: Path | str,
        *,
        fault_commit_delay_s: float = 0.0,
        autocheckpoint: int = 10000,
        readonly: bool = False,
    ) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._closed = False
        # Fault injection for crash tests: hold each transaction open this long before COMMIT, as a
        # slow disk would, so a SIGKILL often lands between "written" and "durable".
        self.fault_commit_delay_s = fault_commit_delay_s
        self.conn = connect(self.path, autocheckpoint=autocheckpoint, readonly=readonly)
        if not readonly:
            self.conn.executescript(SCHEMA)
        version = self.get_meta("format")
        if version is None and not readonly:
            self.set_meta("format", str(FORMAT_VERSION))
        elif version is not None and version != str(FORMAT_VERSION):
            raise JournalError(f"{path}: journal format {version}, this node reads {FORMAT_VERSION}")

    def close(self) -> None:
        """Close the connection once no thread is inside it; later calls raise JournalError."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self.conn.close()

    @_locked
    def quick_check(self) -> list[str]:
        """SQLite's `PRAGMA quick_check` (page and b-tree structure of every table, not the index
        contents): [] when the file is sound, else the problems it reports."""
        try:
            rows = [str(r[0]) for r in self.conn.execute("PRAGMA quick_check(20)").fetchall()]
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if rows == ["ok"] else rows

    # -- meta ---------------------------------------------------------------------------------
    @_locked
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @_locked
    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- journal ------------------------------------------------------------------------------
    @_locked
    def last_seq(self) -> int:
        row = self.conn.execute("SELECT MAX(seq) FROM journal").fetchone()
        return int(row[0] or 0)

    def entries(self, after: int = 0, upto: int | None = None) -> Iterator[Entry]:
        """Entries with after < seq <= upto, in order, streamed in chunks."""
        last = after
        while True:
            if upto is not None and last >= upto:
                return
            rows = self._chunk(last, upto if upto is not None else (1 << 62))
            if not rows:
                return
            for seq, ts, kind, body in rows:
                if seq != last + 1:
                    raise JournalError(f"{self.path}: journal has a gap after seq {last} (next is {seq})")
                last = seq
                yield Entry(seq, ts, kind, bytes(body))

    @_locked
    def _chunk(self, after: int, upto: int) -> list[tuple[int, int, str, bytes]]:
        return self.conn.execute(
            "SELECT seq, ts, kind, body FROM journal WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 4096",
            (after, upto),
        ).fetchall()

    @_locked
    def numbers_with_status(self, status: str, limit: int) -> list[int]:
        """The lowest `limit` batch numbers whose status is `status`, in order."""
        rows = self.conn.execute(
            "SELECT number FROM batch WHERE status = ? ORDER BY number LIMIT ?", (status, limit)
        ).fetchall()
        return [int(n) for (n,) in rows]

    def write(
        self,
        entries: Sequence[Entry],
        batches: Sequence[BatchRow] = (),
    ) -> None:
        """Write entries and batch rows in one transaction; returns once it is durable."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if entries:
                conn.executemany(
                    "INSERT INTO journal (seq, ts, kind, body) VALUES (?, ?, ?, ?)",
                    [(e.seq, e.ts, e.kind, e.body) for e in entries],
                )
            for b in batches:
                # A batch replayed after a restart keeps the status the prover/L1 client gave it.
                conn.execute(
                    "INSERT OR IGNORE INTO batch (number, first_seq, last_seq, old_root, new_root, closed_ts,"
                    " n_ops, status, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        b.number,
                        b.first_seq,
                        b.last_seq,
                        b.old_root,
                        b.new_root,
                        b.closed_ts,
                        b.n_ops,
                        b.status,
                        json.dumps(b.info, sort_keys=True),
                    ),
                )
            if self.fault_commit_delay_s:
                time.sleep(self.fault_commit_delay_s)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # -- batches ------------------------------------------------------------------------------
    @_locked
    def batches(
        self, *, after: int | None = None, limit: int = 100, newest_first: bool = True
    ) -> list[BatchRow]:
        order = "DESC" if newest_first else "ASC"
        if after is None:
            rows = self.conn.execute(
                f"SELECT * FROM batch ORDER BY number {order} LIMIT ?", (limit,)
            ).fetchall()
        else:
            cmp = "<" if newest_first else ">"
            rows = self.conn.execute(
                f"SELECT * FROM batch WHERE number {cmp} ? ORDER BY number {order} LIMIT ?", (after, limit)
            ).fetchall()
        return [_batch(r) for r in rows]

    @_locked
    def batch(self, number: int) -> BatchRow | None:
        row = self.conn.execute("SELECT * FROM batch WHERE number = ?", (number,)).fetchone()
        return None if row is None else _batch(row)

    @_locked
    def last_batch(self) -> BatchRow | None:
        row = self.conn.execute("SELECT * FROM batch ORDER BY number DESC LIMIT 1").fetchone()
        return None if row is None else _batch(row)

    @_locked
    def first_batch_in(self, statuses: Sequence[str], start: int = 0) -> BatchRow | None:
        """The lowest-numbered batch from `start` on whose status is one of `statuses`."""
        marks = ",".join("?" * len(statuses))
        row = self.conn.execute(
            f"SELECT * FROM batch WHERE number >= ? AND status IN ({marks}) ORDER BY number LIMIT 1",
            (start, *statuses),
        ).fetchone()
        return None if row is None else _batch(row)

    @_locked
    def batch_status_counts(self) -> dict[str, int]:
        """How many batches have each status (metrics)."""
        rows = self.conn.execute("SELECT status, COUNT(*) FROM batch GROUP BY status").fetchall()
        return {str(s): int(n) for s, n in rows}

    @_locked
    def set_batch_status(self, number: int, status: str, info: dict[str, Any]) -> None:
        """Record proof / L1 progress of a batch (merged into its info object)."""
        row = self.batch(number)
        if row is None:
            raise JournalError(f"no batch {number}")
        merged = {**row.info, **info}
        self.conn.execute(
            "UPDATE batch SET status = ?, info = ? WHERE number = ?",
            (status, json.dumps(merged, sort_keys=True), number),
        )


def _batch(row: tuple[Any, ...]) -> BatchRow:
    number, first_seq, last_seq, old_root, new_root, closed_ts, n_ops, status, info = row
    return BatchRow(
        int(number),
        int(first_seq),
        int(last_seq),
        old_root,
        new_root,
        int(closed_ts),
        int(n_ops),
        status,
        json.loads(info),
    )
