"""Memory diagnostics for benches (bench/node_sockets.py), off unless asked for by environment.

`ZKCLEAR_MEMTRACE=PATH` (and `ZKCLEAR_MEMTRACE_TRACEMALLOC=1`: tracemalloc from the start, which
itself costs memory) makes the node, on each SIGUSR1, write to
PATH a JSON report: the RSS (VmRSS), the bytes tracemalloc sees before and after a full
`gc.collect()` (garbage cycles are not leaks), and the largest growths by source line since the
previous report (after the collection).  On SIGUSR2 the node calls glibc's `malloc_trim(0)` (Linux/glibc
only) and writes the RSS before and after to PATH.  Neither is a route: nothing here is reachable
from the network.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import json
import os
import signal
import tracemalloc
from pathlib import Path
from typing import Any

from sequencer.node.gcpolicy import malloc_trim

ENV = "ZKCLEAR_MEMTRACE"
ENV_TRACEMALLOC = "ZKCLEAR_MEMTRACE_TRACEMALLOC"


def rss_kb(pid: int | str = "self") -> int:
    """VmRSS of a process in KiB, from /proc (Linux); 0 where there is no /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemTrace:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.types = _type_counts()
        self.last: tracemalloc.Snapshot | None = None
        if os.environ.get(ENV_TRACEMALLOC):  # costs memory of its own: RSS figures are taken without
            tracemalloc.start(4)
            self.last = self._snapshot()

    @staticmethod
    def _snapshot() -> tracemalloc.Snapshot:
        return tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>"))
        )

    def report(self) -> None:
        uncollected = tracemalloc.get_traced_memory()[0]
        # what only the cyclic collector frees is garbage, not a leak: count it apart
        found = gc.collect()
        top: list[dict[str, Any]] = []
        if tracemalloc.is_tracing() and self.last is not None:
            snap = self._snapshot()
            for st in snap.compare_to(self.last, "lineno")[:15]:
                frame = st.traceback[0]
                top.append(
                    {"where": f"{frame.filename}:{frame.lineno}", "size_diff": st.size_diff, "size": st.size}
                )
            self.last = snap
        types = _type_counts()
        changed = {t: types.get(t, 0) - self.types.get(t, 0) for t in types.keys() | self.types.keys()}
        grown = sorted(((n, t) for t, n in changed.items() if n), key=lambda nt: -abs(nt[0]))[:10]
        self.types = types
        current, peak = tracemalloc.get_traced_memory()
        self._write(
            {
                "rss_kb": rss_kb(),
                **_connections_alive(),
                "traced_before_gc": uncollected,
                "gc_found": found,
                "traced": current,
                "traced_peak": peak,
                "top_growth": top,
                "object_growth": [[t, n] for n, t in grown],
            }
        )

    def trim(self) -> None:
        before = rss_kb()
        ok = malloc_trim()
        self._write({"rss_kb_before_trim": before, "trimmed": ok, "rss_kb": rss_kb()})

    def _write(self, body: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body))
        os.replace(tmp, self.path)


def install(loop: asyncio.AbstractEventLoop) -> MemTrace | None:
    path = os.environ.get(ENV)
    if not path:
        return None
    trace = MemTrace(Path(path))
    with contextlib.suppress(NotImplementedError, AttributeError):
        loop.add_signal_handler(signal.SIGUSR1, trace.report)
        loop.add_signal_handler(signal.SIGUSR2, trace.trim)
    return trace


def _connections_alive() -> dict[str, Any]:
    """How many aiohttp connection handlers are alive, how many of them lost their connection, and
    what holds one of those (the type names of its referrers, two levels up)."""
    from aiohttp.web_protocol import RequestHandler

    handlers = [o for o in gc.get_objects() if isinstance(o, RequestHandler)]
    lost = [h for h in handlers if h.transport is None or h.transport.is_closing()]
    holders: list[str] = []
    if lost:
        for ref in gc.get_referrers(lost[0]):
            if ref is handlers or ref is lost:
                continue
            up = [type(r).__name__ for r in gc.get_referrers(ref) if r is not handlers and r is not lost][:4]
            holders.append(f"{type(ref).__name__} <- {up}")
    alive = len(handlers)
    del handlers
    return {
        "handlers_alive": alive,
        "handlers_lost": len(lost),
        "lost_held_by": holders[:8],
    }


def _type_counts() -> collections.Counter[str]:
    return collections.Counter(type(o).__qualname__ for o in gc.get_objects())
