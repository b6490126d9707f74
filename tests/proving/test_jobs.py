"""The prover pool's job table on a real SQLite journal database: each transition moves the job and
its batch row together; only a `proving` row becomes `proven` (a duplicate or late result changes
nothing, a failure reported after the proof does not undo it); jobs not done survive a reopen with
their inputs; the wire encoding of the inputs round-trips; a worker plugin finds a key by its
sha256 and refuses an unknown one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from circuits.batch.batch import BatchShape
from protocol.pubdata.fields import Mode
from sequencer.journal.store import BatchRow
from sequencer.proving.jobs import JobStore
from sequencer.proving.task import (
    ProverPlugin,
    UnknownProvingKey,
    decode_inputs,
    encode_inputs,
    shape_from_name,
)


def _row(n: int) -> BatchRow:
    return BatchRow(n, n + 1, n + 1, "1", "2", 0, 1, "closed", {"queue_start": 0})


def test_job_transitions(tmp_path: Path) -> None:
    db = tmp_path / "journal.db"
    store = JobStore(db)
    store.write([], [_row(0), _row(1)])
    job = store.add_job(0, "batch_s4_q1_w1_validium", "ab" * 32, b"inputs", {"public_input": "7"})
    assert (job.state, job.attempts, job.inputs) == ("queued", 0, b"inputs")
    assert store.first_batch_without_job(("closed", "proving"), 0) == store.batch(1)

    assert store.start_attempt(0) == 1
    assert store.batch(0).status == "proving" and store.batch(0).info["prove_attempts"] == 1  # type: ignore[union-attr]
    store.fail_attempt(0, "the proof from worker w was rejected", "tcp://w")
    row = store.batch(0)
    assert row is not None and row.status == "closed" and "rejected" in row.info["prove_error"]
    assert store.job(0).state == "queued"  # type: ignore[union-attr]

    assert store.start_attempt(0) == 2
    assert store.finish(0, {"proof": {"p": 1}, "public_input": "7"}, "tcp://v")
    row = store.batch(0)
    assert row is not None and row.status == "proven" and row.info["proof"] == {"p": 1}
    assert row.info["prove_error"] is None and row.info["prove_attempts"] == 2
    assert row.info["queue_start"] == 0  # merged, not replaced
    # a duplicate or late result, and a failure reported late: nothing changes
    assert not store.finish(0, {"proof": {"p": 2}}, "tcp://x")
    store.fail_attempt(0, "late", "tcp://x")
    after = store.batch(0)
    assert after is not None and after.status == "proven" and after.info["proof"] == {"p": 1}
    done = store.job(0)
    assert done is not None and (done.state, done.inputs, done.worker) == ("done", b"", "tcp://v")

    store.add_job(1, "batch_s4_q1_w1_validium", "ab" * 32, b"more", {})
    store.start_attempt(1)  # the node dies here ...
    store.close()
    again = JobStore(db)  # ... and restarts: the job is there to dispatch again, inputs and all
    try:
        (left,) = again.unfinished_jobs()
        assert (left.batch, left.state, left.attempts, left.inputs) == (1, "running", 1, b"more")
        assert again.first_batch_without_job(("closed", "proving"), 0) is None
    finally:
        again.close()


def test_inputs_and_shape_names() -> None:
    inputs = {"a": 1, "b": [2**253 + 5, 0], "c.d": 3}
    assert decode_inputs(encode_inputs(inputs)) == inputs
    shape = BatchShape(48, 6, 6, Mode.ROLLUP)
    assert shape_from_name(shape.name) == shape
    for bad in ("batch_s4", "batch_s4_q1_w1_other", "x_s4_q1_w1_validium_", "batch_sx_q1_w1_rollup"):
        with pytest.raises(ValueError):
            shape_from_name(bad)


def test_plugin_finds_keys_by_hash(tmp_path: Path) -> None:
    (tmp_path / "batch_s4_q1_w1_validium").mkdir()
    key = tmp_path / "batch_s4_q1_w1_validium" / "batch.zkey"
    key.write_bytes(b"not really a key, only its hash matters here")
    plugin = ProverPlugin(tmp_path)
    assert plugin._find(hashlib.sha256(key.read_bytes()).hexdigest()) == key
    with pytest.raises(UnknownProvingKey, match="no proving key with sha256 0000"):
        plugin._find("00" * 32)
