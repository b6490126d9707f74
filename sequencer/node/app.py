"""The aiohttp application factory and the blocking `serve` used by `zkclear node`.

aiohttp is the framework: asyncio-native, one dependency for server, client and WebSockets, and
already required by the project; its low per-request overhead matters on a 2-core machine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable

from aiohttp import web

from sequencer.config import ExchangeConfig
from sequencer.node import memdebug, metrics
from sequencer.node.config import NodeConfig
from sequencer.node.http import (
    BODY_TIMEOUT_KEY,
    LIMITER_KEY,
    MAX_BODY_KEY,
    OPENAPI_KEY,
    address_rate_limit,
    error_middleware,
)
from sequencer.node.openapi import build_document
from sequencer.node.ratelimit import RateLimiter
from sequencer.node.routes import ALL_TABLES, DEVNET_TABLES
from sequencer.node.routes.common import NODE_KEY
from sequencer.node.routes.market import book_json
from sequencer.node.server import CONNECTION_CLOSED_KEY, NodeRunner
from sequencer.node.service import Node

log = logging.getLogger("zkclear.node")
BOOK_TICK_S = 0.1
BOOK_TASK_KEY: web.AppKey[asyncio.Task[None]] = web.AppKey("book_task", asyncio.Task)


def create_app(config: NodeConfig, exchange_config: ExchangeConfig) -> web.Application:
    limiter = RateLimiter(config.address_rate, config.address_burst) if config.address_rate > 0 else None
    app = web.Application(
        # no per-address middleware at all when that limit is off (one call less per request)
        middlewares=[error_middleware] + ([address_rate_limit(limiter)] if limiter is not None else []),
        # aiohttp's own cap (raised past ours so read_json gives the JSON error, not aiohttp's)
        client_max_size=config.max_body_bytes + 1,
    )
    app[MAX_BODY_KEY] = config.max_body_bytes
    app[BODY_TIMEOUT_KEY] = config.body_timeout_s
    if limiter is not None:
        app[LIMITER_KEY] = limiter
    tables = ALL_TABLES + (DEVNET_TABLES if config.devnet else [])
    for t in tables:
        t.register(app)
    app[OPENAPI_KEY] = build_document([r for t in tables for r in t.routes], {})
    node = Node(config, exchange_config)
    app[NODE_KEY] = node
    metrics.install(app, node)
    app[CONNECTION_CLOSED_KEY] = node.gc.connection_closed

    async def on_startup(app: web.Application) -> None:
        await node.start()
        app[BOOK_TASK_KEY] = asyncio.create_task(_book_publisher(node))

    async def on_shutdown(app: web.Application) -> None:
        app[BOOK_TASK_KEY].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app[BOOK_TASK_KEY]
        await node.stop()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    return app


async def _book_publisher(node: Node) -> None:
    """Book snapshots for markets that changed, at most every BOOK_TICK_S, gated on durability."""
    while True:
        await asyncio.sleep(BOOK_TICK_S)
        engine = node.engine
        if engine is None or not engine.history.dirty_books or node.journal is None:
            continue
        history = engine.history
        dirty, history.dirty_books = history.dirty_books, set()
        seq = node.journal.last_seq
        for mid in dirty:
            topic = f"book:{mid}"
            if node.hub.has_subscribers(topic) and node.exchange_config.market(mid) is not None:
                node.hub.publish(seq, topic, {"type": "book", **book_json(node, mid, 20)})
        if node.journal.durable_seq >= seq:
            node.hub.on_durable(node.journal.durable_seq)


async def serve(
    config: NodeConfig, exchange_config: ExchangeConfig, on_ready: Callable[[str], None] | None = None
) -> None:
    """Run the node until SIGINT/SIGTERM; `on_ready(url)` is called once it listens."""
    # Batch hashing runs on its own thread; a short GIL switch interval keeps the loop thread's
    # latency low while that thread runs Python between its native calls.
    sys.setswitchinterval(0.001)
    app = create_app(config, exchange_config)
    runner = NodeRunner(app, header_timeout_s=config.header_timeout_s, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port, backlog=1024, reuse_address=True)
    await site.start()
    addresses = runner.addresses  # (host, port[, ...]) of each listening socket
    port = addresses[0][1] if addresses else config.port
    url = f"http://{config.host}:{port}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    memdebug.install(loop)  # only with ZKCLEAR_MEMTRACE set (benches)
    if on_ready is not None:
        on_ready(url)
    try:
        await stop.wait()
    finally:
        log.info("stopping: flushing the journal and writing a snapshot")
        await runner.cleanup()
