"""The prover pool's durable job state: one `prove_job` row per closed batch handed to the pool, in
the node's own journal database next to the batch rows (protocol.md 11, "Prover pool").

A job holds everything a worker needs besides the proving key (the shape, the key's sha256 and the
circuit's free inputs, compressed) and what the node checks a returned proof against (the public
input and the rest of the `proven` info it built).  Its state moves `queued -> running -> done`; a
failed attempt returns it to `queued` (with `error` and the worker's address).  Every transition
is one SQLite transaction that also moves the batch row (`proving`, `closed` with `prove_error`,
`proven`), so a crash of the node, the scheduler or a worker loses nothing: after a restart every
job not `done` is dispatched again from its stored inputs, and only a `proving` batch row ever
becomes `proven`, so a duplicate or late result changes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sequencer.journal.store import BatchRow, JournalError, Store

__all__ = ["Job", "JobStore"]

JOB_SCHEMA = """
CREATE TABLE IF NOT EXISTS prove_job (
    batch         INTEGER PRIMARY KEY,
    shape         TEXT NOT NULL,
    key_sha256    TEXT NOT NULL,
    inputs        BLOB NOT NULL,
    info          TEXT NOT NULL,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    worker        TEXT,
    dispatched_ts INTEGER,
    finished_ts   INTEGER,
    error         TEXT
);
"""


@dataclass(frozen=True)
class Job:
    batch: int
    shape: str  # the BatchShape name
    key_sha256: str  # sha256 (hex) of the proving key's zkey file
    inputs: bytes  # the circuit's free inputs (sequencer.proving.task.encode_inputs)
    info: dict[str, Any]  # the batch row's `proven` info known before the proof (public input, data)
    state: str  # queued | running | done
    attempts: int
    worker: str | None
    error: str | None


def _now_ms() -> int:
    return int(time.time() * 1000)


class JobStore(Store):
    """The journal database with the `prove_job` table: the prover stage's own connection."""

    def __init__(self, path: Any) -> None:
        super().__init__(path)
        with self._lock:
            self.conn.executescript(JOB_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[None]:
        with self._lock:
            if self._closed:
                raise JournalError(f"{self.path}: the store is closed")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def _merge_batch(
        self, number: int, status: str, info: dict[str, Any], only_from: tuple[str, ...]
    ) -> bool:
        """Within a transaction: the batch row's status and merged info, when its status is one of
        `only_from`; whether it changed."""
        row = self.conn.execute("SELECT status, info FROM batch WHERE number = ?", (number,)).fetchone()
        if row is None or row[0] not in only_from:
            return False
        merged = {**json.loads(row[1]), **info}
        self.conn.execute(
            "UPDATE batch SET status = ?, info = ? WHERE number = ?",
            (status, json.dumps(merged, sort_keys=True), number),
        )
        return True

    def add_job(self, number: int, shape: str, key_sha256: str, inputs: bytes, info: dict[str, Any]) -> Job:
        """A new `queued` job for closed batch `number` (replacing a job of another shape)."""
        with self._tx():
            self.conn.execute(
                "INSERT OR REPLACE INTO prove_job (batch, shape, key_sha256, inputs, info, state, attempts) "
                "VALUES (?, ?, ?, ?, ?, 'queued', 0)",
                (number, shape, key_sha256, inputs, json.dumps(info, sort_keys=True)),
            )
        job = self.job(number)
        assert job is not None
        return job

    def job(self, number: int) -> Job | None:
        with self._lock:
            row = self.conn.execute(
                "SELECT batch, shape, key_sha256, inputs, info, state, attempts, worker, error "
                "FROM prove_job WHERE batch = ?",
                (number,),
            ).fetchone()
        return None if row is None else _job(row)

    def unfinished_jobs(self) -> list[Job]:
        """Jobs not `done`, by batch number (after a restart: those to dispatch again)."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT batch, shape, key_sha256, inputs, info, state, attempts, worker, error "
                "FROM prove_job WHERE state != 'done' ORDER BY batch"
            ).fetchall()
        return [_job(r) for r in rows]

    def rekey(self, number: int, key_sha256: str) -> None:
        """The node's proving key changed (same circuit): the job is for the new one."""
        with self._tx():
            self.conn.execute("UPDATE prove_job SET key_sha256 = ? WHERE batch = ?", (key_sha256, number))

    def drop_job(self, number: int) -> None:
        with self._tx():
            self.conn.execute("DELETE FROM prove_job WHERE batch = ?", (number,))

    def first_batch_without_job(self, statuses: tuple[str, ...], start: int) -> BatchRow | None:
        """The lowest batch from `start` on in one of `statuses` that has no job."""
        marks = ",".join("?" * len(statuses))
        with self._lock:
            row = self.conn.execute(
                f"SELECT number FROM batch WHERE number >= ? AND status IN ({marks}) "
                "AND number NOT IN (SELECT batch FROM prove_job) ORDER BY number LIMIT 1",
                (start, *statuses),
            ).fetchone()
        return None if row is None else self.batch(int(row[0]))

    def start_attempt(self, number: int) -> int:
        """The job is dispatched: `running`, one more attempt; the batch `proving`.  Its attempt number."""
        with self._tx():
            (attempts,) = self.conn.execute(
                "SELECT attempts FROM prove_job WHERE batch = ?", (number,)
            ).fetchone()
            attempts += 1
            self.conn.execute(
                "UPDATE prove_job SET state = 'running', attempts = ?, worker = NULL, dispatched_ts = ? "
                "WHERE batch = ?",
                (attempts, _now_ms(), number),
            )
            self._merge_batch(number, "proving", {"prove_attempts": attempts}, ("closed", "proving"))
        return int(attempts)

    def fail_attempt(self, number: int, error: str, worker: str | None) -> None:
        """The attempt failed: the job `queued` again, the batch `closed` with `prove_error`."""
        with self._tx():
            self.conn.execute(
                "UPDATE prove_job SET state = 'queued', worker = ?, finished_ts = ?, error = ? "
                "WHERE batch = ? AND state = 'running'",
                (worker, _now_ms(), error, number),
            )
            self._merge_batch(number, "closed", {"prove_error": error}, ("proving",))

    def finish(self, number: int, info: dict[str, Any], worker: str | None) -> bool:
        """A verified proof: the job `done` (its inputs dropped), the batch `proven` with `info` -
        only a `proving` batch (a duplicate or late result changes nothing).  Whether it did."""
        with self._tx():
            if not self._merge_batch(number, "proven", {**info, "prove_error": None}, ("proving",)):
                row = self.conn.execute("SELECT status FROM batch WHERE number = ?", (number,)).fetchone()
                if row is not None and row[0] not in ("closed", "proving"):  # proven before: done
                    self.conn.execute(
                        "UPDATE prove_job SET state = 'done', inputs = X'' WHERE batch = ?", (number,)
                    )
                return False
            self.conn.execute(
                "UPDATE prove_job SET state = 'done', inputs = X'', worker = ?, finished_ts = ?, error = NULL "
                "WHERE batch = ?",
                (worker, _now_ms(), number),
            )
        return True


def _job(row: tuple[Any, ...]) -> Job:
    batch, shape, key, inputs, info, state, attempts, worker, error = row
    return Job(int(batch), shape, key, bytes(inputs), json.loads(info), state, int(attempts), worker, error)
