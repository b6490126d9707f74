"""Python client of the zkclear node: `AsyncClient` (aiohttp) and `Client` (a blocking facade).

Requests and answers are the JSON of the node's HTTP API (docs/protocol.md, "HTTP API and error
codes"); an error answer raises `NodeError` carrying the stable code.  Building and signing
operations is `client.wallet.Wallet`'s job; the client only moves them.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, TypeVar

import aiohttp

T = TypeVar("T")
AUTH_HEADER = "X-Zkclear-Auth"


class NodeError(Exception):
    """An error answer of the node (or a transport failure, code `unreachable`)."""

    def __init__(
        self, code: str, message: str, status: int = 0, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details or {}


class AsyncClient:
    def __init__(
        self, url: str, *, timeout: float = 30.0, session: aiohttp.ClientSession | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session = session
        self._own_session = session is None

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            # One keep-alive pool per client; a benchmark driver opens many connections through it.
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=aiohttp.TCPConnector(limit=256)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and self._own_session:
            await self._session.close()
        self._session = None

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers[AUTH_HEADER] = token
        data = None if body is None else json.dumps(body, separators=(",", ":"))
        try:
            async with self.session.request(
                method, self.url + path, data=data, headers=headers, params=params
            ) as resp:
                raw = await resp.read()
                status = resp.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise NodeError(
                "unreachable", f"cannot reach the node at {self.url}: {exc or type(exc).__name__}"
            ) from exc
        try:
            payload = json.loads(raw) if raw else None
        except ValueError as exc:
            raise NodeError("bad_response", f"the node answered {status} with non-JSON", status) from exc
        if status >= 400:
            err = (payload or {}).get("error", {}) if isinstance(payload, dict) else {}
            raise NodeError(
                err.get("code", "http_error"),
                err.get("message", f"HTTP {status}"),
                status,
                err.get("details"),
            )
        return payload

    # -- public --------------------------------------------------------------------------------
    async def info(self) -> dict[str, Any]:
        return await self.request("GET", "/v1/info")

    async def health(self) -> dict[str, Any]:
        return await self.request("GET", "/v1/health")

    async def markets(self) -> list[dict[str, Any]]:
        return (await self.request("GET", "/v1/markets"))["markets"]

    async def book(self, market: str, depth: int = 20) -> dict[str, Any]:
        return await self.request("GET", f"/v1/markets/{market}/book", params={"depth": depth})

    async def trades(self, market: str, limit: int = 100) -> list[dict[str, Any]]:
        return (await self.request("GET", f"/v1/markets/{market}/trades", params={"limit": limit}))["trades"]

    async def oracle(self) -> dict[str, Any]:
        return await self.request("GET", "/v1/oracle")

    async def funding(self) -> dict[str, Any]:
        return await self.request("GET", "/v1/funding")

    async def batches(self, limit: int = 50, before: int | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit}
        if before is not None:
            params["before"] = before
        return (await self.request("GET", "/v1/batches", params=params))["batches"]

    async def batch(self, number: int) -> dict[str, Any]:
        return await self.request("GET", f"/v1/batches/{number}")

    async def params(self, batch: int | None = None) -> dict[str, Any]:
        """Every input of global_hash as a closed batch committed it (default: the last one)."""
        return await self.request("GET", "/v1/params", params={} if batch is None else {"batch": batch})

    async def account_by_key(self, pub: tuple[int, int]) -> dict[str, Any]:
        return await self.request("GET", f"/v1/accounts/by-key/{pub[0]}/{pub[1]}")

    # -- signed operations ---------------------------------------------------------------------
    async def place_order(self, order: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/v1/orders", order)

    async def place_orders(self, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Submit many signed orders in one request; one result per order (`ok` true or an error)."""
        return (await self.request("POST", "/v1/orders/batch", {"orders": orders}))["results"]

    async def takeover(self, takeover: dict[str, Any]) -> dict[str, Any]:
        """Take over a position in a liquidation auction (`Wallet.takeover` builds the body)."""
        return await self.request("POST", "/v1/liquidations/takeover", takeover)

    async def cancel(self, cancel: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/v1/orders/cancel", cancel)

    async def cancel_all(self, cancel: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/v1/orders/cancel-all", cancel)

    async def withdraw(self, withdrawal: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/v1/withdrawals", withdrawal)

    async def transfer(self, transfer: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/v1/transfers", transfer)

    async def devnet_deposit(self, deposit: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/v1/devnet/deposit", deposit)

    async def devnet_oracle(self, prices: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", "/v1/devnet/oracle", prices)

    # -- private reads -------------------------------------------------------------------------
    async def account(self, account: int, token: str) -> dict[str, Any]:
        return await self.request("GET", f"/v1/accounts/{account}", token=token)

    async def open_orders(self, account: int, token: str) -> list[dict[str, Any]]:
        return (await self.request("GET", f"/v1/accounts/{account}/orders", token=token))["orders"]

    async def proof(self, account: int, token: str, batch: int | None = None) -> dict[str, Any]:
        """Merkle proof of the account's committed leaf (private: the account's read token)."""
        params = {} if batch is None else {"batch": batch}
        return await self.request("GET", f"/v1/accounts/{account}/proof", token=token, params=params)

    async def fills(self, account: int, token: str, limit: int = 100) -> list[dict[str, Any]]:
        path = f"/v1/accounts/{account}/fills"
        return (await self.request("GET", path, token=token, params={"limit": limit}))["fills"]

    # -- stream --------------------------------------------------------------------------------
    async def stream(self, subscriptions: list[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        """Yield stream events after sending the given subscribe messages."""
        ws_url = self.url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/v1/stream"
        async with self.session.ws_connect(ws_url) as ws:
            for sub in subscriptions:
                await ws.send_str(json.dumps({"op": "subscribe", **sub}))
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    yield json.loads(msg.data)
                elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    return


class Client:
    """Blocking facade: every AsyncClient coroutine method, run on a private event loop thread."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="zkclear-client", daemon=True)
        self._thread.start()
        self._async = AsyncClient(url, timeout=timeout)
        self.url = self._async.url

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __getattr__(self, name: str) -> Callable[..., Any]:
        fn = getattr(self._async, name)
        if not asyncio.iscoroutinefunction(fn):
            raise AttributeError(name)

        def call(*args: Any, **kw: Any) -> Any:
            return self._run(fn(*args, **kw))

        return call

    def close(self) -> None:
        self._run(self._async.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
