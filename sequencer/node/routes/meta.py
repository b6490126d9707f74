"""Node identity, health and the OpenAPI document."""

from __future__ import annotations

import time
from importlib.metadata import version

from aiohttp import web

from sequencer.node import models as M
from sequencer.node import schemas as S
from sequencer.node.errors import ApiError
from sequencer.node.health import health_checks
from sequencer.node.http import OPENAPI_KEY, json_response
from sequencer.node.routes.common import engine_of, journal_of, node_of
from sequencer.node.routing import RouteTable
from sequencer.node.wire import address_hex

ROUTES = RouteTable("meta")


@ROUTES.get(
    "/v1/info",
    summary="Chain id, rollup address, signing domain, markets, journal position",
    response=S.INFO,
)
async def get_info(request: web.Request) -> web.Response:
    node = node_of(request)
    ex = engine_of(node).ex
    cfg = node.exchange_config
    c = node.config
    body: M.Info = {
        "version": version("zkclear"),
        "chain_id": str(cfg.chain_id),
        "rollup_address": address_hex(cfg.rollup_address),
        "domain_hash": str(ex.domain),
        "markets": [m.symbol for m in cfg.markets],
        "last_seq": journal_of(node).last_seq,
        "durable_seq": journal_of(node).durable_seq,
        "state_root": str(engine_of(node).batches.committed_root),
        "next_batch": ex.batch_number,
        "devnet": c.devnet,
        "limits": {
            "max_body_bytes": c.max_body_bytes,
            "max_batch_orders": c.max_batch_orders,
            "key_rate": c.key_rate,
            "key_burst": c.key_burst,
            "address_rate": c.address_rate,
            "address_burst": c.address_burst,
        },
        "l1": None if node.l1 is None else node.l1.info(),
        "not_yet": [name for name, on in (("proofs", node.prover), ("l1", node.l1)) if on is None],
    }
    return json_response(body)


@ROUTES.get(
    "/v1/health",
    summary="Health: the journal is writable and the enabled proving / L1 stages keep up",
    description=(
        "A failing check (journal not writable; with --prove, the oldest batch not yet proven closed"
        " more than --health-max-unproven-s ago; with an L1 client, the oldest proven batch not yet"
        " finalized closed more than --health-max-unfinalized-s ago, or the L1 queue watch halted on a"
        " reorg or a bad entry: check l1_queue, with the error's code) makes the answer 503"
        " `unavailable` with this object, failing checks included, as the error's details."
    ),
    response=S.HEALTH,
)
async def get_health(request: web.Request) -> web.Response:
    node = node_of(request)
    checks = health_checks(node)
    failing = [c["name"] for c in checks if not c["ok"]]
    body: M.Health = {
        "ok": not failing,
        "uptime_s": round(time.time() - node.started_at, 1),
        "replayed": node.replayed,
        "checks": checks,
    }
    if node.pipeline is not None and node.journal is not None:
        body["pipeline"] = dict(node.pipeline.stats)
        body["journal_commits"] = journal_of(node).commits
    if node.prover is not None:
        body["prover"] = node.prover.health()
    if failing:
        raise ApiError("unavailable", "failing health checks: " + ", ".join(failing), dict(body))
    return json_response(body)


@ROUTES.get("/openapi.json", summary="This document (OpenAPI 3.1)", response=S.ANY_OBJECT)
async def get_openapi(request: web.Request) -> web.Response:
    return json_response(request.app[OPENAPI_KEY])


@ROUTES.get(
    "/v1/state",
    summary="Current state root (pending operations included), the committed root and the journal position",
    description="`digest` (sha256 of the full state snapshot, books included) is given on devnet nodes only: it is for checks, and costs a full serialisation.",
    response=S.STATE,
)
async def get_state(request: web.Request) -> web.Response:
    node = node_of(request)
    engine = engine_of(node)
    await engine.batches.idle()
    ex = engine.ex
    body: M.State = {
        "last_seq": journal_of(node).last_seq,
        "current_root": str(ex.current_root()),
        "committed_root": str(ex.state_root),
        "open_batch": {"number": ex.batch_number, "n_ops": engine.batches.ops},
    }
    if node.config.devnet:
        body["digest"] = ex.digest()
    await node.durable_barrier()
    return json_response(body)
