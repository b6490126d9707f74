"""GET /metrics: the node's Prometheus metrics (sequencer.node.metrics), public, text format."""

from __future__ import annotations

from aiohttp import web

from sequencer.node.metrics import exposition
from sequencer.node.routing import RouteTable

ROUTES = RouteTable("ops")


@ROUTES.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format 0.0.4), collected when scraped",
    description=(
        "Series: zkclear_operations_accepted_total{kind}, zkclear_operations_rejected_total{code},"
        " zkclear_http_errors_total{code},"
        " zkclear_journal_entries, zkclear_journal_durable_seq, zkclear_journal_size_bytes,"
        " zkclear_batches{status}, zkclear_last_batch_number, zkclear_open_batch_operations,"
        " zkclear_prover_backlog_batches, zkclear_oldest_unproven_batch_age_seconds,"
        " zkclear_l1_submission_lag_seconds, zkclear_l1_last_submission_gas,"
        " zkclear_stream_subscribers, zkclear_stream_subscriptions{channel} (protocol.md 11)."
    ),
    response={"type": "string", "description": "Prometheus text exposition format"},
    media="text/plain",
)
async def get_metrics(request: web.Request) -> web.Response:
    return exposition(request.app)
