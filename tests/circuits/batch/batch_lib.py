"""Shared by the batch circuit tests: close a World's pending batch, build its circuit input and
solve it (compiled circuits cached per shape)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from circuits.batch.batch import BatchCircuit, BatchShape
from circuits.batch.witness import batch_assignment
from circuits.dsl import Program
from protocol.pubdata.batch import public_input
from protocol.pubdata.collect import steps_of
from protocol.records import GlobalState
from protocol.slots import slot_count
from sequencer.batches import Batch
from sequencer.prover_inputs import batch_config, batch_input
from tests.protocol.test_pubdata_batches import close, header
from tests.sequencer.world import World


@cache
def program(shape: BatchShape) -> Program:
    return BatchCircuit(shape).program


@dataclass
class Closed:
    batch: Batch
    shape: BatchShape
    inputs: dict[str, Any]
    public_input: int
    raw: bytes  # the public data (the shape's mode)

    @property
    def program(self) -> Program:
        return program(self.shape)


class Recorder:
    """Wraps a World: remembers the committed state at the start of the pending batch."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.mark()

    def mark(self) -> None:
        self.g0: GlobalState = self.w.ex.global_state()
        self.acc0: int = self.w.ex.trees.accounts.root

    def close(self, shape: BatchShape) -> Closed:
        b, _, raw = close(self.w, shape.mode, self.g0, shape.slots)
        pi = public_input(shape.mode, header(self.w, b), raw)
        inputs = batch_assignment(
            shape, batch_config(self.w.ex.config), batch_input(b, self.acc0, self.g0), pi
        )
        self.mark()
        return Closed(b, shape, inputs, pi, raw)


def slots_of(b: Batch) -> int:
    return slot_count(steps_of(b.records))
