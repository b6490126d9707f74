"""The node's health rule (GET /v1/health): the journal is writable, each pipeline stage that is
enabled keeps up, i.e. the oldest batch it owes closed less than its configured limit ago, and
neither the prover stage nor the L1 queue watch has stopped for good. A node that is alive but lags
or has stopped reading L1 fails, so an alert or a load balancer sees it."""

from __future__ import annotations

import time
from typing import Literal

from sequencer.l1.errors import L1Error
from sequencer.node import models as M
from sequencer.node.lag import pipeline_lag
from sequencer.node.service import Node


def health_checks(node: Node, now_ms: int | None = None) -> list[M.HealthCheck]:
    journal, cfg = node.journal, node.config
    if journal is None:
        return [{"name": "journal", "ok": False, "detail": "the journal is not open"}]
    failed = journal.failed
    checks: list[M.HealthCheck] = [
        {
            "name": "journal",
            "ok": failed is None,
            "detail": "writable" if failed is None else f"not writable: {failed}",
        }
    ]
    prover = node.prover.health() if node.prover is not None else None
    if prover is not None and prover["state"] == "failed":  # keys refused: nothing will be proven
        checks.append({"name": "proving", "ok": False, "detail": f"prover stage failed: {prover['error']}"})
    if node.l1 is not None:
        checks.append(queue_check(node.l1.halted))
    stages: list[tuple[Literal["proving", "l1"], bool, float, str]] = [
        ("proving", cfg.prove, cfg.health_max_unproven_s, "not yet proven"),
        (
            "l1",
            cfg.l1_rpc is not None or cfg.l1_web3 is not None,
            cfg.health_max_unfinalized_s,
            "proven, not finalized on L1",
        ),
    ]
    stages = [s for s in stages if s[1] and s[2] > 0]
    if not stages:
        return checks
    lag = pipeline_lag(journal.reader, int(time.time() * 1000) if now_ms is None else now_ms)
    for name, _, limit, owed in stages:
        row = lag.unproven if name == "proving" else lag.unfinalized
        age = lag.age_s(row)
        check: M.HealthCheck = {
            "name": name,
            "ok": age <= limit,
            "detail": "nothing owed" if row is None else f"batch {row.number} {owed}, closed {age:.0f} s ago",
            "age_s": round(age, 3),
            "limit_s": limit,
        }
        if row is not None:
            check["batch"] = row.number
        checks.append(check)
    return checks


def queue_check(halted: L1Error | None) -> M.HealthCheck:
    """The L1 queue watch halts for good on a reorg past the confirmations or an entry it cannot
    apply (protocol.md 7.12.1): from then on no deposit or forced withdrawal is credited until an
    operator steps in."""
    if halted is None:
        return {"name": "l1_queue", "ok": True, "detail": "reading the rollup's queue"}
    return {
        "name": "l1_queue",
        "ok": False,
        "detail": f"L1 queue watch halted: {halted.message}",
        "code": halted.code,
    }
