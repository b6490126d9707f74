"""Progress reporting for long steps (prove, setup, contributions), kept apart from the work.

Library code takes a `Progress` and calls `step(name, total)` / `advance(n)`; the CLI passes a
rich-backed one (`RichProgress`), tests and library callers the silent default.  `--quiet` in the
CLI simply means the silent one.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

__all__ = ["SILENT", "Progress", "RichProgress"]


class Progress:
    """Silent progress: the interface, and what library callers get by default."""

    def step(self, name: str, total: float = 1) -> Progress:
        return self

    def advance(self, amount: float = 1) -> None:
        return None

    def done(self) -> None:
        return None

    def log(self, message: str) -> None:
        return None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()


SILENT = Progress()


class RichProgress(Progress):
    """One rich progress bar per step, on stderr, with elapsed time."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RP

        self._console = Console(stderr=True)
        self._rp = RP(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
        )
        self._cm: AbstractContextManager[Any] | None = None
        self._task: Any = None

    def step(self, name: str, total: float = 1) -> Progress:
        if self._cm is None:
            self._cm = self._rp
            self._rp.start()
        if self._task is not None:
            self._rp.update(self._task, completed=self._rp.tasks[-1].total)
        self._task = self._rp.add_task(name, total=total)
        return self

    def advance(self, amount: float = 1) -> None:
        if self._task is not None:
            self._rp.advance(self._task, amount)

    def log(self, message: str) -> None:
        self._console.print(message)

    def done(self) -> None:
        if self._task is not None:
            self._rp.update(self._task, completed=self._rp.tasks[-1].total)
            self._task = None
        if self._cm is not None:
            self._rp.stop()
            self._cm = None
