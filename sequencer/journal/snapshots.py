"""State snapshots as files beside the journal: `<dir>/snap-<seq>.bin`, each the serialized state
after journal entry `seq`.

File layout: `ZKCSNAP1` (8 bytes), seq (8 bytes, big-endian), payload length (8), sha256 of the
payload (32), root (32, big-endian), payload.  A file is written to a temporary name, fsynced and
renamed, so a crash leaves either the whole file or none; a file whose digest does not match is
ignored.  A snapshot is used only when the journal holds its seq (`latest(at_most=last_seq)`):
a snapshot of state whose journal entries were not yet durable is never restored.

Files rather than a table: the node writes them from a forked child (copy-on-write image of the
state), which must not touch the parent's SQLite connections or locks.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"ZKCSNAP1"
HEADER = len(MAGIC) + 8 + 8 + 32 + 32
KEEP = 2
_NAME = re.compile(r"^snap-(\d{20})\.bin$")


@dataclass(frozen=True)
class SnapshotFile:
    seq: int
    root: int
    state: bytes


class SnapshotDir:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)

    def write(self, seq: int, root: int, state: bytes) -> Path:
        """Write atomically and durably (file and directory fsynced).  Uses only os calls, so it
        is safe in a forked child."""
        header = MAGIC + seq.to_bytes(8, "big") + len(state).to_bytes(8, "big")
        header += hashlib.sha256(state).digest() + (root % (1 << 256)).to_bytes(32, "big")
        final = self.path / f"snap-{seq:020d}.bin"
        tmp = self.path / f".snap-{seq:020d}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(header + state)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
        dfd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        return final

    def seqs(self) -> list[int]:
        return sorted(int(m.group(1)) for p in self.path.iterdir() if (m := _NAME.match(p.name)))

    def read(self, seq: int) -> SnapshotFile | None:
        try:
            raw = (self.path / f"snap-{seq:020d}.bin").read_bytes()
        except OSError:
            return None
        if len(raw) < HEADER or raw[:8] != MAGIC or int.from_bytes(raw[8:16], "big") != seq:
            return None
        n = int.from_bytes(raw[16:24], "big")
        state = raw[HEADER:]
        if len(state) != n or hashlib.sha256(state).digest() != raw[24:56]:
            return None
        return SnapshotFile(seq, int.from_bytes(raw[56:88], "big"), state)

    def latest(self, at_most: int | None = None) -> SnapshotFile | None:
        """The newest intact snapshot with seq <= at_most."""
        for seq in reversed(self.seqs()):
            if at_most is not None and seq > at_most:
                continue
            snap = self.read(seq)
            if snap is not None:
                return snap
        return None

    def prune(self, keep: int = KEEP) -> None:
        """Keep the newest `keep` snapshots; remove older ones and stale temporary files."""
        for seq in self.seqs()[:-keep]:
            (self.path / f"snap-{seq:020d}.bin").unlink(missing_ok=True)
        for p in self.path.glob(".snap-*.tmp"):
            pid = p.name.rsplit(".", 2)[-2]
            if not pid.isdigit() or not _alive(int(pid)):
                p.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
