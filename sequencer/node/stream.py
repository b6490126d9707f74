"""WebSocket stream of book, trades, fills and batches.

Clients send `{"op": "subscribe", "channel": "book", "market": "BTC-USD"}` (channels: `book`,
`trades`, `fills` with `"account": id, "auth": token`, `batches`) and `unsubscribe` likewise.
Every event carries the journal sequence number it reflects, and is sent only once that entry is
durable: the stream never shows a fill that a crash could take back.  Book events are snapshots
of the top levels, sent at most every `book_interval_s` per market while it changes (a client
never has to patch diffs).  A client that cannot keep up (its queue overflows) is disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from sequencer.node.errors import ApiError

CHANNELS = ("book", "trades", "fills", "batches")
QUEUE_LIMIT = 2000
_dumps = json.JSONEncoder(separators=(",", ":")).encode


class Client:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_LIMIT)
        self.topics: set[str] = set()

    def send(self, text: str) -> bool:
        try:
            self.queue.put_nowait(text)
            return True
        except asyncio.QueueFull:
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
                with contextlib.suppress(asyncio.QueueFull):
                    c.queue.put_nowait(None)

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
) -> web.WebSocketResponse:
    """Run one WebSocket connection.  `resolve(msg)` turns a subscribe message into its topic and
    an optional initial snapshot event, raising ApiError for a bad channel, market or token."""
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=64 * 1024)
    await ws.prepare(request)
    client = Client(ws)

    async def writer() -> None:
        while True:
            text = await client.queue.get()
            if text is None:
                await ws.close(code=1008, message=b"too slow: event queue overflowed")
                return
            await ws.send_str(text)

    task = asyncio.create_task(writer())
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
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return ws
