"""Batches: the numbered groups of operations the node closes, with their roots and status.

Status moves `closed -> proving -> proven` (the prover stage, `--prove`) `-> submitted ->
finalized` (the L1 client), protocol.md 11; `proof` and `l1_tx` are null until then."""

from __future__ import annotations

from aiohttp import web

from sequencer.node import models as M
from sequencer.node import schemas as S
from sequencer.node.answers import batch_json
from sequencer.node.errors import ApiError
from sequencer.node.http import json_response
from sequencer.node.routes.common import engine_of, int_param, journal_of, node_of, path_int
from sequencer.node.routing import RouteTable, query_param

ROUTES = RouteTable("batches")


@ROUTES.get(
    "/v1/batches",
    summary="Closed batches, newest first, with roots and status",
    params=(
        query_param("limit", "how many (1..500, default 50)", {"type": "integer"}),
        query_param("before", "only batches numbered below this", {"type": "integer"}),
    ),
    response=S.BATCHES,
)
async def list_batches(request: web.Request) -> web.Response:
    node = node_of(request)
    limit = int_param(request, "limit", 50, 1, 500)
    before = request.query.get("before")
    after = None if before is None else int_param(request, "before", 0, 0, 1 << 62)
    await node.batches_barrier()
    rows = journal_of(node).reader.batches(after=after, limit=limit)
    engine = engine_of(node)
    open_batch: M.OpenBatchRange = {
        "number": engine.ex.batch_number,
        "n_ops": engine.batches.ops,
        "first_seq": engine.batches.first_seq or None,
    }
    body: M.Batches = {"batches": [batch_json(r) for r in rows], "open": open_batch}
    return json_response(body)


@ROUTES.get("/v1/batches/{number}", summary="One closed batch", response=S.BATCH, errors=("not_found",))
async def get_batch(request: web.Request) -> web.Response:
    node = node_of(request)
    number = path_int(request, "number")
    await node.batches_barrier()
    row = journal_of(node).reader.batch(number)
    if row is None:
        raise ApiError("not_found", f"batch {number} is not closed (yet)")
    return json_response(batch_json(row))
