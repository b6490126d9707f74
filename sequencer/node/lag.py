"""How far the proving and L1 stages lag behind the batches the node closes: the oldest batch each
stage still owes and its age since it closed (what GET /metrics exports and GET /v1/health checks)."""

from __future__ import annotations

from dataclasses import dataclass

from sequencer.journal.store import BatchRow, Store

UNPROVEN = ("closed", "proving")  # owed by the prover stage
UNFINALIZED = ("proven", "submitted")  # owed by the L1 client


@dataclass(frozen=True)
class Lag:
    unproven: BatchRow | None
    unfinalized: BatchRow | None
    now_ms: int

    def age_s(self, row: BatchRow | None) -> float:
        """Seconds since the batch closed (0 for no batch: nothing is owed)."""
        return 0.0 if row is None else max(0.0, (self.now_ms - row.closed_ts) / 1000)

    @property
    def unproven_age_s(self) -> float:
        return self.age_s(self.unproven)

    @property
    def unfinalized_age_s(self) -> float:
        return self.age_s(self.unfinalized)


def pipeline_lag(store: Store, now_ms: int) -> Lag:
    return Lag(store.first_batch_in(UNPROVEN), store.first_batch_in(UNFINALIZED), now_ms)
