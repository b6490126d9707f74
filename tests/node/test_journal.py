"""The SQLite journal: durable settings, ordered group commit, snapshots, batches, failure handling."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from sequencer.journal import Journal, JournalError, SnapshotDir, Store
from sequencer.journal.store import BatchRow


def test_store_uses_wal_and_full_sync(tmp_path: Path) -> None:
    store = Store(tmp_path / "j.db")
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()


def test_group_commit_orders_and_acks(tmp_path: Path) -> None:
    async def main() -> tuple[list[int], int]:
        j = Journal(tmp_path / "j.db")
        j.start()
        seqs: list[int] = []

        async def one(i: int) -> None:
            seq = j.append("order", f"body{i}".encode(), ts=1000 + i)
            await j.wait_durable(seq)
            assert j.durable_seq >= seq
            seqs.append(seq)

        await asyncio.gather(*(one(i) for i in range(500)))
        commits = j.commits
        await j.close()
        return seqs, commits

    seqs, commits = asyncio.run(main())
    assert sorted(seqs) == list(range(1, 501))
    assert commits < 500  # concurrent appends shared fsyncs
    store = Store(tmp_path / "j.db")
    entries = list(store.entries())
    assert [e.seq for e in entries] == list(range(1, 501))
    assert [e.body for e in entries] == [f"body{i}".encode() for i in range(500)]
    assert [e.ts for e in entries] == [1000 + i for i in range(500)]
    assert [e.seq for e in store.entries(after=100, upto=105)] == [101, 102, 103, 104, 105]
    store.close()


def test_reopen_continues_sequence(tmp_path: Path) -> None:
    async def session(n: int) -> None:
        j = Journal(tmp_path / "j.db")
        j.start()
        for i in range(n):
            j.append("op", bytes([i]), ts=i)
        await j.flush()
        await j.close()

    asyncio.run(session(10))
    asyncio.run(session(10))
    store = Store(tmp_path / "j.db")
    assert store.last_seq() == 20
    assert [e.body for e in store.entries(after=9, upto=11)] == [bytes([9]), bytes([0])]
    store.close()


def test_snapshot_files(tmp_path: Path) -> None:
    snaps = SnapshotDir(tmp_path / "snaps")
    for seq in (5, 15, 25):
        snaps.write(seq, 10**70 + seq, b"state %d" % seq)
    assert snaps.seqs() == [5, 15, 25]
    got = snaps.latest()
    assert got is not None and (got.seq, got.root, got.state) == (25, 10**70 + 25, b"state 25")
    assert snaps.latest(at_most=20).seq == 15  # type: ignore[union-attr]
    assert snaps.latest(at_most=4) is None
    # a damaged newest file is ignored, the previous one is used
    path = tmp_path / "snaps" / f"snap-{25:020d}.bin"
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    assert snaps.latest().seq == 15  # type: ignore[union-attr]
    (tmp_path / "snaps" / ".snap-00000000000000000030.999999999.tmp").write_bytes(b"half")
    snaps.prune()
    assert snaps.seqs() == [15, 25]
    assert not list((tmp_path / "snaps").glob(".snap-*"))


def test_batches_keep_status_across_replay(tmp_path: Path) -> None:
    row = BatchRow(1, 1, 10, "0", "5", 123, 10, "closed", {"proof": None})

    async def write() -> None:
        j = Journal(tmp_path / "j.db")
        j.start()
        j.append("op", b"x", ts=0)
        j.add_batch(row)
        await j.flush()
        await j.close()

    asyncio.run(write())
    store = Store(tmp_path / "j.db")
    store.set_batch_status(1, "proven", {"proof": {"a": 1}})
    store.close()
    asyncio.run(write())  # a replay re-adds batch 1: its status must survive
    store = Store(tmp_path / "j.db")
    b = store.batch(1)
    assert b is not None and b.status == "proven" and b.info == {"proof": {"a": 1}}
    assert [x.number for x in store.batches()] == [1]
    with pytest.raises(JournalError):
        store.set_batch_status(9, "proven", {})
    store.close()


def test_gap_in_journal_is_detected(tmp_path: Path) -> None:
    store = Store(tmp_path / "j.db")
    from sequencer.journal.store import Entry

    store.write([Entry(1, 0, "a", b""), Entry(3, 0, "a", b"")])
    with pytest.raises(JournalError, match="gap"):
        list(store.entries())
    store.close()


def test_write_failure_fails_waiters_and_refuses_appends(tmp_path: Path) -> None:
    async def main() -> None:
        j = Journal(tmp_path / "j.db")
        j.start()
        await j.wait_durable(j.append("op", b"a", ts=0))
        # A duplicate primary key makes the next transaction fail inside the writer thread.
        j.next_seq = 1
        j.append("op", b"b", ts=0)
        seq = j.append("op", b"c", ts=0)
        with pytest.raises(JournalError):
            await j.wait_durable(seq)
        assert j.failed is not None
        with pytest.raises(JournalError):
            j.append("op", b"c", ts=0)
        await j.close()

    asyncio.run(main())
    store = Store(tmp_path / "j.db")
    assert [e.body for e in store.entries()] == [b"a"]  # the failed transaction left nothing
    store.close()


def test_foreign_format_is_refused(tmp_path: Path) -> None:
    Store(tmp_path / "j.db").close()
    conn = sqlite3.connect(tmp_path / "j.db")
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="format 99"):
        Store(tmp_path / "j.db")


def frames_not_copied_back(path: Path) -> int:
    """WAL frames not yet checkpointed into the database file."""
    # the wal-index (-shm) header, https://sqlite.org/walformat.html: mxFrame (u32 at byte 16,
    # the WAL's last valid frame) and nBackfill (u32 at byte 96, frames checkpointed so far)
    shm = Path(f"{path}-shm").read_bytes()
    return int.from_bytes(shm[16:20], sys.byteorder) - int.from_bytes(shm[96:100], sys.byteorder)


def test_checkpoint_held_back_by_a_reader_finishes_without_new_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader's snapshot stops a PASSIVE checkpoint short of the WAL's end; once the reader is
    gone the checkpointer finishes the job on its next round, though nothing new was committed."""
    from sequencer.journal import writer

    monkeypatch.setattr(writer, "CHECKPOINT_EVERY_S", 0.05)
    path = tmp_path / "j.db"

    async def main() -> tuple[int, int]:
        j = Journal(path)
        j.start()
        for i in range(5):
            await j.wait_durable(j.append("k", b"before", i))
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM journal").fetchone()  # pins a snapshot of 5 entries
        for i in range(5):
            await j.wait_durable(j.append("k", b"after", i))
        await asyncio.sleep(0.5)  # several rounds, each stopped at the reader's snapshot
        held_back = frames_not_copied_back(path)
        reader.execute("ROLLBACK")
        reader.close()
        await asyncio.sleep(0.5)  # no commits from here on
        finished = frames_not_copied_back(path)
        await j.close()
        return held_back, finished

    held_back, finished = asyncio.run(main())
    assert held_back > 0
    assert finished == 0


class _CheckpointFailsOnce:
    """A real SQLite connection whose first WAL checkpoint fails, as a locked database's would."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.failed = 0

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if "wal_checkpoint" in sql and not self.failed:
            self.failed += 1
            raise sqlite3.OperationalError("database is locked")
        return self._conn.execute(sql, *args)

    def close(self) -> None:
        self._conn.close()


@pytest.mark.parametrize("connect_delay_s", [0.0, 0.3])
def test_checkpoint_after_an_error_or_a_slow_start_needs_no_new_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connect_delay_s: float
) -> None:
    """A checkpoint that raised is retried on the next round; and a commit made while the
    checkpointer was still connecting is checkpointed; both with no commit after it."""
    from sequencer.journal import store, writer

    conns: list[_CheckpointFailsOnce] = []

    def connect(path: Path | str) -> _CheckpointFailsOnce:
        time.sleep(connect_delay_s)  # a slow open: the writer commits meanwhile
        conns.append(_CheckpointFailsOnce(store.connect(path)))
        return conns[-1]

    monkeypatch.setattr(writer, "connect", connect)
    monkeypatch.setattr(writer, "CHECKPOINT_EVERY_S", 0.05)
    path = tmp_path / "j.db"

    async def main() -> int:
        j = Journal(path)
        j.start()
        await j.wait_durable(j.append("k", b"only", 0))  # the only commit
        for _ in range(40):  # up to 2 s of rounds
            await asyncio.sleep(0.05)
            if conns and conns[0].failed and frames_not_copied_back(path) == 0:
                break
        left = frames_not_copied_back(path)
        assert j.commits == 1
        await j.close()
        return left

    assert asyncio.run(main()) == 0
    assert conns[0].failed == 1
