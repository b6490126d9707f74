"""The rollup's priority queue into the exchange: `QueueEntry(index, entry, hashAfter)` events up
to head - confirmations, in index order from the exchange's next queue index, each decoded
(protocol.pubdata.queue.decode_entry) and applied as the deposit or forced withdrawal it holds.

Reorg rule (protocol.md 7.12.1): before reading, the contract's `queueHash(queue_next)` at the
confirmed block must equal the exchange's `queue_hash` (the chain over every entry consumed); each
new entry's `hashAfter` must equal the exchange's chain extended by it.  A mismatch means L1
rewrote entries the node already applied: the watch halts with L1Error(l1_reorg) and applies
nothing more.  Restart-safe: the exchange's state (journaled) says which index is next; the block
of the last entry applied is kept in the journal's meta table, where the next restart starts
looking for events."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from protocol.pubdata.fields import PubdataError
from protocol.pubdata.queue import QueueEntry, chain_hash, decode_entry, encode_entry
from sequencer.journal.store import Store
from sequencer.l1.connection import Connection
from sequencer.l1.errors import L1Error
from sequencer.node import drafts
from sequencer.node.drafts import Draft

log = logging.getLogger("zkclear.l1")
MAX_ENTRIES_PER_POLL = 256
CURSOR_KEY = "l1_queue_cursor"
LOG_BLOCK_SPAN = 5000  # eth_getLogs ranges (public nodes cap them)


class QueueWatch:
    def __init__(
        self,
        conn: Connection,
        queue_state: Callable[[], tuple[int, int]],
        submit: Callable[[list[Draft]], Awaitable[list[Any]]],
        confirmations: int,
        from_block: int = 0,
        store: Store | None = None,
    ) -> None:
        """`queue_state()`: the exchange's (queue_next, queue_hash); `submit`: applies drafts
        through the node's pipeline (Node.submit); `store`: where the event cursor is kept across
        restarts (the journal's meta table, on a connection of the watch's own)."""
        self.conn = conn
        self.queue_state = queue_state
        self.submit = submit
        self.confirmations = confirmations
        self.from_block = from_block
        self.store = store
        self.cursor = from_block  # no unconsumed entry's event is in an earlier block
        self.applied = 0
        saved = None if store is None else store.get_meta(CURSOR_KEY)
        if saved is not None:
            # (index, block): entry `index`'s event was in `block`; later entries are not earlier
            # (unless a reorg moved them: then _events falls back to from_block)
            index, block = (int(v) for v in saved.split(":"))
            if index <= queue_state()[0]:
                self.cursor = max(from_block, block)

    async def poll(self) -> int:
        """Apply the confirmed entries not yet consumed; returns how many."""
        conn = self.conn
        f = conn.rollup.functions
        head = await conn.call(lambda: int(conn.w3.eth.block_number))
        safe = head - self.confirmations
        if safe < 0:
            return 0
        queued = await conn.call(lambda: int(f.queueEnd().call(block_identifier=safe)))
        nxt, have = self.queue_state()
        if nxt > queued:
            raise L1Error(
                "l1_reorg",
                f"the node consumed {nxt} queue entries, the rollup holds {queued} at block {safe}",
            )
        theirs = await conn.call(lambda: int.from_bytes(f.queueHash(nxt).call(block_identifier=safe), "big"))
        if theirs != have:
            raise L1Error(
                "l1_reorg",
                f"the rollup's queue hash before entry {nxt} is {theirs:#066x} at block {safe}, the node's {have:#066x}",
            )
        if queued == nxt:
            return 0
        want = min(queued, nxt + MAX_ENTRIES_PER_POLL)
        events = await self._events(nxt, want, safe)
        batch = []
        prev = have
        for i in range(nxt, want):
            raw, after, block = events[i]
            try:
                entry: QueueEntry = decode_entry(raw)
            except PubdataError as exc:  # the contract refuses such entries when queued (4.9)
                raise L1Error("l1_bad_entry", f"queue entry {i} (block {block}): {exc}") from None
            prev = chain_hash(prev, encode_entry(entry))
            if prev != after:
                raise L1Error(
                    "l1_reorg", f"queue entry {i}: hashAfter {after:#066x}, the node computes {prev:#066x}"
                )
            batch.append(drafts.l1_entry(i, entry))
        outs = await self.submit(batch)
        for i, out in enumerate(outs):
            if not out.ok:
                raise L1Error(
                    "l1_bad_entry", f"queue entry {nxt + i} was refused by the exchange: {out.error}"
                )
        self.applied += len(outs)
        self.cursor = events[want - 1][2]
        if self.store is not None:
            self.store.set_meta(CURSOR_KEY, f"{want - 1}:{self.cursor}")
        log.info("applied L1 queue entries %d..%d", nxt, want - 1)
        return len(outs)

    async def _events(self, start: int, end: int, safe: int) -> dict[int, tuple[bytes, int, int]]:
        """Queue index -> (entry, hashAfter, block) for start <= index < end, from the cursor up to
        block `safe`."""
        out = await self._scan(start, end, safe, self.cursor)
        if len(out) < end - start and self.cursor > self.from_block:  # moved by a reorg: look again
            self.cursor = self.from_block
            out = await self._scan(start, end, safe, self.cursor)
        missing = [i for i in range(start, end) if i not in out]
        if missing:
            raise L1Error(
                "l1_unreachable", f"{self.conn.rpc} returned no QueueEntry event for index {missing[0]}"
            )
        return out

    async def _scan(self, start: int, end: int, safe: int, lo: int) -> dict[int, tuple[bytes, int, int]]:
        conn = self.conn
        ev = conn.rollup.events.QueueEntry
        out: dict[int, tuple[bytes, int, int]] = {}
        while lo <= safe and len(out) < end - start:
            hi = min(safe, lo + LOG_BLOCK_SPAN - 1)
            logs: list[Any] = await conn.call(lambda a=lo, b=hi: ev.get_logs(from_block=a, to_block=b))
            for lg in logs:
                i = int(lg["args"]["index"])
                if start <= i < end:
                    after = int.from_bytes(bytes(lg["args"]["hashAfter"]), "big")
                    out[i] = (bytes(lg["args"]["entry"]), after, int(lg["blockNumber"]))
            lo = hi + 1
        return out
