"""Clients that hold a node's sockets without finishing anything, shared by tests/node/test_memory.py
and bench/node_sockets.py: slow-header connections (a request head never finished), slow-body
connections (a complete head announcing 100 kB, then one byte of body) and WebSocket subscribers to
the BTC-USD book and trades that never read past the handshake (a small receive buffer, so the
node's send buffers fill)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from dataclasses import dataclass, field

HEAD = b"POST /v1/orders HTTP/1.1\r\nHost: slow-client\r\nContent-Type: application/json\r\n"


async def slow_header(host: str, port: int) -> asyncio.StreamWriter:
    _, w = await asyncio.open_connection(host, port)
    w.write(HEAD)
    await w.drain()
    return w


async def slow_body(host: str, port: int) -> asyncio.StreamWriter:
    _, w = await asyncio.open_connection(host, port)
    w.write(HEAD + b"Content-Length: 100000\r\n\r\n{")
    await w.drain()
    return w


def ws_text_frame(text: str) -> bytes:
    """One masked WebSocket text frame (a client's frames must be masked, RFC 6455 5.3)."""
    data = text.encode()
    assert len(data) < 126, "a one-byte length is all these frames need"
    mask = os.urandom(4)
    return bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def deaf_subscriber(host: str, port: int) -> socket.socket:
    """Subscribes to the BTC-USD book and trades, then never reads."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, (host, port))
    await loop.sock_sendall(
        sock,
        b"GET /v1/stream HTTP/1.1\r\nHost: slow-client\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = await loop.sock_recv(sock, 1)
        if not chunk:
            sock.close()
            raise ConnectionError("closed during the WebSocket handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        sock.close()
        raise ConnectionError(f"no WebSocket upgrade: {head[:80]!r}")
    for ch in ("book", "trades"):
        msg = json.dumps({"op": "subscribe", "channel": ch, "market": "BTC-USD"})
        await loop.sock_sendall(sock, ws_text_frame(msg))
    return sock


@dataclass
class Burst:
    """The sockets of one burst, open until `close`."""

    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    subscribers: list[socket.socket] = field(default_factory=list)

    def close(self) -> None:
        """Drop every connection at once (an abort: no orderly shutdown the node could wait on)."""
        for w in self.writers:
            w.transport.abort()
        for s in self.subscribers:
            s.close()


async def open_burst(url: str, slow: int, subscribers: int) -> Burst:
    """`slow` slow-header and as many slow-body connections, and `subscribers` deaf subscribers, to
    the node at `url` (http://host:port)."""
    host, _, port_s = url.removeprefix("http://").rpartition(":")
    port = int(port_s)
    burst = Burst()
    burst.writers += await asyncio.gather(*(slow_header(host, port) for _ in range(slow)))
    burst.writers += await asyncio.gather(*(slow_body(host, port) for _ in range(slow)))
    burst.subscribers += await asyncio.gather(*(deaf_subscriber(host, port) for _ in range(subscribers)))
    return burst
