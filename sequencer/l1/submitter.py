"""Proven batches onto L1: in number order, after reading the contract's batch count (a batch the
contract already holds is never sent again: a restart after kill -9 between send and receipt finds
it there and only records it), submitBatch (rollup) or submitValidiumBatch (validium, with the
committee's signatures), optionally several consecutive rollup batches in one submitBatches call;
`submitted` on the receipt (l1_tx, l1_block, l1_gas), `finalized` after the confirmations
(l1_final_block).  RPC down, a revert, nonce or fee trouble: `l1_error` and `l1_attempts` in the
row, retried with back-off, never dropped; a transaction not mined after `stuck_s` is sent again
with the same nonce and higher fees (protocol.md 7.12.1)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from web3.exceptions import TransactionNotFound

from protocol.pubdata.fields import Mode
from sequencer.journal.store import BatchRow, Store
from sequencer.l1.calls import Committee, batch_args
from sequencer.l1.connection import Connection
from sequencer.l1.errors import L1Error
from sequencer.l1.signer import TxSender, fee_fields

log = logging.getLogger("zkclear.l1")
GAS_MARGIN = 1.25
MAX_BACKOFF_S = 60.0


class Submitter:
    def __init__(
        self,
        conn: Connection,
        store: Store,
        sender: TxSender,
        mode: Mode,
        slots: int,
        confirmations: int,
        *,
        committee: Committee | None = None,
        per_call: int = 1,
        stuck_s: float = 60.0,
        poll_s: float = 1.0,
        on_change: Callable[[BatchRow], None] | None = None,
    ) -> None:
        """`on_change(row)`: called with a row whose status this submitter changed (the node
        publishes it on the `batches` stream)."""
        self.conn = conn
        self.store = store
        self.sender = sender
        self.mode = mode
        self.slots = slots
        self.confirmations = confirmations
        self.committee = committee
        self.per_call = max(1, per_call) if mode is Mode.ROLLUP else 1
        self.stuck_s = stuck_s
        self.poll_s = poll_s
        self.on_change = on_change
        self.retry_at = 0.0  # monotonic time before which a failed submission is not tried again

    # -- store (blocking; one connection used by this submitter only) ----------------------------
    async def _db(self, fn: Any, *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    def _rows(self, status: str) -> list[BatchRow]:
        numbers = self.store.numbers_with_status(status, 64)
        return [r for n in numbers if (r := self.store.batch(n)) is not None]

    async def _set(self, row: BatchRow, status: str, info: dict[str, Any]) -> None:
        store = self.store

        def write() -> BatchRow | None:
            store.set_batch_status(row.number, status, info)
            return store.batch(row.number)

        fresh = await self._db(write)
        if fresh is not None and self.on_change is not None and fresh.status != row.status:
            self.on_change(fresh)

    # -- one round -------------------------------------------------------------------------------
    async def step(self) -> bool:
        """Finalize what is deep enough, record what the contract already has, send the next
        proven batch(es).  Returns whether anything moved.  An L1Error (RPC down, a revert, ...)
        is recorded in the first proven row (l1_error, l1_attempts), then raised."""
        if time.monotonic() < self.retry_at:
            return False
        try:
            return await self._step()
        except L1Error as err:
            await self.report(err)
            raise
        except Exception as exc:  # an RPC error answer (web3's Web3RPCError, ValueError, ...)
            wrapped = L1Error("l1_tx", f"{type(exc).__name__}: {exc}")
            await self.report(wrapped)
            raise wrapped from exc

    async def report(self, err: L1Error) -> None:
        """Record a failure (here or before a step: the RPC down at start) in the first proven
        row and back off."""
        proven: list[BatchRow] = await self._db(self._rows, "proven")
        if proven:
            await self._failed(proven[0], err)

    async def _step(self) -> bool:
        conn = self.conn
        f = conn.rollup.functions
        head = await conn.call(lambda: int(conn.w3.eth.block_number))
        moved = await self._finalize(head)
        proven: list[BatchRow] = await self._db(self._rows, "proven")
        if not proven:
            return moved
        on_chain = await conn.call(lambda: int(f.batchNumber().call()))
        for row in proven:
            if row.number < on_chain:
                await self._record_existing(row)
                moved = True
        todo = [r for r in proven if r.number >= on_chain]
        if not todo or todo[0].number != on_chain:
            return moved  # the next batch to submit is not proven yet
        run = [todo[0]]
        for r in todo[1 : self.per_call]:
            if r.number != run[-1].number + 1:
                break
            run.append(r)
        await self._submit(run)
        self.retry_at = 0.0
        return True

    async def _failed(self, row: BatchRow, err: L1Error) -> None:
        attempts = int(row.info.get("l1_attempts", 0)) + 1
        delay = min(MAX_BACKOFF_S, self.poll_s * 2 ** min(attempts, 10))
        self.retry_at = time.monotonic() + delay
        log.warning(
            "batch %d: L1 submission failed (attempt %d, retry in %.0fs): %s",
            row.number,
            attempts,
            delay,
            err,
        )
        await self._set(row, "proven", {"l1_error": str(err), "l1_attempts": attempts})

    async def _finalize(self, head: int) -> bool:
        moved = False
        for row in await self._db(self._rows, "submitted"):
            block = int(row.info["l1_block"])
            if head - block < self.confirmations:
                break
            rc = await self.conn.call(self._receipt, row.info["l1_tx"])
            if rc is None or int(rc["blockNumber"]) != block:  # reorged out: submit it again
                await self._set(
                    row, "proven", {"l1_error": f"transaction {row.info['l1_tx']} left the chain"}
                )
                return True
            await self._set(row, "finalized", {"l1_final_block": head})
            moved = True
        return moved

    async def _record_existing(self, row: BatchRow) -> None:
        """The contract already holds this batch (sent before a restart): record its transaction
        from the BatchProven event, after checking that its root is ours."""
        conn = self.conn
        ev = conn.rollup.events.BatchProven
        start = int(row.info.get("l1_sent_block", 0))
        logs = await conn.call(
            lambda: ev.get_logs(from_block=start, argument_filters={"batchNumber": row.number})
        )
        if not logs:
            raise L1Error(
                "l1_reorg", f"the rollup counts batch {row.number} but has no BatchProven event for it"
            )
        lg = logs[-1]
        root = int.from_bytes(bytes(lg["args"]["newRoot"]), "big")
        if root != int(row.new_root):
            raise L1Error(
                "l1_reorg", f"the rollup's batch {row.number} has root {root}, this node's {row.new_root}"
            )
        rc = await conn.call(conn.w3.eth.get_transaction_receipt, lg["transactionHash"])
        await self._set(row, "submitted", self._receipt_info(rc, 1))
        log.info("batch %d was already on L1 (tx %s)", row.number, rc["transactionHash"].hex())

    @staticmethod
    def _receipt_info(rc: Any, k: int) -> dict[str, Any]:
        return {
            "l1_tx": "0x" + bytes(rc["transactionHash"]).hex(),
            "l1_block": int(rc["blockNumber"]),
            "l1_gas": int(rc["gasUsed"]) // k,
            "l1_call_gas": int(rc["gasUsed"]),
            "l1_call_batches": k,
            "l1_error": None,
        }

    async def _call(self, run: list[BatchRow]) -> Any:
        f = self.conn.rollup.functions
        if self.mode is Mode.ROLLUP:
            if len(run) == 1:
                return f.submitBatch(*batch_args(run[0]))
            return f.submitBatches([batch_args(r) for r in run])
        if self.committee is None:
            raise L1Error(
                "l1_config",
                "a validium batch needs the data-availability committee's signatures (none configured)",
            )
        diff_hash, sigs = await self.committee.signatures(run[0])
        return f.submitValidiumBatch(*batch_args(run[0]), self.slots, diff_hash, sigs)

    async def _submit(self, run: list[BatchRow]) -> None:
        conn, w3 = self.conn, self.conn.w3
        first = run[0]
        fn = await self._call(run)
        sender = self.sender.address
        try:
            gas = await conn.call(lambda: int(fn.estimate_gas({"from": sender}) * GAS_MARGIN))
        except L1Error:
            raise
        except Exception as exc:  # a revert at estimation: the contract refuses the batch
            raise L1Error("l1_tx", f"the rollup refuses batch {first.number}: {exc}") from None
        sends = int(first.info.get("l1_sends", 0))
        deadline = 0.0
        tx_hash = b""
        while True:
            if time.monotonic() >= deadline:  # first send, or the last one is stuck: (re)send
                nonce = await conn.call(w3.eth.get_transaction_count, sender, "latest")
                fees = await conn.call(fee_fields, w3, sends)
                params = {"from": sender, "nonce": nonce, "gas": gas, "chainId": conn.chain_id, **fees}
                tx = await conn.call(fn.build_transaction, params)
                try:
                    tx_hash = await conn.call(self.sender.send, w3, tx)
                except L1Error:
                    raise
                except Exception as exc:  # nonce too low, underpriced, ...: counted, retried
                    if await self._landed(first):
                        return
                    raise L1Error("l1_tx", f"sending batch {first.number}: {exc}") from None
                sends += 1
                head = await conn.call(lambda: int(w3.eth.block_number))
                info = {"l1_pending_tx": "0x" + tx_hash.hex(), "l1_sends": sends, "l1_sent_block": head}
                for r in run:
                    await self._set(r, "proven", info)
                log.info("batch %d: sent %s (send %d)", first.number, info["l1_pending_tx"], sends)
                deadline = time.monotonic() + self.stuck_s
            rc = await conn.call(self._receipt, tx_hash)
            if rc is not None:
                break
            if await self._landed(first):  # an earlier send of this batch was mined instead
                return
            await asyncio.sleep(self.poll_s)
        if int(rc["status"]) != 1:
            raise L1Error("l1_tx", f"batch {first.number}: transaction {tx_hash.hex()} reverted")
        info = self._receipt_info(rc, len(run))
        for r in run:
            await self._set(r, "submitted", info)
        log.info("batch %d: on L1 in block %d, %d gas", first.number, info["l1_block"], info["l1_call_gas"])

    def _receipt(self, tx_hash: bytes | str) -> Any:
        """The receipt, or None while the transaction is not mined (or no longer in the chain)."""
        try:
            return self.conn.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    async def _landed(self, row: BatchRow) -> bool:
        """Whether the contract already counts the batch (then its event is recorded)."""
        f = self.conn.rollup.functions
        if await self.conn.call(lambda: int(f.batchNumber().call())) > row.number:
            fresh = await self._db(self.store.batch, row.number)
            await self._record_existing(fresh or row)
            return True
        return False
