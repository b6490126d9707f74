"""Start-up checks of the journal (issue 14): a journal that lost acknowledged entries (its WAL
deleted after a kill) or whose file is damaged is refused, clearly and with a stable exit code,
instead of being served from."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sequencer.journal import Journal, JournalIntegrityError
from tests.node.harness import ROOT


async def _write(path: Path, n: int, *, body: bytes = b"x" * 200) -> Journal:
    """A started journal holding n acknowledged (durable) entries; never checkpointed."""
    j = Journal(path, checkpoint_every_s=1e9)
    j.start()
    for i in range(n):
        j.append("order", body + str(i).encode(), 1_000 * (i + 1))
    await j.flush()
    return j


def _crash_image(src: Path, dst: Path) -> None:
    """The files a kill -9 would leave: the database, its WAL and the acknowledged-seq record."""
    dst.mkdir()
    for name in ("journal.db", "journal.db-wal", "journal.db.acked"):
        shutil.copy(src / name, dst / name)


def test_a_deleted_wal_that_held_acknowledged_entries_is_refused(tmp_path: Path) -> None:
    async def main() -> None:
        j = await _write(tmp_path / "journal.db", 36)
        _crash_image(tmp_path, tmp_path / "crash")
        await j.close()
        # with its WAL the crashed journal opens with every acknowledged entry
        whole = tmp_path / "whole"
        shutil.copytree(tmp_path / "crash", whole)
        ok = Journal(whole / "journal.db")
        assert ok.next_seq == 37
        await ok.close()
        # without it, the 36 acknowledged entries are gone: refused
        (tmp_path / "crash" / "journal.db-wal").unlink()
        with pytest.raises(JournalIntegrityError, match="36 acknowledged operations are missing"):
            Journal(tmp_path / "crash" / "journal.db")

    asyncio.run(main())


def _corrupt_middle_page(db: Path) -> None:
    size = db.stat().st_size
    pages = size // 4096
    assert pages > 10
    with open(db, "r+b") as f:
        f.seek((pages // 2) * 4096)
        f.write(os.urandom(4096))


def test_an_overwritten_page_is_refused_at_start(tmp_path: Path) -> None:
    async def main() -> None:
        j = await _write(tmp_path / "journal.db", 2000)
        await j.close()  # a clean close checkpoints: every entry is in journal.db itself

    asyncio.run(main())
    _corrupt_middle_page(tmp_path / "journal.db")
    with pytest.raises(JournalIntegrityError, match="damaged"):
        Journal(tmp_path / "journal.db")


def test_the_node_exits_with_a_stable_code_and_message(tmp_path: Path) -> None:
    async def main() -> None:
        j = await _write(tmp_path / "journal.db", 10)
        _crash_image(tmp_path, tmp_path / "data")
        await j.close()

    asyncio.run(main())
    (tmp_path / "data" / "journal.db-wal").unlink()
    proc = subprocess.run(
        [sys.executable, "-c", "from zkclear.cli import main; main()", "node", "--data-dir",
         str(tmp_path / "data"), "--port", "0", "--devnet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == JournalIntegrityError.EXIT_CODE == 3, proc.stderr
    assert "refusing to start" in proc.stderr and "10 acknowledged operations are missing" in proc.stderr
    assert "Traceback" not in proc.stderr
