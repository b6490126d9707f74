"""Shared by the DELEVERAGE, AUCTION_START and AUCTION_END circuit tests: isolate a step in a batch
of its own (the set-up closes as a batch that is not proved), solve it in the two-slot shape, and
tamper with its assignment."""

from __future__ import annotations

from typing import Any

import pytest

from circuits.batch.batch import BatchShape
from circuits.dsl import UnsatisfiedConstraint
from circuits.primitives.field import R
from protocol.records import StepKind
from tests.circuits.batch.batch_lib import Closed, Recorder
from tests.sequencer.world import World

SHAPE = BatchShape(2, 0, 0)  # one two-slot step, or a one-slot step and a no-op
LATER = "later"
STALE = 61  # oracle_max_age_s + 1: every price of the batch is stale


def isolate(w: World) -> Recorder:
    """Close what the world did so far as a batch of its own; record from here."""
    w.ex.close_batch(witness=True)
    return Recorder(w)


def closed_step(rec: Recorder, kind: StepKind) -> Closed:
    """Close the batch holding one step of `kind` (and nothing else) and check it satisfies the circuit."""
    c = rec.close(SHAPE)
    assert [s.kind for r in c.batch.records for s in r.steps] == [kind]
    c.program.solve(c.inputs)
    return c


def assert_breaks(c: Closed, changes: dict[str, int], where: str) -> None:
    """The assignment with `changes` (signed values allowed; `LATER`: seconds added to every slot's
    time) fails at a constraint named `where`."""
    inputs: dict[str, Any] = dict(c.inputs)
    changes = dict(changes)
    later = changes.pop(LATER, 0)
    for i in range(c.shape.slots):
        inputs[f"slot{i}.now"] += later
    for name, v in changes.items():
        assert name in inputs, name
        inputs[name] = v % R
    with pytest.raises(UnsatisfiedConstraint) as info:
        c.program.solve(inputs)
    assert where in info.value.name, info.value.name


def signed(v: int) -> int:
    """A field element as a signed integer."""
    return v - R if v > R // 2 else v
