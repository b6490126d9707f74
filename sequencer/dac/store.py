"""The member's durable store: every batch it accepted (header, validium public data, state diff),
in SQLite with WAL and synchronous=FULL, so a batch is on disk before the member signs it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batch (
    number      INTEGER PRIMARY KEY,
    header      BLOB NOT NULL,
    public_data BLOB NOT NULL,
    state_diff  BLOB NOT NULL
);
"""


class MemberStoreError(RuntimeError):
    """The data dir belongs to another rollup or committee key, or cannot be opened."""


@dataclass(frozen=True, slots=True)
class StoredBatch:
    number: int
    header: bytes  # 112 bytes (protocol.md 7.1)
    public_data: bytes  # validium framing, as the rollup contract receives it (7.2)
    state_diff: bytes  # global section | accounts section (7.5, 7.6)


class MemberStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise MemberStoreError(f"{path}: cannot switch SQLite to WAL mode (got {mode!r})")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def bind(self, key: str, value: str) -> None:
        """Record `value` for `key` on first use; refuse a data dir made with another one."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
        elif row[0] != value:
            raise MemberStoreError(f"{self.path}: this data dir was made for {key} {row[0]}, not {value}")

    def add(self, b: StoredBatch) -> None:
        """Insert a batch; returns once it is durable (the COMMIT fsyncs the WAL)."""
        self.conn.execute(
            "INSERT INTO batch (number, header, public_data, state_diff) VALUES (?, ?, ?, ?)",
            (b.number, b.header, b.public_data, b.state_diff),
        )

    def get(self, number: int) -> StoredBatch | None:
        row = self.conn.execute("SELECT * FROM batch WHERE number = ?", (number,)).fetchone()
        return None if row is None else _stored(row)

    def all(self) -> Iterator[StoredBatch]:
        for row in self.conn.execute("SELECT * FROM batch ORDER BY number"):
            yield _stored(row)


def _stored(row: tuple[int, bytes, bytes, bytes]) -> StoredBatch:
    number, header, public_data, state_diff = row
    return StoredBatch(int(number), bytes(header), bytes(public_data), bytes(state_diff))
