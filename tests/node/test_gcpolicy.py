"""The node's garbage-collection policy (sequencer.node.gcpolicy): what a freeze keeps, and the
early full collection once enough frozen connections have closed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from sequencer.node import gcpolicy
from sequencer.node.gcpolicy import GcPolicy


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def policy() -> Iterator[tuple[GcPolicy, Clock]]:
    clock = Clock()
    yield GcPolicy(clock), clock
    gc.unfreeze()  # the test process's objects go back to normal collection


def test_frozen_garbage_waits_for_the_release_after_enough_connections_closed(
    policy: tuple[GcPolicy, Clock],
) -> None:
    p, clock = policy
    p.start()
    p.last_pause_s = 0.0  # whatever this process's own full collection took: spacing is tested below
    opened = clock()
    obj = Cycle()  # a connection's objects: a reference cycle alive at the batch close
    ref = weakref.ref(obj)
    clock.t += 5
    p.after_batch()  # frozen with everything else alive
    del obj
    gc.collect()
    assert ref() is not None, "a frozen cycle is not collected"
    for _ in range(gcpolicy.RELEASE_AFTER_CLOSED - 1):
        p.connection_closed(opened)
    assert not p.tick()
    assert ref() is not None
    p.connection_closed(opened)
    assert p.tick()
    assert ref() is None, "the early full collection frees it"
    assert p.full_collections == 2 and p.closed_frozen == 0


def test_connections_opened_after_the_last_freeze_do_not_count(policy: tuple[GcPolicy, Clock]) -> None:
    p, clock = policy
    p.start()
    clock.t += 5
    p.after_batch()
    clock.t += 1
    for _ in range(2 * gcpolicy.RELEASE_AFTER_CLOSED):
        p.connection_closed(clock())  # never frozen: the young collections free them
    assert p.closed_frozen == 0 and not p.tick()


def test_early_collections_are_spaced_by_their_pause(policy: tuple[GcPolicy, Clock]) -> None:
    p, clock = policy
    p.start()
    p.last_pause_s = 0.5  # a big heap: at most RELEASE_MAX_SHARE of the time in these pauses
    gap = 0.5 / gcpolicy.RELEASE_MAX_SHARE
    assert gap > gcpolicy.RELEASE_MIN_GAP_S
    clock.t += 1
    p.after_batch()
    for _ in range(gcpolicy.RELEASE_AFTER_CLOSED):
        p.connection_closed(0.0)
    clock.t = p.last_full + gap - 1
    assert not p.tick()
    clock.t = p.last_full + gap
    assert p.tick()


def test_a_full_collection_is_due_every_full_gc_every_s(policy: tuple[GcPolicy, Clock]) -> None:
    p, clock = policy
    p.start()
    clock.t += gcpolicy.FULL_GC_EVERY_S
    p.after_batch()
    assert p.full_collections == 2 and p.last_full == clock()
