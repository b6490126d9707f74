"""The node's Prometheus metrics (GET /metrics, text exposition format).

A custom collector reads the pipeline's counters, the journal and the stream hub when Prometheus
scrapes, so the order path pays nothing beyond the counters the pipeline keeps anyway. Each node
(app) has its own registry: several nodes in one process (tests) do not share series."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from sequencer.journal.store import BatchRow
from sequencer.node.http import ERROR_COUNTS_KEY
from sequencer.node.lag import pipeline_lag
from sequencer.node.service import Node

STATUSES = ("closed", "proving", "proven", "submitted", "finalized")
REGISTRY_KEY: web.AppKey[CollectorRegistry] = web.AppKey("metrics_registry", CollectorRegistry)


def _by_label(name: str, doc: str, label: str, counts: Mapping[str, int]) -> CounterMetricFamily:
    """A counter family with one sample per key of `counts` (sorted: a stable exposition)."""
    fam = CounterMetricFamily(name, doc, labels=[label])
    for key, n in sorted(counts.items()):
        fam.add_metric([key], n)
    return fam


def _file_bytes(path: Path) -> int:
    """The journal's size on disk: the database and its write-ahead log."""
    total = 0
    for p in (path, path.with_name(path.name + "-wal")):
        with contextlib.suppress(FileNotFoundError):
            total += p.stat().st_size
    return total


class NodeCollector(Collector):
    def __init__(self, node: Node, http_errors: Counter[str] | None = None) -> None:
        self.node = node
        self.http_errors: Counter[str] = Counter() if http_errors is None else http_errors

    def collect(self) -> Iterator[Metric]:
        node = self.node
        journal, pipeline, engine = node.journal, node.pipeline, node.engine
        if journal is None or pipeline is None or engine is None:  # not started (or stopped)
            return
        yield _by_label(
            "zkclear_operations_accepted",
            "Operations applied and journaled, by journal kind",
            "kind",
            pipeline.accepted_kinds,
        )
        yield _by_label(
            "zkclear_operations_rejected",
            "Operations refused, by error code",
            "code",
            pipeline.rejected_codes,
        )
        yield _by_label(
            "zkclear_http_errors",
            "Error answers by code (every route, before or after the pipeline)",
            "code",
            self.http_errors,
        )
        yield GaugeMetricFamily(
            "zkclear_journal_entries", "Journal entries (last seq)", value=journal.last_seq
        )
        yield GaugeMetricFamily(
            "zkclear_journal_durable_seq", "Last journal seq known durable", value=journal.durable_seq
        )
        yield GaugeMetricFamily(
            "zkclear_journal_size_bytes",
            "Journal database and write-ahead log size on disk",
            value=_file_bytes(journal.path),
        )
        store = journal.reader
        counts = store.batch_status_counts()
        by_status = GaugeMetricFamily("zkclear_batches", "Closed batches by status", labels=["status"])
        for status in sorted(set(STATUSES) | set(counts)):
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status
        last = store.last_batch()
        yield GaugeMetricFamily(
            "zkclear_last_batch_number",
            "Number of the last closed batch (-1: none)",
            value=-1 if last is None else last.number,
        )
        yield GaugeMetricFamily(
            "zkclear_open_batch_operations", "Operations in the open batch", value=engine.batches.ops
        )
        yield GaugeMetricFamily(
            "zkclear_prover_backlog_batches",
            "Batches closed and not yet proven (status closed or proving)",
            value=counts.get("closed", 0) + counts.get("proving", 0),
        )
        pool = node.prover.health().get("pool") if node.prover is not None else None
        if pool is not None:
            yield GaugeMetricFamily(
                "zkclear_prover_pool_workers", "Prover pool workers connected", value=pool["workers"]
            )
            yield GaugeMetricFamily(
                "zkclear_prover_pool_threads",
                "Prover pool task threads (jobs that can run at once)",
                value=pool["threads"],
            )
            yield GaugeMetricFamily(
                "zkclear_prover_jobs_in_flight", "Proof jobs dispatched to the pool", value=pool["in_flight"]
            )
            yield GaugeMetricFamily(
                "zkclear_prover_jobs_queued",
                "Proof jobs built and waiting for a worker",
                value=pool["queued"],
            )
        lag = pipeline_lag(store, int(time.time() * 1000))
        yield GaugeMetricFamily(
            "zkclear_oldest_unproven_batch_age_seconds",
            "Seconds since the oldest batch not yet proven closed (0: none)",
            value=lag.unproven_age_s,
        )
        yield GaugeMetricFamily(
            "zkclear_l1_submission_lag_seconds",
            "Seconds since the oldest batch proven but not finalized on L1 closed (0: none)",
            value=lag.unfinalized_age_s,
        )
        gas = _last_l1_gas(store.batches(limit=50))
        if gas is not None:
            yield GaugeMetricFamily(
                "zkclear_l1_last_submission_gas", "Gas used by the last L1 batch submission", value=gas
            )
        if node.l1 is not None:
            yield GaugeMetricFamily(
                "zkclear_l1_queue_halted",
                "1 when the L1 queue watch has halted (reorg or bad entry; GET /v1/health says why), else 0",
                value=int(node.l1.halted is not None),
            )
        hub = node.hub
        clients = {c for subs in hub.topics.values() for c in subs}
        yield GaugeMetricFamily(
            "zkclear_stream_subscribers",
            "WebSocket clients with at least one subscription",
            value=len(clients),
        )
        subs = GaugeMetricFamily(
            "zkclear_stream_subscriptions", "Stream subscriptions by channel", labels=["channel"]
        )
        per: dict[str, int] = {}
        for topic, cs in hub.topics.items():
            channel = topic.split(":", 1)[0]
            per[channel] = per.get(channel, 0) + len(cs)
        for channel, n in sorted(per.items()):
            subs.add_metric([channel], n)
        yield subs


def _last_l1_gas(rows: list[BatchRow]) -> int | None:
    """l1_gas of the newest batch that has one (the L1 client's info key, pipeline contract)."""
    for row in rows:
        gas = row.info.get("l1_gas")
        if isinstance(gas, int):
            return gas
    return None


def install(app: web.Application, node: Node) -> None:
    """Give the app its own registry with this node's collector (GET /metrics reads it)."""
    registry = CollectorRegistry(auto_describe=False)
    app[ERROR_COUNTS_KEY] = Counter()
    registry.register(NodeCollector(node, app[ERROR_COUNTS_KEY]))
    app[REGISTRY_KEY] = registry


def exposition(app: web.Application) -> web.Response:
    """The registry's samples in Prometheus's text format, collected now."""
    return web.Response(
        body=generate_latest(app[REGISTRY_KEY]), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )
