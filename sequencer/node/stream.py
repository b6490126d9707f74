"""WebSocket stream of book, trades, fills and batches.

Clients send `{"op": "subscribe", "channel": "book", "market": "BTC-USD"}` (channels: `book`,
`trades`, `fills` with `"account": id, "auth": token`, `batches`) and `unsubscribe` likewise.
Every event carries the journal sequence number it reflects, and is sent only once that entry is
durable: the stream never shows a fill that a crash could take back.  Book events are snapshots
of the top levels, sent at most every `book_interval_s` per market while it changes (a client
never has to patch diffs).

A client that cannot keep up is closed with code 1008: once `queue_limit` events wait for it, its
subscriptions end, its writer stops, and a close frame is queued behind what was already sent; a
client that never reads does not take that frame within CLOSE_WAIT_S and its connection is aborted.
What a subscriber may hold in the node is bounded: the event queue, the transport's write buffer
(WRITE_BUFFER bytes) and the socket's send buffer (SEND_BUFFER bytes, set on the socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from sequencer.node.errors import ApiError

CHANNELS = ("book", "trades", "fills", "batches")
QUEUE_LIMIT = 2000
CLOSE_WAIT_S = 10.0
WRITE_BUFFER = 64 * 1024
SEND_BUFFER = 64 * 1024
SLOW_CLOSE = 1008  # policy violation: the documented close of a subscriber that does not keep up
_dumps = json.JSONEncoder(separators=(",", ":")).encode


class Client:
    def __init__(self, ws: web.WebSocketResponse, queue_limit: int = QUEUE_LIMIT) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str] = asyncio.Queue(queue_limit)
        self.topics: set[str] = set()
        self.overflowed = asyncio.Event()

    def send(self, text: str) -> bool:
        if self.overflowed.is_set():
            return False
        try:
            self.queue.put_nowait(text)
            return True
        except asyncio.QueueFull:
            self.overflowed.set()
            return False


class StreamHub:
    """Holds subscriptions and durable-gated events; `publish` at apply time, `on_durable` after commits."""

    def __init__(self) -> None:
        self.topics: dict[str, set[Client]] = {}
        self.pending: deque[tuple[int, str, dict[str, Any]]] = deque()
        self.dirty_books: set[str] = set()

    def has_subscribers(self, topic: str) -> bool:
        return bool(self.topics.get(topic))

    def publish(self, seq: int, topic: str, event: dict[str, Any]) -> None:
        if self.topics.get(topic):
            self.pending.append((seq, topic, event))

    def on_durable(self, durable_seq: int) -> None:
        while self.pending and self.pending[0][0] <= durable_seq:
            seq, topic, event = self.pending.popleft()
            self.send(topic, {**event, "seq": seq})

    def send(self, topic: str, event: dict[str, Any]) -> None:
        subs = self.topics.get(topic)
        if not subs:
            return
        text = _dumps(event)
        for c in list(subs):
            if not c.send(text):  # too slow: drop the client rather than buffer without bound
                self.drop(c)

    def subscribe(self, client: Client, topic: str) -> None:
        self.topics.setdefault(topic, set()).add(client)
        client.topics.add(topic)

    def unsubscribe(self, client: Client, topic: str) -> None:
        subs = self.topics.get(topic)
        if subs is not None:
            subs.discard(client)
            if not subs:
                del self.topics[topic]
        client.topics.discard(topic)

    def drop(self, client: Client) -> None:
        for t in list(client.topics):
            self.unsubscribe(client, t)


async def serve(
    request: web.Request,
    hub: StreamHub,
    resolve: Callable[[dict[str, Any]], tuple[str, dict[str, Any] | None]],
    *,
    queue_limit: int = QUEUE_LIMIT,
    close_wait_s: float = CLOSE_WAIT_S,
) -> web.WebSocketResponse:
    """Run one WebSocket connection.  `resolve(msg)` turns a subscribe message into its topic and
    an optional initial snapshot event, raising ApiError for a bad channel, market or token."""
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=64 * 1024)
    await ws.prepare(request)
    transport = request.transport
    if transport is not None:
        transport.set_write_buffer_limits(high=WRITE_BUFFER)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    client = Client(ws, queue_limit)

    async def writer() -> None:
        while True:
            await ws.send_str(await client.queue.get())

    async def guard() -> None:
        """Close a subscriber that fell behind with 1008, or abort it if it never takes the frame."""
        await client.overflowed.wait()
        hub.drop(client)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        try:
            await asyncio.wait_for(
                ws.close(code=SLOW_CLOSE, message=b"too slow: event queue overflowed"), close_wait_s
            )
        except (TimeoutError, ConnectionError):
            if request.transport is not None:
                request.transport.abort()

    task = asyncio.create_task(writer())
    watch = asyncio.create_task(guard())
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                req = json.loads(msg.data)
                if not isinstance(req, dict) or req.get("op") not in ("subscribe", "unsubscribe"):
                    raise ApiError(
                        "malformed_body", 'messages are {"op": "subscribe"|"unsubscribe", "channel": ...}'
                    )
                topic, snapshot = resolve(req)
                if req["op"] == "subscribe":
                    hub.subscribe(client, topic)
                    client.send(_dumps({"type": "subscribed", "topic": topic}))
                    if snapshot is not None:
                        client.send(_dumps(snapshot))
                else:
                    hub.unsubscribe(client, topic)
                    client.send(_dumps({"type": "unsubscribed", "topic": topic}))
            except ApiError as err:
                client.send(_dumps({"type": "error", **err.to_json()}))
            except ValueError as exc:
                client.send(_dumps({"type": "error", **ApiError("malformed_body", str(exc)).to_json()}))
    finally:
        hub.drop(client)
        if not client.overflowed.is_set():
            watch.cancel()
            task.cancel()
        for t in (task, watch):
            with contextlib.suppress(asyncio.CancelledError):
                await t
    return ws
