"""Shared by the batch circuit tests: close a World's pending batch, build its circuit input and
solve it (compiled circuits cached per shape)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from circuits.batch.batch import BatchCircuit, BatchShape
from circuits.dsl import Program
from protocol.pubdata.collect import steps_of
from protocol.records import GlobalState
from protocol.slots import slot_count
from sequencer.batches import Batch
from sequencer.prover_inputs import circuit_inputs
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
        b = self.w.ex.close_batch(witness=True)
        ci = circuit_inputs(self.w.ex.config, shape, b, self.acc0, self.g0)
        self.mark()
        return Closed(b, shape, ci.inputs, ci.public_input, ci.data)


def slots_of(b: Batch) -> int:
    return slot_count(steps_of(b.records))
