"""The node's L1 stage: started by Node.start when an L1 is configured (`--l1-rpc`, or an injected
in-process Web3), it checks the contract against the node's genesis, then runs the queue watch
(L1 deposits and forced withdrawals into the exchange) and the submitter (proven batches onto L1)
until stopped.  An unreachable RPC is retried (and logged); a contract that is not this node's
refuses the start; a reorg past the confirmations or a queue entry the exchange refuses halts the
queue watch with its error (`halted`, which fails GET /v1/health: sequencer.node.health), as
protocol.md 7.12.1 says."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sequencer.config import ExchangeConfig
from sequencer.journal.store import BatchRow, Store
from sequencer.l1.calls import Committee
from sequencer.l1.connection import Connection
from sequencer.l1.errors import L1Error
from sequencer.l1.queue_watch import QueueWatch
from sequencer.l1.signer import TxSender, open_sender
from sequencer.l1.submitter import Submitter
from sequencer.node import models as M
from sequencer.node.config import NodeConfig
from sequencer.node.drafts import Draft

log = logging.getLogger("zkclear.l1")
FATAL = ("l1_mismatch", "l1_reorg", "l1_bad_entry", "l1_config", "l1_signer")


class L1Stage:
    def __init__(
        self,
        config: NodeConfig,
        exchange_config: ExchangeConfig,
        queue_state: Callable[[], tuple[int, int]],
        submit: Callable[[list[Draft]], Awaitable[list[Any]]],
        committee: Committee | None = None,
        on_change: Callable[[BatchRow], None] | None = None,
    ) -> None:
        """`queue_state()`: the exchange's (queue_next, queue_hash); `submit`: the node's
        pipeline; `on_change(row)`: a batch row whose status the stage changed."""
        self.config = config
        self.on_change = on_change
        self.exchange_config = exchange_config
        self.conn = Connection.open(config.l1_rpc, config.rollup, config.l1_web3)
        has_key = config.sequencer_key is not None or config.sequencer_signer_rpc is not None
        self.sender: TxSender | None = open_sender(config) if has_key else None
        self.store: Store | None = None
        self.queue_state = queue_state
        self.submit = submit
        self.watch: QueueWatch | None = None
        self.watch_store: Store | None = None  # the watch's own connection (its cursor)
        self.committee = committee
        self.submitter: Submitter | None = None
        self.checked = False
        self.halted: L1Error | None = None  # the queue watch stopped on this
        self.last_error: L1Error | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._check_lock = asyncio.Lock()

    def info(self) -> M.L1Info:
        """GET /v1/info's "l1"."""
        c = self.conn
        return {
            "rpc": c.rpc,
            "chain_id": str(c.chain_id or self.exchange_config.chain_id),
            "rollup": c.address.lower(),
            "token": c.token.lower(),
            "confirmations": self.config.l1_confirmations,
        }

    async def start(self) -> None:
        cfg = self.config
        self.store = Store(cfg.journal_path)
        self.watch_store = Store(cfg.journal_path)
        self.watch = QueueWatch(
            self.conn,
            self.queue_state,
            self.submit,
            cfg.l1_confirmations,
            cfg.l1_from_block,
            store=self.watch_store,
        )
        if self.sender is not None:
            self.submitter = Submitter(
                self.conn,
                self.store,
                self.sender,
                cfg.shape.mode,
                cfg.shape.slots,
                cfg.l1_confirmations,
                committee=self.committee,
                per_call=cfg.l1_batches_per_call,
                stuck_s=cfg.l1_stuck_s,
                poll_s=cfg.l1_poll_s,
                on_change=self.on_change,
            )
        else:
            log.warning(
                "no submitter key (--sequencer-key / --sequencer-signer-rpc): proven batches stay on this node"
            )
        try:
            await self._check()
        except L1Error as err:
            if err.code != "l1_unreachable":
                raise
            log.warning("L1 not reachable yet (retrying): %s", err)
        self._tasks = [
            asyncio.create_task(self._loop("queue", self.watch.poll), name="l1-queue"),
            asyncio.create_task(self._loop("submit", self._submit_step), name="l1-submit"),
        ]

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks.clear()
        for store in (self.store, self.watch_store):
            if store is not None:
                store.close()
        self.store = self.watch_store = None

    async def _check(self) -> None:
        """The start-up check, once (both loops may ask while the RPC is down), on a journal
        connection of its own (the submitter's and the watch's are in use meanwhile)."""
        async with self._check_lock:
            if self.checked:
                return
            who = None if self.sender is None else self.sender.address
            await self.conn.call(self.conn.load)

            def check() -> None:
                store = Store(self.config.journal_path)
                try:
                    self.conn.check(self.exchange_config, self.config.shape, store, who)
                finally:
                    store.close()

            await self.conn.call(check)
            self.checked = True
        log.info("L1: rollup %s on %s (chain %d)", self.conn.address, self.conn.rpc, self.conn.chain_id)

    async def _submit_step(self) -> Any:
        return None if self.submitter is None else await self.submitter.step()

    async def _loop(self, name: str, step: Callable[[], Awaitable[Any]]) -> None:
        while True:
            try:
                waiting = self.submitter is not None and time.monotonic() < self.submitter.retry_at
                if not self.checked and not (name == "submit" and waiting):
                    await self._check()
                if self.checked:
                    await step()
            except L1Error as err:
                self.last_error = err
                if name == "submit" and not self.checked and self.submitter is not None:
                    await self.submitter.report(err)  # the RPC down before the first check
                if err.code in FATAL and name == "queue":
                    self.halted = err
                    log.error("L1 %s halted: %s", name, err)
                    return
                log.warning("L1 %s: %s", name, err)
            except Exception as err:  # an RPC answer web3 could not use: reported, retried
                self.last_error = L1Error("l1_unreachable", f"{type(err).__name__}: {err}")
                log.warning("L1 %s: %r", name, err)
            await asyncio.sleep(self.config.l1_poll_s)
