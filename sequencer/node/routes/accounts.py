"""Account data.  Public: which account id an L2 key has (and its owner, the L1 address whose
deposit created it, public on L1 anyway).  Private, only with a read token signed by the account's
key: balances, margins, positions, open orders, fills, and the Merkle proof, whose leaf preimage
holds the same collateral, sizes, costs and nonce (docs/protocol.md section 11, "Privacy")."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sequencer.node import models as M
from sequencer.node import schemas as S
from sequencer.node.auth import HEADER
from sequencer.node.batches import PROOF_HISTORY_BATCHES
from sequencer.node.errors import ApiError
from sequencer.node.http import json_response
from sequencer.node.routes.common import engine_of, int_param, node_of, path_int, tokens_of
from sequencer.node.routing import RouteTable, query_param
from sequencer.node.wire import address_hex, to_field

ROUTES = RouteTable("accounts")
PRIVATE_ERRORS = ("unauthorized", "expired", "unknown_account", "rate_limited")


def _account_id(request: web.Request) -> int:
    return path_int(request, "account", "unknown_account")


def _authorize(request: web.Request) -> int:
    node = node_of(request)
    aid = _account_id(request)
    if engine_of(node).pubkey_of(aid) is None:
        raise ApiError("unknown_account", f"no account {aid}")
    return tokens_of(node).check(request.headers.get(HEADER), node.now(), aid)


@ROUTES.get(
    "/v1/accounts/by-key/{x}/{y}",
    summary="The account id of an L2 public key (public)",
    errors=("unknown_account",),
    response=S.ACCOUNT_ID,
)
async def account_by_key(request: web.Request) -> web.Response:
    node = node_of(request)
    key = (to_field(request.match_info["x"], "x"), to_field(request.match_info["y"], "y"))
    aid = engine_of(node).ex.account_id_of(key)
    if aid is None:
        raise ApiError("unknown_account", "no account has this public key (a deposit creates it)")
    owner = engine_of(node).ex.accounts[aid].owner
    await node.durable_barrier()
    body: M.AccountId = {"account_id": aid, "owner": address_hex(owner)}
    return json_response(body)


def account_json(node: Any, aid: int) -> M.Account:
    ex = engine_of(node).ex
    acct = ex.accounts[aid]
    risk = ex.risk(acct)
    positions: list[M.Position] = []
    for mk in ex.active:
        s = acct.sizes[mk.id]
        if s:
            c = mk.cfg
            positions.append(
                {
                    "market_id": mk.id,
                    "market": c.symbol,
                    "size": str(s),
                    "cost": str(acct.costs[mk.id]),
                    "entry_price": str(abs(acct.costs[mk.id]) // (abs(s) * mk.mult)),
                    "funding_snapshot": str(acct.fsnaps[mk.id]),
                    "size_display": _fixed(s, c.size_decimals),
                    "entry_price_display": _fixed(
                        abs(acct.costs[mk.id]) // (abs(s) * mk.mult), c.price_decimals
                    ),
                }
            )
    return {
        "account_id": aid,
        "owner": address_hex(acct.owner),
        "public_key": [str(acct.pub_x), str(acct.pub_y)],
        "collateral": str(acct.collateral),
        "value": str(risk.value),
        "withdrawable": str(risk.withdrawable),
        "initial_margin": str(risk.initial),
        "maintenance_margin": str(risk.maintenance),
        "liquidatable": risk.liquidatable,
        "auction_start": acct.auction_start,
        "nonce": acct.nonce,
        "positions": positions,
    }


def _fixed(v: int, decimals: int) -> str:
    if decimals == 0:
        return str(v)
    sign = "-" if v < 0 else ""
    q, r = divmod(abs(v), 10**decimals)
    return f"{sign}{q}.{r:0{decimals}d}"


@ROUTES.get(
    "/v1/accounts/{account}",
    summary="Collateral, account value, margins and positions (needs the account's read token)",
    errors=PRIVATE_ERRORS,
    auth=True,
    response=S.ACCOUNT,
)
async def get_account(request: web.Request) -> web.Response:
    node = node_of(request)
    aid = _authorize(request)
    body = account_json(node, aid)
    await node.durable_barrier()
    return json_response(body)


def order_json(node: Any, o: Any) -> M.OpenOrder:
    c = node.exchange_config.market(o.market_id)
    return {
        "order_id": o.order_id,
        "market_id": o.market_id,
        "market": c.symbol,
        "side": "buy" if o.side == 0 else "sell",
        "price": str(o.price),
        "size": str(o.size),
        "filled": str(o.filled),
        "remaining": str(o.remaining),
        "expiry": o.expiry,
        "reduce_only": bool(o.reduce_only),
        "price_display": _fixed(o.price, c.price_decimals),
        "size_display": _fixed(o.size, c.size_decimals),
        "remaining_display": _fixed(o.remaining, c.size_decimals),
    }


@ROUTES.get(
    "/v1/accounts/{account}/orders",
    summary="Open orders, oldest first (needs the account's read token)",
    errors=PRIVATE_ERRORS,
    auth=True,
    response=S.OPEN_ORDERS,
)
async def get_orders(request: web.Request) -> web.Response:
    node = node_of(request)
    aid = _authorize(request)
    orders = [order_json(node, o) for o in engine_of(node).ex.open_orders(aid)]
    await node.durable_barrier()
    body: M.OpenOrders = {"account_id": aid, "orders": orders}
    return json_response(body)


@ROUTES.get(
    "/v1/accounts/{account}/fills",
    summary="Recent fills of the account, newest last (last 1000 kept; needs the read token)",
    params=(query_param("limit", "how many (1..1000, default 100)", {"type": "integer"}),),
    errors=PRIVATE_ERRORS,
    auth=True,
    response=S.FILLS,
)
async def get_fills(request: web.Request) -> web.Response:
    node = node_of(request)
    aid = _authorize(request)
    limit = int_param(request, "limit", 100, 1, 1000)
    fills = list(engine_of(node).history.fills.get(aid, ()))[-limit:]
    await node.durable_barrier()
    body: M.Fills = {"account_id": aid, "fills": fills}
    return json_response(body)


@ROUTES.get(
    "/v1/accounts/{account}/proof",
    summary="Merkle proof of the account's leaf against the root of a closed batch (needs the read token)",
    description=(
        "What a user needs to leave through L1: the committed account preimage, its leaf, the 36 "
        "siblings of its 4-ary path (leaf to root, per level the 3 other children in child order) "
        "and the global hash, so that Poseidon([TAG_STATE, accounts_root, "
        "global_hash]) is the batch's new root. `batch` may name any of the last "
        f"{PROOF_HISTORY_BATCHES} closed batches (default: the last)."
    ),
    params=(query_param("batch", "batch number (default: the last closed batch)", {"type": "integer"}),),
    errors=(*PRIVATE_ERRORS, "not_found", "malformed_body"),
    auth=True,
    response=S.PROOF,
)
async def get_proof(request: web.Request) -> web.Response:
    node = node_of(request)
    aid = _authorize(request)
    await engine_of(node).batches.idle()
    ex = engine_of(node).ex
    last = ex.batch_number - 1
    if last < 0:
        raise ApiError(
            "not_found", "no batch has been closed yet: there is no committed root to prove against"
        )
    want = int_param(request, "batch", last, 0, 1 << 62)
    try:
        proof = ex.account_proof(aid, want)
    except KeyError:
        raise ApiError(
            "not_found", f"no proof kept for batch {want}: kept are the last closed batches up to {last}"
        ) from None
    state = proof.state
    if state is None:
        raise ApiError("unknown_account", f"account {aid} is not in the committed state of batch {want}")
    body: M.Proof = {
        "account_id": aid,
        "batch": want,
        "root": str(proof.root),
        "accounts_root": str(proof.accounts_root),
        "global_hash": str(proof.global_hash),
        "leaf": str(proof.leaf),
        "siblings": [str(s) for s in proof.siblings],
        "orders_root": str(proof.orders_root),
        "account": {
            "pub_x": str(state.pub_x),
            "pub_y": str(state.pub_y),
            "owner": address_hex(state.owner),
            "collateral": str(state.collateral),
            "nonce": state.nonce,
            "sizes": [str(v) for v in state.sizes],
            "costs": [str(v) for v in state.costs],
            "funding_snapshots": [str(v) for v in state.fsnaps],
            "auction_start": state.auction_start,
        },
    }
    await node.durable_barrier()
    return json_response(body)
