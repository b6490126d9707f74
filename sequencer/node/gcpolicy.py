"""When the node runs Python's cyclic garbage collector, and giving freed memory back to the OS.

The exchange state is millions of long-lived objects and a full (generation 2) collection walks
them all (100+ ms pauses seen under load).  So after each batch the young generations are
collected and everything that survived is frozen (`gc.freeze`: never scanned again); a full
collection runs only every `FULL_GC_EVERY_S`.

Freezing has a cost: whatever was alive at that moment is frozen with the state, including the
objects of every open connection (transport, protocol, parser, request, task, and the exception
and traceback cycles a dropped connection leaves).  Once such a connection closes those objects are
cyclic garbage that only a full collection frees (the cycles are asyncio's and aiohttp's own: a
transport's bound read callback, a future holding the ConnectionResetError whose traceback holds
the waiting frame; nothing the node could break on close); a burst of hundreds of slow or non-reading
clients kept ~7 kB per connection per burst until the ten-minute collection (RSS grew with every
burst).  So the policy counts the connections that were open at a freeze and have closed since
and, once there are `RELEASE_AFTER_CLOSED` of them, runs one full collection and then
`malloc_trim(0)`, which hands the C heap's freed pages back.  Such early collections are spaced so
that their pauses take at most `RELEASE_MAX_SHARE` of the time (and never closer than
`RELEASE_MIN_GAP_S`): clients that churn connections cannot turn the policy into a pause storm.

What this does not give back: pymalloc keeps a 1 MiB arena while any object lives in it, so the
arenas a first burst needed stay mapped when a few long-lived objects (state created during the
burst) landed in them; later bursts reuse them (RSS no longer grows burst after burst).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import platform
import time
from collections.abc import Callable
from functools import cache
from typing import Any

FULL_GC_EVERY_S = 600.0  # unfreeze and collect everything this often (one pause)
# frozen connections that must have closed before an early full collection (~7 kB each: a full
# collection, 0.1-0.4 s on a small devnet heap, is worth it from ~2 MB of garbage on)
RELEASE_AFTER_CLOSED = 256
RELEASE_MIN_GAP_S = 2.0  # ... at most this often
RELEASE_MAX_SHARE = 0.05  # ... and spaced so their pauses take at most this share of the time


@cache
def _libc() -> Any:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        return libc
    except (OSError, AttributeError):
        return None


def malloc_trim() -> bool:
    """Return freed C-heap memory to the OS (glibc's malloc_trim(0)); False where that is not glibc."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


class GcPolicy:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_full = clock()
        self.last_freeze = float("-inf")
        self.closed_frozen = 0  # connections closed since the last full collection that were frozen
        self.full_collections = 0
        self.last_pause_s = 0.0  # how long the last full collection took

    def start(self) -> None:
        """The rebuilt state is long-lived: collect once and freeze it out of future collections."""
        self.full()

    def after_batch(self) -> None:
        """After each closed batch: collect the young generations and freeze the survivors (a full
        collection instead every FULL_GC_EVERY_S)."""
        if self.clock() - self.last_full >= FULL_GC_EVERY_S:
            self.full()
            return
        gc.collect(1)
        gc.freeze()
        self.last_freeze = self.clock()

    def connection_closed(self, opened_at: float) -> None:
        """A client connection opened at `opened_at` (this policy's clock) closed: if it was open
        at a freeze, its objects are frozen garbage now."""
        if opened_at <= self.last_freeze:
            self.closed_frozen += 1

    def tick(self) -> bool:
        """Called often (the batch timer): a full collection once RELEASE_AFTER_CLOSED frozen
        connections have closed, at most every RELEASE_MIN_GAP_S; True when it ran."""
        gap = max(RELEASE_MIN_GAP_S, self.last_pause_s / RELEASE_MAX_SHARE)
        if self.closed_frozen < RELEASE_AFTER_CLOSED or self.clock() - self.last_full < gap:
            return False
        self.full()
        return True

    def full(self) -> None:
        """Unfreeze, collect everything, freeze the survivors again, give the freed C heap back."""
        t = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        malloc_trim()
        self.last_pause_s = time.perf_counter() - t
        self.last_full = self.last_freeze = self.clock()
        self.closed_frozen = 0
        self.full_collections += 1
