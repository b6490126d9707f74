"""NOOP: a padding slot changes nothing (no leaf, no market, no signature); the step sequencing in
circuits/batch/slot.py keeps it from interrupting a multi-slot step.  Cost: 0."""

from __future__ import annotations

from circuits.batch.context import SlotCtx


def rules(ctx: SlotCtx) -> None:
    del ctx
