"""Group commit: one writer thread makes many concurrently appended entries durable with one fsync.

The event loop appends entries (assigning consecutive sequence numbers in apply order) without
blocking; the writer thread takes everything queued since its last commit, writes it in one
SQLite transaction (WAL + synchronous=FULL: COMMIT returns after the fsync) and then tells the loop
which sequence number is durable.  While one commit is being fsynced the next group gathers, so
throughput grows with load while an idle node commits a lone entry at once (no timer delay).

Checkpoints (copying the WAL back into the database file, with its own fsync) are taken off the
commit path: the writer's connection never checkpoints by itself (SQLite's automatic checkpoint
runs inside a COMMIT, and a large one stalled every acknowledgement behind it for tens of ms);
a low-priority checkpointer thread with its own connection runs small PASSIVE checkpoints
instead, every CHECKPOINT_EVERY_S while there are new commits (a PASSIVE checkpoint never blocks
the writer, and commits are durable in the WAL whether or not they were checkpointed).

Acknowledged entries are checked at open.  After each commit the writer records the last durable
seq in `<journal>.acked` beside the database (a plain file outside SQLite's WAL: a pwrite, no
fsync of its own; it is written only after the WAL's fsync, so it never runs ahead of the journal,
and it survives a killed process, which is what loses a WAL in practice: deleted or truncated by
hand or by a tool).  Opening a journal that ends before that seq, or that fails SQLite's
`quick_check`, raises JournalIntegrityError: the node refuses to serve rather than start from a
journal that lost acknowledged operations.

A failed write is fatal: the in-memory state is then ahead of the durable journal, so every
waiter gets the error and the journal refuses further appends; the node must restart and
replay (which rebuilds exactly the durable prefix).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sequencer.journal.store import BatchRow, Entry, JournalError, JournalIntegrityError, Store, connect

CHECKPOINT_EVERY_S = 0.5

Item = Entry | BatchRow


class Journal:
    """The durable, ordered log of accepted operations, with awaitable durability."""

    def __init__(
        self,
        path: Path | str,
        *,
        fault_commit_delay_s: float = 0.0,
        checkpoint_every_s: float | None = None,
    ) -> None:
        self.path = Path(path)
        self.checkpoint_every_s = checkpoint_every_s
        self.acked_path = self.path.with_name(self.path.name + ".acked")
        acked = read_acked(self.acked_path)
        # owned by the writer thread once started
        # the checkpointer thread checkpoints, never a COMMIT of the writer's own connection
        self.store = Store(self.path, fault_commit_delay_s=fault_commit_delay_s, autocheckpoint=0)
        self.reader = Store(self.path)  # for reads from the event loop thread
        try:
            check_integrity(self.store, acked)
        except JournalIntegrityError:
            self.store.close()
            self.reader.close()
            raise
        self.next_seq = self.store.last_seq() + 1
        self._acked_fd = os.open(self.acked_path, os.O_RDWR | os.O_CREAT, 0o644)
        write_acked(self._acked_fd, self.next_seq - 1, sync=True)
        self.durable_seq = self.next_seq - 1
        self.commits = 0  # number of transactions written (group commit factor = entries / commits)
        self._items: list[Item] = []
        self._cond = threading.Condition()
        self._stopping = False
        self._error: BaseException | None = None
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._tiebreak = itertools.count()
        self._listeners: list[Callable[[int], None]] = []
        self._pushed = 0  # items handed to the writer (entries, batch rows)
        self._written = 0  # ... of which committed
        self._written_waiters: list[asyncio.Future[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._checkpointer: threading.Thread | None = None
        self._checkpoint_stop = threading.Event()
        # optional latency trace (sequencer.node.latency.LatencyTrace): commit times, group sizes
        self.trace: Any = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="journal-checkpoint", daemon=True
        )
        self._checkpointer.start()

    async def close(self) -> None:
        """Make everything appended durable, then stop the writer and close the database."""
        if self._thread is not None:
            with self._cond:
                self._stopping = True
                self._cond.notify()
            await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
            self._thread = None
        if self._checkpointer is not None:
            self._checkpoint_stop.set()
            await asyncio.get_running_loop().run_in_executor(None, self._checkpointer.join)
            self._checkpointer = None
        final = self.store.last_seq()  # every commit is done: all of it is durable
        self.store.close()
        self.reader.close()
        write_acked(self._acked_fd, final, sync=True)
        os.close(self._acked_fd)

    @property
    def failed(self) -> BaseException | None:
        return self._error

    def add_listener(self, fn: Callable[[int], None]) -> None:
        """fn(durable_seq) is called on the loop thread after each commit."""
        self._listeners.append(fn)

    # -- appending (event loop thread) --------------------------------------------------------
    def append(self, kind: str, body: bytes, ts: int) -> int:
        """Queue an entry; returns its sequence number.  Await `wait_durable(seq)` before acking."""
        if self._error is not None:
            raise JournalError(f"journal is failed: {self._error}")
        seq = self.next_seq
        self.next_seq += 1
        self._push(Entry(seq, ts, kind, body))
        return seq

    def add_batch(self, row: BatchRow) -> None:
        self._push(row)

    def _push(self, item: Item) -> None:
        if self._thread is None:
            raise JournalError("journal writer is not started")
        with self._cond:
            self._items.append(item)
            self._pushed += 1
            self._cond.notify()

    async def wait_written(self) -> None:
        """Return once everything pushed so far (entries, batch rows) is committed."""
        target = self._pushed
        while self._written < target:
            if self._error is not None:
                raise JournalError(f"journal is failed: {self._error}")
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._written_waiters.append(fut)
            await fut

    @property
    def last_seq(self) -> int:
        return self.next_seq - 1

    async def wait_durable(self, seq: int) -> None:
        """Return once every entry up to seq is durable (raise if the journal failed)."""
        if self._error is not None:
            raise JournalError(f"journal is failed: {self._error}")
        if seq <= self.durable_seq:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (seq, next(self._tiebreak), fut))
        await fut

    async def flush(self) -> None:
        await self.wait_durable(self.last_seq)

    # -- writer thread ------------------------------------------------------------------------
    def _run(self) -> None:
        assert self._loop is not None
        while True:
            with self._cond:
                while not self._items and not self._stopping:
                    self._cond.wait()
                if not self._items and self._stopping:
                    return
                items, self._items = self._items, []
            entries = [i for i in items if isinstance(i, Entry)]
            batches = [i for i in items if isinstance(i, BatchRow)]
            t = time.perf_counter()
            try:
                self.store.write(entries, batches)
            except BaseException as exc:  # the state is now ahead of the journal: stop everything
                self._error = exc
                self._call(self._on_failed, exc)
                return
            self.commits += 1
            if entries:
                write_acked(self._acked_fd, entries[-1].seq)
            if self.trace is not None:
                self.trace.add("journal_commit_thread", time.perf_counter() - t)
                self.trace.count("journal_commit_entries", len(entries))
            # one loop wake-up per commit: written count and durable position together
            self._call(self._on_commit, len(items), entries[-1].seq if entries else 0)

    def _checkpoint_loop(self) -> None:
        """Small PASSIVE checkpoints beside the writer, at low CPU priority (it is mostly I/O)."""
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        conn = connect(self.path)
        try:
            # commits that a complete checkpoint has covered: none yet (not self.commits, which the
            # writer may have advanced while this thread was connecting: those were never checkpointed)
            done = 0
            every = CHECKPOINT_EVERY_S if self.checkpoint_every_s is None else self.checkpoint_every_s
            while not self._checkpoint_stop.wait(every):
                target = self.commits
                if target == done or self._error is not None:
                    continue
                t = time.perf_counter()
                try:
                    busy, wal_frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:  # locked: the next round tries again, new commits or not
                    continue
                if self.trace is not None:
                    self.trace.add("journal_checkpoint_thread", time.perf_counter() - t)
                # a reader's snapshot can hold frames back (PASSIVE skips them): only a checkpoint
                # that copied the whole WAL lets the loop rest until the next commit
                if not busy and copied >= wal_frames:
                    done = target
        finally:
            conn.close()

    def _call(self, fn: Callable[..., None], *args: object) -> None:
        assert self._loop is not None
        # A closed loop means nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(fn, *args)

    def _on_commit(self, n: int, seq: int) -> None:
        self._on_written(n)
        if seq:
            self._on_durable(seq)

    def _on_durable(self, seq: int) -> None:
        self.durable_seq = max(self.durable_seq, seq)
        while self._waiters and self._waiters[0][0] <= self.durable_seq:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_result(None)
        for fn in self._listeners:
            fn(self.durable_seq)

    def _on_written(self, n: int) -> None:
        self._written += n
        waiters, self._written_waiters = self._written_waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    def _on_failed(self, exc: BaseException) -> None:
        self._error = exc
        for fut in self._written_waiters:
            if not fut.done():
                fut.set_exception(JournalError(f"journal write failed: {exc}"))
        self._written_waiters.clear()
        while self._waiters:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_exception(JournalError(f"journal write failed: {exc}"))


def read_acked(path: Path) -> int | None:
    """The last acknowledged seq recorded beside the journal, or None without a record."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    if not (text.isascii() and text.isdigit()):
        raise JournalIntegrityError(f"{path}: the acknowledged-seq record is damaged ({text[:40]!r})")
    return int(text)


def write_acked(fd: int, seq: int, *, sync: bool = False) -> None:
    os.pwrite(fd, b"%020d\n" % seq, 0)
    if sync:
        os.fsync(fd)


def check_integrity(store: Store, acked: int | None) -> None:
    """Refuse a journal that lost acknowledged entries or whose file is damaged."""
    problems = store.quick_check()
    if problems:
        raise JournalIntegrityError(
            f"{store.path} is damaged (SQLite quick_check: {'; '.join(problems[:3])}); refusing to serve "
            "from it: restore the data dir from a backup"
        )
    last = store.last_seq()
    if acked is not None and last < acked:
        raise JournalIntegrityError(
            f"{store.path} ends at seq {last} but seq {acked} was acknowledged to clients: "
            f"{acked - last} acknowledged operations are missing (was {store.path.name}-wal deleted or "
            "truncated?); refusing to serve from it: restore the data dir, WAL included"
        )
