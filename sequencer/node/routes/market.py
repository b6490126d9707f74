"""Public market data: markets, book levels, recent trades, oracle and funding state.

Every answer reflects only durable operations: it is computed, then sent once the journal has
made everything applied up to that moment durable (one group commit at most)."""

from __future__ import annotations

import time
from typing import Any, cast

from aiohttp import web

from protocol.constants import STATUS_HALTED, STATUS_NORMAL, STATUS_REDUCE_ONLY
from protocol.records import GlobalState
from sequencer.node import models as M
from sequencer.node import schemas as S
from sequencer.node.errors import ApiError
from sequencer.node.http import json_response
from sequencer.node.routes.common import engine_of, int_param, journal_of, node_of
from sequencer.node.routing import RouteTable, query_param

ROUTES = RouteTable("market data")
MARKET_ERRORS = ("unknown_market", "malformed_body", "rate_limited")
STATUS_NAMES: dict[int, M.StatusName] = {
    STATUS_NORMAL: "normal",
    STATUS_REDUCE_ONLY: "reduce_only",
    STATUS_HALTED: "halted",
}


def market_json(node: Any, mk: Any) -> M.Market:
    c = mk.cfg
    return {
        "market_id": c.market_id,
        "symbol": c.symbol,
        "size_decimals": c.size_decimals,
        "price_decimals": c.price_decimals,
        "tick_size": str(c.tick_size),
        "step_size": str(c.step_size),
        "min_order_size": str(c.min_order_size),
        "initial_margin_ppm": c.initial_margin_ppm,
        "maintenance_margin_ppm": c.maintenance_margin_ppm,
        "max_leverage": str(c.max_leverage),
        "max_price": str(c.max_price),
        "open_interest_cap": str(c.open_interest_cap),
        "price_band_ppm": c.price_band_ppm,
        "maker_fee_ppm": c.maker_fee_ppm,
        "taker_fee_ppm": c.taker_fee_ppm,
        "liquidation_fee_ppm": c.liquidation_fee_ppm,
        "funding_cap_ppb": c.funding_cap_ppb,
        "oracle_max_move_ppm": c.oracle_max_move_ppm,
        "oracle_move_ppm_per_s": c.oracle_move_ppm_per_s,
        "breaker_move_ppm": c.breaker_move_ppm,
        "breaker_window_s": c.breaker_window_s,
        "cooldown_s": c.cooldown_s,
        "mark_window_s": c.mark_window_s,
        "oi_fund_multiple": c.oi_fund_multiple,
        "oracle_price": str(mk.oracle_price),
        "oracle_time": mk.oracle_time,
        "funding_index": str(mk.funding_index),
        "open_interest": str(mk.open_interest),
        **risk_json(mk),
    }


def _now(mk: Any) -> int:
    """The time a market's state is read at: the later of the wall clock and its oracle time."""
    return max(int(time.time()), mk.oracle_time)


def status_now(mk: Any) -> int:
    """The status in force now (protocol.md 4.11): the committed one until status_until."""
    return int(mk.status) if _now(mk) < mk.status_until else STATUS_NORMAL


def risk_json(mk: Any) -> M.RiskState:
    """The committed risk state of a market (protocol.md 4.11, 4.12) and what it means now: the
    status in force and whether the price is stale (at the later of the wall clock and the last
    operation's time)."""
    now = _now(mk)
    return {
        "mark_price": str(mk.mark_price),
        "status": STATUS_NAMES[status_now(mk)],
        "status_until": mk.status_until,
        "stale": bool(mk.oracle_price) and mk.stale(now),
        "breaker_ref_price": str(mk.ref_price),
        "breaker_ref_time": mk.ref_time,
        "premium_ema_ppb": mk.premium_ema,
        "premium_sum_ppb": str(mk.premium_sum),
        "premium_samples": mk.premium_samples,
    }


@ROUTES.get(
    "/v1/markets",
    summary="Every market with its parameters and live oracle/funding state",
    response=S.MARKETS,
)
async def list_markets(request: web.Request) -> web.Response:
    node = node_of(request)
    ex = engine_of(node).ex
    body: M.Markets = {"markets": [market_json(node, mk) for mk in ex.active]}
    await node.durable_barrier()
    return json_response(body)


def book_json(node: Any, market_id: int, depth: int) -> M.Book:
    levels = engine_of(node).ex.book_levels(market_id, depth)
    return {
        "market_id": market_id,
        "seq": journal_of(node).last_seq,
        "bids": [[str(p), str(s)] for p, s in levels["bids"]],
        "asks": [[str(p), str(s)] for p, s in levels["asks"]],
    }


@ROUTES.get(
    "/v1/markets/{market}/book",
    summary="Order book levels [price, total size], best first",
    params=(query_param("depth", "levels per side (1..500, default 20)", {"type": "integer"}),),
    errors=MARKET_ERRORS,
    response=S.BOOK,
)
async def get_book(request: web.Request) -> web.Response:
    node = node_of(request)
    mid = engine_of(node).market_id(request.match_info["market"])
    body = book_json(node, mid, int_param(request, "depth", 20, 1, 500))
    await node.durable_barrier()
    return json_response(body)


@ROUTES.get(
    "/v1/markets/{market}/trades",
    summary="Recent trades, newest last (the node keeps the last 1000 per market)",
    params=(query_param("limit", "how many (1..1000, default 100)", {"type": "integer"}),),
    errors=MARKET_ERRORS,
    response=S.TRADES,
)
async def get_trades(request: web.Request) -> web.Response:
    node = node_of(request)
    mid = engine_of(node).market_id(request.match_info["market"])
    limit = int_param(request, "limit", 100, 1, 1000)
    trades = list(engine_of(node).history.trades.get(mid, ()))[-limit:]
    await node.durable_barrier()
    body: M.Trades = {"market_id": mid, "trades": trades}
    return json_response(body)


@ROUTES.get(
    "/v1/oracle", summary="Oracle price and time per market, signer set and quorum", response=S.ORACLE
)
async def get_oracle(request: web.Request) -> web.Response:
    node = node_of(request)
    ex = engine_of(node).ex
    cfg = node.exchange_config
    body: M.Oracle = {
        "quorum": cfg.oracle_quorum,
        "signers": [[str(x), str(y)] for x, y in cfg.oracle_signers],
        "max_age_s": cfg.oracle_max_age_s,
        "recovery_quorum": cfg.recovery_quorum,
        "markets": [
            {
                "market_id": mk.id,
                "symbol": mk.cfg.symbol,
                "price": str(mk.oracle_price),
                "time": mk.oracle_time,
                **risk_json(mk),
            }
            for mk in ex.active
        ],
    }
    await node.durable_barrier()
    return json_response(body)


@ROUTES.get(
    "/v1/funding", summary="Cumulative funding index per market and the funding schedule", response=S.FUNDING
)
async def get_funding(request: web.Request) -> web.Response:
    node = node_of(request)
    ex = engine_of(node).ex
    cfg = node.exchange_config
    body: M.Funding = {
        "interval_s": cfg.funding_interval_s,
        "premium_divisor": cfg.funding_premium_divisor,
        "last_funding_time": ex.funding_time,
        "next_funding_time": (ex.funding_time + cfg.funding_interval_s) if ex.funding_time else None,
        "markets": [
            {
                "market_id": mk.id,
                "symbol": mk.cfg.symbol,
                "funding_index": str(mk.funding_index),
                "cap_ppb": mk.cfg.funding_cap_ppb,
                "mark_price": str(mk.mark_price),
                "status": STATUS_NAMES[status_now(mk)],
                "premium_sum_ppb": str(mk.premium_sum),
                "premium_samples": mk.premium_samples,
            }
            for mk in ex.active
        ],
    }
    await node.durable_barrier()
    return json_response(body)


def committed_json(node: Any, batch: int, g: GlobalState, gh: int) -> M.Params:
    cfg = node.exchange_config
    signers = [[str(x), str(y)] for x, y in cfg.oracle_signers]
    markets: list[M.CommittedMarket | None] = []
    for mid, ms in enumerate(g.markets):
        mc = cfg.market(mid)
        if ms is None or mc is None:
            markets.append(None)
            continue
        markets.append(
            {
                "market_id": mid,
                "symbol": mc.symbol,
                "config": cast(M.ConfigInputs, {k: str(getattr(mc, k)) for k in M.CONFIG_HASH_FIELDS}),
                "risk": cast(M.RiskInputs, {k: str(getattr(mc, k)) for k in M.RISK_HASH_FIELDS}),
                "risk_hash": str(mc.risk_hash()),
                "config_hash": str(mc.config_hash()),
                "oracle_price": str(ms.oracle_price),
                "oracle_time": ms.oracle_time,
                "funding_index": str(ms.funding_index),
                "open_interest": str(ms.open_interest),
                "status": cast(M.StatusCode, ms.status),
                "status_until": ms.status_until,
                "ref_price": str(ms.ref_price),
                "ref_time": ms.ref_time,
                "mark_price": str(ms.mark_price),
                "premium_ema": ms.premium_ema,
                "premium_sum": str(ms.premium_sum),
                "premium_samples": ms.premium_samples,
            }
        )
    return {
        "batch": batch,
        "global_hash": str(gh),
        "params": {
            "oracle_signers": signers,
            "oracle_quorum": cfg.oracle_quorum,
            "oracle_max_age_s": cfg.oracle_max_age_s,
            "oracle_max_skew_s": cfg.oracle_max_skew_s,
            "funding_interval_s": cfg.funding_interval_s,
            "funding_premium_divisor": cfg.funding_premium_divisor,
            "recovery_quorum": cfg.recovery_quorum,
            "auction_duration_s": cfg.auction_duration_s,
            "domain_hash": str(cfg.domain_hash()),
        },
        "oracle_set_hash": str(cfg.oracle_set_hash()),
        "params_hash": str(cfg.params_hash()),
        "markets": markets,
        "insurance_fund": str(g.insurance_fund),
        "fee_pool": str(g.fee_pool),
        "funding_time": g.funding_time,
    }


@ROUTES.get(
    "/v1/params",
    summary="Every input of global_hash as committed in a closed batch's root (public)",
    description=(
        "The parameters and global state behind `global_hash` (docs/protocol.md section 3.3) as of "
        "the last closed batch, or `?batch=N` for any of the last closed batches: the oracle "
        "signer set, quorum, ages, funding schedule, recovery quorum, auction duration and signing "
        "domain (params_hash), each configured market's config_hash inputs in hashed order (`config`, then "
        "`risk`, the inputs of `risk_hash`, its last input) and its committed state M_m in hashed "
        "order (oracle price and time, funding index, open interest, status, status_until, breaker "
        "reference price and time, mark price, premium average, sum and samples), the insurance "
        "fund, the fee pool and the funding time. Signed values are "
        "hashed as v mod r. A client recomputes global_hash from them instead of trusting it; "
        "market slots without a market are null (M_i = 0)."
    ),
    params=(query_param("batch", "batch number (default: the last closed batch)", {"type": "integer"}),),
    errors=("not_found", "malformed_body", "rate_limited"),
    response=S.PARAMS,
)
async def get_params(request: web.Request) -> web.Response:
    node = node_of(request)
    engine = engine_of(node)
    await engine.batches.idle()
    ex = engine.ex
    last = ex.batch_number - 1
    if last < 0:
        raise ApiError("not_found", "no batch has been closed yet: nothing is committed")
    want = int_param(request, "batch", last, 0, 1 << 62)
    kept = ex.trees.globals_at.get(want)
    if kept is None or want > last:
        raise ApiError("not_found", f"no committed state kept for batch {want} (the last closed is {last})")
    g, gh = kept
    body = committed_json(node, want, g, gh)
    await node.durable_barrier()
    return json_response(body)
