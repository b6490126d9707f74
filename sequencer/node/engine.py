"""The node's adapter around the exchange core (`sequencer.exchange.Exchange`).

It turns API bodies into operations, hands the pipeline their signature triples, applies them with
the node's timestamp, keeps the market-data history the exchange does not (recent trades per
market, recent fills per account), journals and replays, and closes batches.  Only this module
knows the exchange's Python API; routes talk to the adapter.

Journal entry kinds are the operations' `TYPE` strings plus the node's own `batch_close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import pickle
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from circuits.primitives.eddsa import Signature
from protocol.errors import ErrorCode
from protocol.messages.cancel import CancelMessage
from protocol.messages.cancel_all import CancelAllMessage
from protocol.messages.order import OrderMessage
from protocol.messages.transfer import TransferMessage
from protocol.messages.withdraw import WithdrawMessage
from protocol.steps.oracle_update import SignedPrice
from sequencer.codec import decode_op, encode_op
from sequencer.config import ExchangeConfig
from sequencer.events import Deposited, Fill, OrderUpdate, Transferred, Withdrawn
from sequencer.exchange import Exchange
from sequencer.journal.store import BatchRow, Entry
from sequencer.liquidation import liquidation_op
from sequencer.node import wire
from sequencer.node.errors import ApiError
from sequencer.node.latency import LatencyTrace
from sequencer.ops import (
    CancelAll,
    CancelOrder,
    Deposit,
    FundingTick,
    OracleUpdate,
    PlaceOrder,
    Transfer,
    Withdraw,
)
from sequencer.sigcheck import SigCheck

log = logging.getLogger("zkclear.node")

# Account proofs stay answerable against this many closed batches back (the state-tree history
# costs memory per batch; without L1 finality tracking this is the retention window).
PROOF_HISTORY_BATCHES = 1024

BATCH_CLOSE = "batch_close"
KEEPER = "keeper"  # a liquidation chosen at apply time; journaled as the Liquidate/Deleverage it became
TRADES_KEPT = 1000  # per market
FILLS_KEPT = 1000  # per account
NODE_STATE_VERSION = 1

# op TYPE -> (operation class, message class) for operations signed by an account key
SIGNED_OPS: dict[str, tuple[type, type]] = {
    PlaceOrder.TYPE: (PlaceOrder, OrderMessage),
    CancelOrder.TYPE: (CancelOrder, CancelMessage),
    CancelAll.TYPE: (CancelAll, CancelAllMessage),
    Withdraw.TYPE: (Withdraw, WithdrawMessage),
    Transfer.TYPE: (Transfer, TransferMessage),
}

# exchange rejection code -> the node's stable HTTP error code
CODE_MAP: dict[str, str] = {
    "MALFORMED": "malformed_body",
    "BAD_SIGNATURE": "bad_signature",
    "STALE_NONCE": "stale_nonce",
    "ORDER_ID_USED": "stale_nonce",
    "EXPIRED": "expired",
    "UNKNOWN_MARKET": "unknown_market",
    "UNKNOWN_ACCOUNT": "unknown_account",
    "ORDER_NOT_OPEN": "unknown_order",
    "INSUFFICIENT_MARGIN": "insufficient_margin",
    "INSUFFICIENT_COLLATERAL": "insufficient_collateral",
    "BAD_PRICE_TICK": "invalid_order",
    "BAD_SIZE_STEP": "invalid_order",
    "BAD_ORDER_FLAGS": "invalid_order",
    "PRICE_OUT_OF_BAND": "invalid_order",
    "NO_ORACLE_PRICE": "invalid_order",
    "ORDER_SLOT_BUSY": "invalid_order",
    "POST_ONLY_WOULD_CROSS": "invalid_order",
    "FOK_NOT_FILLED": "invalid_order",
    "REDUCE_ONLY_WOULD_INCREASE": "invalid_order",
    "NO_LIQUIDITY": "invalid_order",
    "SELF_TRADE": "invalid_order",
    "OPEN_INTEREST_CAP": "invalid_order",
}


def api_error(code: ErrorCode | str | None, message: str) -> ApiError:
    reason = str(code) if code is not None else "REJECTED"
    return ApiError(CODE_MAP.get(reason, "rejected"), message or reason, {"reason": reason})


@dataclass(frozen=True, slots=True)
class Draft:
    """An operation decoded from a request, waiting for its timestamp."""

    kind: str
    build: Callable[[int], Any]  # time (unix seconds) -> operation
    account_id: int | None  # signer (rate-limit key); None for operator/L1 operations


@dataclass
class NodeState:
    """What the node derives from events and keeps beside the exchange (snapshotted with it)."""

    trades: dict[int, deque[dict[str, Any]]] = field(default_factory=dict)
    fills: dict[int, deque[dict[str, Any]]] = field(default_factory=dict)
    batch_first_seq: int = 0  # first journal seq of the open batch (0: no op yet)
    batch_first_ts: int = 0  # ms
    batch_ops: int = 0


class Engine:
    def __init__(
        self, config: ExchangeConfig, ex: Exchange | None = None, node: NodeState | None = None
    ) -> None:
        self.config = config
        self.ex = ex if ex is not None else Exchange(config)
        self.node = node if node is not None else NodeState()
        self.domain = self.ex.domain
        self.symbols = {m.symbol: m.market_id for m in config.markets}
        self.publish: Callable[[int, str, dict[str, Any]], None] = lambda seq, topic, ev: None
        self.on_batch: Callable[[BatchRow], None] = lambda row: None
        self.dirty_books: set[int] = set()  # markets whose book changed since the last stream tick
        self.hasher: Executor | None = None  # set by the live node: batch hashing off the loop thread
        self.trace: LatencyTrace | None = None  # set by a devnet node: stage and stall samples
        self._hashing: asyncio.Future[tuple[int, int]] | None = None
        self.committed_root: int = self.ex.state_root  # root of the last closed (hashed) batch
        self.last_batch: BatchRow | None = None

    # -- lookups -------------------------------------------------------------------------------
    def market_id(self, ref: str | int) -> int:
        """A market by symbol ("BTC-USD") or id ("0")."""
        if isinstance(ref, str) and ref in self.symbols:
            return self.symbols[ref]
        try:
            mid = int(ref)
        except (TypeError, ValueError):
            mid = -1
        if self.config.market(mid) is None:
            raise ApiError("unknown_market", f"no market {ref!r}", {"markets": sorted(self.symbols)})
        return mid

    def pubkey_of(self, account_id: int) -> tuple[int, int] | None:
        acct = self.ex.accounts.get(account_id)
        return None if acct is None else (acct.pub_x, acct.pub_y)

    # -- decoding requests ---------------------------------------------------------------------
    def decode_signed(self, kind: str, body: Any) -> Draft:
        op_cls, msg_cls = SIGNED_OPS[kind]
        msg, sig = wire.decode_signed(op_cls, msg_cls, body)
        return Draft(kind, lambda t: op_cls(time=t, msg=msg, sig=sig), int(msg.account_id))

    def decode_deposit(self, fields: dict[str, int]) -> Draft:
        """A devnet deposit: the node stands in for the L1 queue, so the queue index is the next one
        at the moment the deposit is applied."""
        return Draft(Deposit.TYPE, lambda t: Deposit(time=t, queue_index=self.ex.queue_next, **fields), None)

    def batch_close_draft(self) -> Draft:
        return Draft(BATCH_CLOSE, lambda t: None, None)

    # -- pipeline hooks ------------------------------------------------------------------------
    def sig_check(self, draft: Draft) -> list[SigCheck]:
        if draft.kind == OracleUpdate.TYPE:
            return self.oracle_sig_check(draft)
        if draft.kind not in SIGNED_OPS:
            return []
        op = draft.build(0)
        acct = self.ex.accounts.get(draft.account_id)  # type: ignore[arg-type]
        if acct is None:
            raise ApiError("unknown_account", f"no account {draft.account_id}", {"reason": "UNKNOWN_ACCOUNT"})
        try:
            op.validate()
        except Exception as exc:  # Rejected: malformed fields or bounds
            raise api_error(getattr(exc, "code", "MALFORMED"), getattr(exc, "message", str(exc))) from exc
        return [SigCheck(pub, msg.hash_row(self.domain), sig) for pub, msg, sig in self.ex.signed_parts(op)]

    def oracle_draft(self, market_id: int, prices: list[SignedPrice]) -> Draft:
        """Signed oracle prices (a quorum of the configured signers) for one market."""
        return Draft(OracleUpdate.TYPE, lambda t: OracleUpdate(t, market_id, tuple(prices)), None)

    def oracle_sig_check(self, draft: Draft) -> list[SigCheck]:
        op = draft.build(0)
        try:
            op.validate()
            parts = self.ex.signed_parts(op)
        except Exception as exc:
            raise api_error(getattr(exc, "code", "MALFORMED"), getattr(exc, "message", str(exc))) from exc
        return [SigCheck(pub, msg.hash_row(self.domain), sig) for pub, msg, sig in parts]

    def funding_draft(self) -> Draft:
        return Draft(FundingTick.TYPE, lambda t: FundingTick(t), None)

    def keeper_draft(self, account_id: int) -> Draft:
        """Liquidate (or deleverage) one liquidatable account; the operation is chosen at apply
        time from the state then (sequencer.liquidation policy) and journaled as chosen."""
        return Draft(KEEPER, lambda t: account_id, None)

    def funding_due(self, now: int) -> bool:
        if not any(mk.oracle_price for mk in self.ex.active):
            return False
        ft = self.ex.funding_time
        return ft == 0 or now >= ft + self.config.funding_interval_s

    def apply(self, draft: Draft, ts_ms: int, seq: int) -> tuple[str, bytes, dict[str, Any]]:
        t = ts_ms // 1000
        if draft.kind == BATCH_CLOSE:
            number = self._close_batch(seq, ts_ms)
            return BATCH_CLOSE, json.dumps({"number": number}).encode(), {"batch": {"number": number}}
        if draft.kind == KEEPER:
            op, res = self._keeper(draft.build(t), t)
        else:
            op = draft.build(t)
            res = self.ex.apply(op, verify=False)
        if not res.ok:
            raise api_error(res.code, res.message)
        self._note_op(seq, ts_ms)
        answer = self._digest(seq, ts_ms, op.TYPE, op, res.events)
        return op.TYPE, journal_body(op), answer

    def _keeper(self, account_id: int, t: int) -> tuple[Any, Any]:
        op = None
        for prefer_book in (True, False):
            if account_id not in self.ex.accounts:
                break
            op = liquidation_op(self.ex, account_id, t, prefer_book=prefer_book)
            if op is None:
                break
            res = self.ex.apply(op)
            if res.ok:
                return op, res
        raise ApiError(
            "rejected", f"account {account_id} cannot be liquidated now", {"reason": "NOT_LIQUIDATABLE"}
        )

    # -- replay --------------------------------------------------------------------------------
    def replay(self, entry: Entry) -> None:
        """Re-apply one journal entry; it was accepted once, so it must be accepted again."""
        if entry.kind == BATCH_CLOSE:
            number = json.loads(entry.body)["number"]
            got = self._close_batch(entry.seq, entry.ts)
            if got != number:
                raise RuntimeError(f"journal seq {entry.seq}: closed batch {got}, journal says {number}")
            return
        op = journal_op(entry.kind, entry.body)
        res = self.ex.apply(op, verify=False)
        if not res.ok:
            raise RuntimeError(
                f"journal seq {entry.seq} ({entry.kind}) was rejected on replay: {res.code} {res.message}"
            )
        self._note_op(entry.seq, entry.ts)
        self._digest(entry.seq, entry.ts, entry.kind, op, res.events)

    # -- batches -------------------------------------------------------------------------------
    def _note_op(self, seq: int, ts_ms: int) -> None:
        n = self.node
        if n.batch_ops == 0:
            n.batch_first_seq, n.batch_first_ts = seq, ts_ms
        n.batch_ops += 1

    def batch_due(self, now_ms: int, max_ops: int, max_age_ms: int) -> bool:
        n = self.node
        return n.batch_ops > 0 and (n.batch_ops >= max_ops or now_ms - n.batch_first_ts >= max_age_ms)

    def _close_batch(self, seq: int, ts_ms: int) -> int:
        """Close the open batch as journal entry `seq`; returns its number.

        Replaying (no hasher): `Exchange.close_batch(witness=False)` at once.  Live: the batch is
        sealed at once on the loop thread (its records, number and L1 queue range are fixed by
        the journal position, exactly as close_batch does), and the state-tree hashing, the
        expensive part, runs in order on the hashing thread while the loop keeps applying new
        operations (they never touch the trees).  The batch row is published when its root is
        known.  Whatever reads the trees first awaits `idle()`."""
        n = self.node
        first_seq = n.batch_first_seq or seq
        n.batch_first_seq, n.batch_first_ts, n.batch_ops = 0, 0, 0
        if self.hasher is None:
            b = self.ex.close_batch(witness=False)
            self.ex.trees.forget_before(b.number - PROOF_HISTORY_BATCHES)
            self._finish_batch(
                b.number,
                first_seq,
                seq,
                ts_ms,
                len(b.records),
                b.queue_start,
                b.queue_end,
                b.old_root,
                b.new_root,
            )
            return b.number
        ex, trace = self.ex, self.trace
        t = time.perf_counter()
        sealed = ex.seal_batch()
        number = sealed.number
        if trace is not None:
            trace.add("batch_seal", time.perf_counter() - t)

        def hash_batch() -> tuple[int, int]:
            t = time.perf_counter()
            b = ex.hash_batch(sealed)
            ex.trees.forget_before(b.number - PROOF_HISTORY_BATCHES)
            if trace is not None:
                trace.add("batch_hash_thread", time.perf_counter() - t)
            return b.old_root, b.new_root

        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self.hasher, hash_batch)
        self._hashing = fut

        def done(f: asyncio.Future[tuple[int, int]]) -> None:
            if self._hashing is f:
                self._hashing = None
            if f.cancelled() or f.exception() is not None:
                log.error("hashing batch %d failed: %r", number, None if f.cancelled() else f.exception())
                return
            old, new = f.result()
            qs, qe = sealed.queue_start, sealed.queue_end
            self._finish_batch(number, first_seq, seq, ts_ms, len(sealed.records), qs, qe, old, new)

        fut.add_done_callback(done)
        return number

    def _finish_batch(
        self,
        number: int,
        first_seq: int,
        seq: int,
        ts_ms: int,
        n_ops: int,
        qs: int,
        qe: int,
        old: int,
        new: int,
    ) -> None:
        row = BatchRow(
            number=number,
            first_seq=first_seq,
            last_seq=seq,
            old_root=str(old),
            new_root=str(new),
            closed_ts=ts_ms,
            n_ops=n_ops,
            status="closed",
            info={"queue_start": qs, "queue_end": qe, "proof": None, "l1_tx": None},
        )
        self.committed_root = new
        self.last_batch = row
        self.on_batch(row)

    @property
    def busy(self) -> bool:
        """A batch's state-tree hashing is in flight (the trees must not be read or snapshotted)."""
        return self._hashing is not None

    async def idle(self) -> None:
        """Wait until no batch hashing is in flight."""
        while self._hashing is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._hashing)
            await asyncio.sleep(0)  # let the done callback run

    # -- events -> answers, market data, stream ------------------------------------------------
    def _digest(self, seq: int, ts_ms: int, kind: str, op: Any, events: tuple[Any, ...]) -> dict[str, Any]:
        answer: dict[str, Any] = {"seq": seq, "time": ts_ms // 1000}
        fills: list[dict[str, Any]] = []
        msg = getattr(op, "msg", None)
        if msg is not None and hasattr(msg, "market_id"):
            self.dirty_books.update(range(8) if msg.market_id == 255 else (msg.market_id,))
        for ev in events:
            if isinstance(ev, Fill):
                f = fill_json(ev, seq, ts_ms)
                fills.append(f)
                self._keep(self.node.trades, ev.market_id, TRADES_KEPT, f)
                for acct in {ev.maker_account, ev.taker_account}:
                    self._keep(self.node.fills, acct, FILLS_KEPT, f)
                    self.publish(seq, f"fills:{acct}", {"type": "fill", **f})
                self.publish(seq, f"trades:{ev.market_id}", {"type": "trade", **f})
            elif isinstance(ev, OrderUpdate):
                upd = order_update_json(ev)
                self.publish(seq, f"fills:{ev.account_id}", {"type": "order", **upd})
                if (
                    kind == PlaceOrder.TYPE
                    and ev.account_id == op.msg.account_id
                    and ev.order_id == op.msg.order_id
                ):
                    answer["order"] = upd
            elif isinstance(ev, Deposited):
                answer.update(account_id=ev.account_id, amount=str(ev.amount), created=ev.created)
            elif isinstance(ev, Withdrawn | Transferred):
                answer.update(wire_event(ev))
        if fills:
            answer["fills"] = fills
        if kind == PlaceOrder.TYPE and "order" not in answer:
            answer["order"] = {
                "order_id": op.msg.order_id,
                "market_id": op.msg.market_id,
                "state": "accepted",
            }
        return answer

    @staticmethod
    def _keep(store: dict[int, deque[dict[str, Any]]], key: int, n: int, item: dict[str, Any]) -> None:
        q = store.get(key)
        if q is None:
            q = store[key] = deque(maxlen=n)
        q.append(item)

    # -- snapshots -----------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        node = {
            "version": NODE_STATE_VERSION,
            "trades": {k: list(v) for k, v in self.node.trades.items()},
            "fills": {k: list(v) for k, v in self.node.fills.items()},
            "batch": [self.node.batch_first_seq, self.node.batch_first_ts, self.node.batch_ops],
        }
        return pickle.dumps({"exchange": self.ex.snapshot(), "node": node}, protocol=5)

    @classmethod
    def restore(cls, config: ExchangeConfig, blob: bytes) -> Engine:
        data = pickle.loads(blob)  # our own snapshot table, written by this node
        n = data["node"]
        if n.get("version") != NODE_STATE_VERSION:
            raise RuntimeError(f"snapshot node-state version {n.get('version')} is not {NODE_STATE_VERSION}")
        node = NodeState(
            trades={int(k): deque(v, maxlen=TRADES_KEPT) for k, v in n["trades"].items()},
            fills={int(k): deque(v, maxlen=FILLS_KEPT) for k, v in n["fills"].items()},
        )
        node.batch_first_seq, node.batch_first_ts, node.batch_ops = n["batch"]
        return cls(config, Exchange.restore(data["exchange"]), node)


# -- JSON shapes ------------------------------------------------------------------------------------
def fill_json(ev: Fill, seq: int, ts_ms: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "time": ts_ms // 1000,
        "market_id": ev.market_id,
        "price": str(ev.price),
        "size": str(ev.size),
        "taker_side": "buy" if ev.taker_side == 0 else "sell",
        "maker_account": ev.maker_account,
        "maker_order_id": ev.maker_order_id,
        "taker_account": ev.taker_account,
        "taker_order_id": ev.taker_order_id,
        "maker_fee": str(ev.maker_fee),
        "taker_fee": str(ev.taker_fee),
    }


def order_update_json(ev: OrderUpdate) -> dict[str, Any]:
    out = {
        "order_id": ev.order_id,
        "market_id": ev.market_id,
        "state": str(ev.state),
        "filled": str(ev.filled),
        "remaining": str(ev.remaining),
    }
    if ev.reason is not None:
        out["reason"] = str(ev.reason)
    return out


def wire_event(ev: Any) -> dict[str, Any]:
    """An event's fields for an answer: amounts as decimal strings, ids and flags as they are."""
    out: dict[str, Any] = {}
    for name in ev.__dataclass_fields__:
        v = getattr(ev, name)
        if name == "amount" or (v is not None and not isinstance(v, bool | int)):
            v = str(v)
        out[name] = v
    return out


def batch_json(row: BatchRow) -> dict[str, Any]:
    return {
        "number": row.number,
        "status": row.status,
        "first_seq": row.first_seq,
        "last_seq": row.last_seq,
        "n_ops": row.n_ops,
        "old_root": row.old_root,
        "new_root": row.new_root,
        "closed_at": row.closed_ts // 1000,
        "queue_start": row.info.get("queue_start"),
        "queue_end": row.info.get("queue_end"),
        "proof": row.info.get("proof"),
        "l1_tx": row.info.get("l1_tx"),
    }


# -- journal bodies ---------------------------------------------------------------------------------
def journal_body(op: Any) -> bytes:
    """Signed account operations (the hot path) in a compact form of the node's own,
    `[time, [message fields in declaration order], [R8x, R8y, S]]`; every other operation in the
    exchange's codec (`sequencer.codec.encode_op`)."""
    if op.TYPE in SIGNED_OPS:
        names = wire._names(type(op.msg))[0]
        m, s = op.msg, op.sig
        values = [getattr(m, n) for n in names]
        if all(type(v) is int for v in values) and all(type(v) is int for v in (op.time, *s.R8, s.S)):
            # the hot path: the same bytes json.dumps writes for plain ints, without its encoder
            return f"[{op.time},[{','.join(map(str, values))}],[{s.R8[0]},{s.R8[1]},{s.S}]]".encode()
        return json.dumps([op.time, values, [s.R8[0], s.R8[1], s.S]], separators=(",", ":")).encode()
    return encode_op(op)


def journal_op(kind: str, body: bytes) -> Any:
    """The operation of a journal entry (inverse of journal_body)."""
    if kind in SIGNED_OPS:
        op_cls, msg_cls = SIGNED_OPS[kind]
        t, values, sig = json.loads(body)
        return op_cls(time=t, msg=msg_cls(*values), sig=Signature(R8=(sig[0], sig[1]), S=sig[2]))
    op = decode_op(body)
    if kind != op.TYPE:
        raise RuntimeError(f"journal entry of kind {kind} holds a {op.TYPE}")
    return op
