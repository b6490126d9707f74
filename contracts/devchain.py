"""The devnet's embedded L1 (protocol.md 7.12.2): an in-process EVM (py-evm through eth-tester and
web3's EthereumTesterProvider) served as Ethereum JSON-RPC over HTTP on 127.0.0.1, so the node,
the trader CLI, a wallet or any web3 library reach it as they would any Ethereum node.

- Every request (and each element of a JSON-RPC batch array) is forwarded to the provider under one
  lock; blocks are mined per transaction (auto-mining); eth-tester's funded accounts are unlocked
  for eth_sendTransaction. `evm_increaseTime` and `evm_mine` move time as anvil's do.
- The chain id is configured: eth-tester hard-codes 131277322940537, so the py-evm chain object gets
  the configured id (eth-tester signs with it) and eth_chainId/net_version answer it; a
  transaction signed for another chain is refused here (py-evm would run it).
- Durable: with a data dir, py-evm's own database (headers, blocks, receipts, the state trie) is a
  SQLite table in `l1.db`, and each state-changing request (a transaction, a time move, a mined
  block) runs in one SQLite transaction committed before it is answered (WAL, synchronous=FULL):
  a restart, or a kill -9 at any point, reopens the chain at its last answered block, at once.
  evm_snapshot/evm_revert are not served (a devnet's L1 only moves forward)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import rlp
from aiohttp import web
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth_abi import encode as abi_encode
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import TransactionFailed
from web3 import EthereumTesterProvider, Web3
from web3.providers.base import BaseProvider
from web3.types import RPCEndpoint, RPCResponse

log = logging.getLogger("zkclear.devchain")

DEFAULT_CHAIN_ID = 31337  # anvil's, and the devnet exchange's (sequencer.node.defaults)
DEFAULT_ACCOUNTS = 10  # eth-tester's default funded accounts (1,000,000 ETH each)
STATE_FILE = "l1.db"
CHANGING = frozenset({"eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "evm_increaseTime"})
NOT_SERVED = frozenset({"evm_snapshot", "evm_revert", "testing_timeTravel"})
ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)'s selector

# JSON-RPC error codes: the standard ones, geth's 3 for a revert and -32000 for a refused request
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, SERVER_ERROR, REVERTED = -32700, -32600, -32601, -32000, 3


class DevChainError(RuntimeError):
    """The data dir holds another chain (another chain id or number of accounts)."""


def _quantities(x: Any, key: str = "") -> Any:
    """eth-tester's answers as JSON-RPC encodes them: integers as hex quantities, bytes and the
    logs bloom as hex data."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return "0x" + x.to_bytes(256, "big").hex() if key == "logsBloom" else hex(x)
    if isinstance(x, bytes | bytearray):
        return "0x" + bytes(x).hex()
    if isinstance(x, dict):
        return {k: _quantities(v, k) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_quantities(v) for v in x]
    return x


def _error(code: int, message: str, data: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "error": err}


def _revert_error(e: TransactionFailed) -> dict[str, Any]:
    """A revert as geth reports it (code 3, the revert data), so web3 raises ContractLogicError."""
    msg = str(e.args[0]) if e.args else "execution reverted"
    reason = msg.removeprefix("execution reverted: ")
    if reason.startswith("b'") or reason.startswith('b"'):  # raw revert data (a custom error)
        return _error(REVERTED, "execution reverted")
    data = "0x" + (ERROR_STRING + abi_encode(["string"], [reason])).hex()
    return _error(REVERTED, f"execution reverted: {reason}", data)


def _raw_chain_id(raw: bytes) -> int | None:
    """The chain id a raw transaction is signed for (None: a legacy transaction without EIP-155).
    Typed transactions (EIP-2718: 1, 2, 3, 4) start their RLP list with it; a legacy one holds it in
    v = 35 + 2 chain_id + parity."""
    if raw and raw[0] < 0x7F:
        return int.from_bytes(rlp.decode(raw[1:])[0], "big")
    v = int.from_bytes(rlp.decode(raw)[6], "big")
    return (v - 35) // 2 if v >= 35 else None


class _SqliteKV(BaseDB):
    """py-evm's key-value database as a SQLite table: the chain's headers, blocks, receipts and
    state trie on disk, written in the transaction of the request that changed them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __getitem__(self, key: bytes) -> bytes:
        row = self.conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.conn.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (key, value))

    def __delitem__(self, key: bytes) -> None:
        if self.conn.execute("DELETE FROM kv WHERE k = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        return self.conn.execute("SELECT 1 FROM kv WHERE k = ?", (key,)).fetchone() is not None


class DevChain:
    """The chain, its database and the JSON-RPC request handler (thread-safe: one lock)."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        chain_id: int = DEFAULT_CHAIN_ID,
        accounts: int = DEFAULT_ACCOUNTS,
    ) -> None:
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self.offset = 0  # seconds added by evm_increaseTime (the chain's clock: wall time + offset)
        self.chain_id = chain_id
        params = PyEVMBackend.generate_genesis_params(overrides={"timestamp": int(time.time())})
        state = PyEVMBackend.generate_genesis_state(num_accounts=accounts)
        self.backend = PyEVMBackend(genesis_parameters=params, genesis_state=state)
        # eth-tester defines its chain class inside its set-up function: take it from the instance
        self._chain_class = type(self.backend.chain)
        if data_dir is not None:
            try:
                self._open(Path(data_dir), accounts, params, state)
            except sqlite3.DatabaseError as e:  # not a SQLite file, a locked one
                raise DevChainError(f"cannot open {Path(data_dir) / STATE_FILE}: {e}") from e
        self._set_chain_id()
        self.tester = EthereumTester(self.backend)
        provider = EthereumTesterProvider(self.tester)
        bare = Web3(provider, middleware=[])
        self._send = provider.request_func(bare, bare.middleware_onion)

    def _open(self, data_dir: Path, accounts: int, params: Any, state: Any) -> None:
        """Put the chain on the SQLite database in the data dir (made at the genesis if new)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(data_dir / STATE_FILE, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID")
        self._conn = conn
        self._kv = AtomicDB(_SqliteKV(conn))
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta and not {"chain_id", "accounts", "offset"} <= set(meta):
            conn.close()
            raise DevChainError(f"{data_dir / STATE_FILE} is not a devnet L1 database (meta {sorted(meta)})")
        if meta:
            if int(meta["chain_id"]) != self.chain_id or int(meta["accounts"]) != accounts:
                conn.close()
                raise DevChainError(
                    f"the L1 database in {data_dir} is of chain id {meta['chain_id']} with "
                    f"{meta['accounts']} accounts, not {self.chain_id} with {accounts}"
                )
            self.offset = int(meta["offset"])
            self.backend.chain = self._chain_class(self._kv)
            return
        with self._transaction():
            rows = [("chain_id", str(self.chain_id)), ("accounts", str(accounts)), ("offset", "0")]
            conn.executemany("INSERT INTO meta VALUES (?, ?)", rows)
            self.backend.chain = self._chain_class.from_genesis(self._kv, params, state)

    def _set_chain_id(self) -> None:
        # eth-tester's chain class hard-codes its chain id; the instance's wins (py-evm reads
        # self.chain_id for every VM it builds, eth-tester for every transaction it signs)
        self.backend.chain.chain_id = self.chain_id

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One SQLite transaction around a state change: all of it is durable, or none of it (a
        failure rolls the database back and rebuilds the chain object from it)."""
        if self._conn is None:
            yield
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            self.backend.chain = self._chain_class(self._kv)
            self._set_chain_id()
            raise
        self._conn.execute("COMMIT")

    # ---- time ----

    def _pending_timestamp(self) -> int:
        return int(self.backend.chain.header.timestamp)

    def _set_pending_timestamp(self, ts: int) -> None:
        chain = self.backend.chain
        chain.header = chain.header.copy(timestamp=ts)

    def _next_timestamp(self) -> int:
        """The next block's timestamp: the chain's clock, never before the pending block's."""
        return max(self._pending_timestamp(), int(time.time()) + self.offset)

    # ---- requests ----

    def _change(self, method: str, params: list[Any]) -> Any:
        """Run one state-changing request, its block at the chain's clock; its JSON-RPC result."""
        ts = self._next_timestamp()
        self._set_pending_timestamp(ts)
        if method == "evm_increaseTime":
            seconds = int(params[0], 16) if isinstance(params[0], str) else int(params[0])
            if seconds < 0:
                raise ValueError("evm_increaseTime takes a non-negative number of seconds")
            if self._conn is not None:
                self._conn.execute(
                    "UPDATE meta SET value = ? WHERE key = 'offset'", (str(self.offset + seconds),)
                )
            self.offset += seconds
            self._set_pending_timestamp(ts + seconds)
            return self.offset
        if method == "evm_mine":
            self.tester.mine_blocks(1)
            return "0x0"
        resp = self._send(RPCEndpoint(method), params)
        if "error" in resp:
            raise _Refused(resp["error"])
        return resp["result"]

    def _one(self, req: Any) -> dict[str, Any] | None:
        """Answer one JSON-RPC request object (None for a notification: no id)."""
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            return _error(INVALID_REQUEST, "not a JSON-RPC request object") | {"id": None}
        rid, method = req.get("id"), req["method"]
        params = req.get("params", [])
        out = self._answer(method, params if isinstance(params, list) else [params])
        out["id"] = rid
        return out if "id" in req else None

    def _answer(self, method: str, params: list[Any]) -> dict[str, Any]:
        if method in NOT_SERVED or method.startswith("personal_"):
            return _error(
                METHOD_NOT_FOUND,
                f"{method} is not served by the devnet chain (its L1 only moves forward)",
            )
        if method == "eth_chainId":
            return {"jsonrpc": "2.0", "result": hex(self.chain_id)}
        if method == "net_version":
            return {"jsonrpc": "2.0", "result": str(self.chain_id)}
        try:
            self._check_chain_id(method, params)
            with self._lock:
                if method in CHANGING:
                    with self._transaction():
                        result = self._change(method, params)
                else:
                    resp = self._send(RPCEndpoint(method), params)
                    if "error" in resp:
                        return {"jsonrpc": "2.0", "error": resp["error"]}
                    result = resp["result"]
        except _Refused as e:
            return {"jsonrpc": "2.0", "error": e.error}
        except TransactionFailed as e:
            return _revert_error(e)
        except Exception as e:  # eth-tester's validation errors, malformed parameters
            return _error(SERVER_ERROR, f"{type(e).__name__}: {e}")
        return {"jsonrpc": "2.0", "result": _quantities(result)}

    def _check_chain_id(self, method: str, params: list[Any]) -> None:
        """py-evm executes a transaction signed for another chain: refuse it here (EIP-155)."""
        if method == "eth_sendRawTransaction":
            got = _raw_chain_id(bytes.fromhex(str(params[0]).removeprefix("0x")))
        elif method == "eth_sendTransaction" and isinstance(params[0], dict) and "chainId" in params[0]:
            cid = params[0]["chainId"]
            got = int(cid, 16) if isinstance(cid, str) else int(cid)
        else:
            return
        if got is not None and got != self.chain_id:
            raise _Refused(
                {
                    "code": SERVER_ERROR,
                    "message": f"invalid chain id: signed for {got}, this chain is {self.chain_id}",
                }
            )

    def handle(self, body: Any) -> Any:
        """A parsed JSON-RPC body (an object or a batch array) -> its answer (None: nothing to send)."""
        if isinstance(body, list):
            if not body:
                return _error(INVALID_REQUEST, "empty batch") | {"id": None}
            answers = [a for a in (self._one(r) for r in body) if a is not None]
            return answers or None
        return self._one(body)

    def request(self, method: str, params: list[Any] | None = None) -> dict[str, Any]:
        """One request (no id) -> {"result": ...} or {"error": ...}: the in-process provider's path."""
        return self._answer(method, list(params or []))

    def web3(self) -> Web3:
        """A web3 object on this chain in-process (the same requests and answers as over HTTP)."""
        return Web3(DevChainProvider(self))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class _Refused(Exception):
    """The provider answered a state-changing request with a JSON-RPC error (nothing changed)."""

    def __init__(self, error: Any) -> None:
        super().__init__(str(error))
        self.error = error


class DevChainProvider(BaseProvider):
    """web3 provider for a DevChain in the same process: the same requests, answers and
    durability as over HTTP, without a socket."""

    def __init__(self, chain: DevChain) -> None:
        super().__init__()
        self.chain = chain
        self._id = 0

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        self._id += 1
        out = self.chain.request(method, list(params))
        out["id"] = self._id
        return out  # type: ignore[return-value]

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


class RpcServer:
    """The chain served as JSON-RPC over HTTP (POST /) on `host:port` (port 0: a free one)."""

    def __init__(self, chain: DevChain, host: str = "127.0.0.1", port: int = 0) -> None:
        self.chain, self.host, self.port = chain, host, port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _post(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.json_response(_error(PARSE_ERROR, "not JSON") | {"id": None})
        # the EVM runs in a thread: a long call (a batch's pairings) does not stall the event loop
        answer = await asyncio.to_thread(self.chain.handle, body)
        if answer is None:
            return web.Response(status=204)
        return web.json_response(answer)

    async def start(self) -> str:
        app = web.Application(client_max_size=16 << 20)
        app.router.add_post("/", self._post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])
        log.info("embedded L1 (chain id %d) on %s", self.chain.chain_id, self.url)
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@contextmanager
def served_in_thread(chain: DevChain, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the chain from a thread of its own (for synchronous callers: tests, scripts); yields
    the RPC URL."""
    loop = asyncio.new_event_loop()
    server = RpcServer(chain, host, port)
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    th = threading.Thread(target=run, name="devchain-rpc", daemon=True)
    th.start()
    started.wait(30)
    try:
        yield server.url
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        th.join(30)
        loop.close()
