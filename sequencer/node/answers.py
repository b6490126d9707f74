"""Exchange events into the node's answers, its market-data history and its stream messages, and
the JSON shapes of events and batches.

The exchange reports what an operation did as events (`sequencer.events`); the node keeps what it
serves beside the exchange state and the exchange does not: recent trades per market and recent
fills per account (`History`, snapshotted with the exchange), and the markets whose book changed
since the stream's last book tick.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sequencer.events import Deposited, Fill, Liquidated, OrderUpdate, Transferred, Withdrawn
from sequencer.journal.store import BatchRow
from sequencer.node import models as M
from sequencer.node.wire import address_hex
from sequencer.ops import Liquidate, PlaceOrder

T = TypeVar("T")

TRADES_KEPT = 1000  # per market
FILLS_KEPT = 1000  # per account


class History:
    """Recent trades per market and fills per account, and the stream messages of each operation."""

    def __init__(
        self,
        trades: dict[int, deque[M.Trade]] | None = None,
        fills: dict[int, deque[M.Fill]] | None = None,
    ) -> None:
        self.trades: dict[int, deque[M.Trade]] = {} if trades is None else trades
        self.fills: dict[int, deque[M.Fill]] = {} if fills is None else fills
        self.publish: Callable[[int, str, dict[str, Any]], None] = lambda seq, topic, ev: None
        self.dirty_books: set[int] = set()  # markets whose book changed since the last stream tick

    def to_json(self) -> dict[str, Any]:
        return {
            "trades": {k: list(v) for k, v in self.trades.items()},
            "fills": {k: list(v) for k, v in self.fills.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> History:
        return cls(
            trades={
                int(k): deque((trade_json(t) for t in v), maxlen=TRADES_KEPT)
                for k, v in data["trades"].items()
            },
            fills={int(k): deque(v, maxlen=FILLS_KEPT) for k, v in data["fills"].items()},
        )

    def digest(self, seq: int, ts_ms: int, kind: str, op: Any, events: tuple[Any, ...]) -> dict[str, Any]:
        """The answer to operation `op` applied as journal entry `seq`; keeps its trades and fills
        and publishes its stream messages."""
        answer: dict[str, Any] = {"seq": seq, "time": ts_ms // 1000}
        fills: list[M.Fill] = []
        msg = getattr(op, "msg", None)
        if msg is not None and hasattr(msg, "market_id"):
            self.dirty_books.update(range(8) if msg.market_id == 255 else (msg.market_id,))
        publish = self.publish
        for ev in events:
            if isinstance(ev, Fill):
                f = fill_json(ev, seq, ts_ms)
                fills.append(f)
                t = trade_json(f)
                _keep(self.trades, ev.market_id, TRADES_KEPT, t)
                for acct in {ev.maker_account, ev.taker_account}:
                    _keep(self.fills, acct, FILLS_KEPT, f)
                    publish(seq, f"fills:{acct}", {"type": "fill", **f})
                publish(seq, f"trades:{ev.market_id}", {"type": "trade", **t})
            elif isinstance(ev, OrderUpdate):
                if msg is None:  # a liquidation cancelled the account's orders
                    self.dirty_books.add(ev.market_id)
                upd = order_update_json(ev)
                publish(seq, f"fills:{ev.account_id}", {"type": "order", **upd})
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
            elif isinstance(ev, Liquidated) and kind == Liquidate.TYPE and op.liquidator is not None:
                answer.update(takeover_json(ev, op.liquidator.msg))
        if fills:
            answer["fills"] = fills
        if kind == PlaceOrder.TYPE and "order" not in answer:
            answer["order"] = {
                "order_id": op.msg.order_id,
                "market_id": op.msg.market_id,
                "state": "accepted",
            }
        return answer


def _keep(store: dict[int, deque[T]], key: int, n: int, item: T) -> None:
    q = store.get(key)
    if q is None:
        q = store[key] = deque(maxlen=n)
    q.append(item)


# -- JSON shapes ------------------------------------------------------------------------------------
def fill_json(ev: Fill, seq: int, ts_ms: int) -> M.Fill:
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


# What the public tape shows of a fill: no account or order ids (who traded is private).
PUBLIC_TRADE_KEYS = ("seq", "time", "market_id", "price", "size", "taker_side")


def trade_json(fill: M.Fill | M.Trade) -> M.Trade:
    return {
        "seq": fill["seq"],
        "time": fill["time"],
        "market_id": fill["market_id"],
        "price": fill["price"],
        "size": fill["size"],
        "taker_side": fill["taker_side"],
    }


def order_update_json(ev: OrderUpdate) -> M.OrderUpdate:
    out: M.OrderUpdate = {
        "order_id": ev.order_id,
        "market_id": ev.market_id,
        "state": cast(M.OrderState, str(ev.state)),
        "filled": str(ev.filled),
        "remaining": str(ev.remaining),
    }
    if ev.reason is not None:
        out["reason"] = str(ev.reason)
    return out


def wire_event(ev: Withdrawn | Transferred) -> M.WithdrawFields | M.TransferFields:
    """A withdrawal's or transfer's fields for its answer: amounts and queue indices as decimal
    strings, the recipient as 0x hex (`wire.address_hex`), ids and flags as JSON numbers."""
    if isinstance(ev, Transferred):
        return {"from_id": ev.from_id, "to_id": ev.to_id, "amount": str(ev.amount)}
    out: M.WithdrawFields = {
        "account_id": ev.account_id,
        "amount": str(ev.amount),
        "recipient": address_hex(ev.recipient),
        "forced": ev.forced,
        "queue_index": None if ev.queue_index is None else str(ev.queue_index),
    }
    if ev.reason is not None:
        out["reason"] = str(ev.reason)
    return out


def takeover_json(ev: Liquidated, order: Any) -> M.TakeoverFields:
    """A takeover's answer fields (schemas.TAKEOVER_RESULT): who took what of whose position, at
    which price, and the auction discount the account paid the liquidator."""
    assert ev.liquidator_id is not None, "a takeover's Liquidated event names its liquidator"
    return {
        "account_id": ev.account_id,
        "market_id": ev.market_id,
        "liquidator_id": ev.liquidator_id,
        "order_id": order.order_id,
        "side": "buy" if order.side == 0 else "sell",
        "size": str(abs(ev.size)),
        "price": str(ev.price),
        "penalty": str(ev.penalty),
    }


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)


def batch_json(row: BatchRow) -> M.Batch:
    return {
        "number": row.number,
        "status": cast(M.BatchStatus, row.status),
        "first_seq": row.first_seq,
        "last_seq": row.last_seq,
        "n_ops": row.n_ops,
        "old_root": row.old_root,
        "new_root": row.new_root,
        "closed_at": row.closed_ts // 1000,
        "queue_start": _opt_str(row.info.get("queue_start")),
        "queue_end": _opt_str(row.info.get("queue_end")),
        "time_start": row.info.get("time_start"),
        "time_end": row.info.get("time_end"),
        "proof": row.info.get("proof"),
        "l1_tx": row.info.get("l1_tx"),
        "shape": row.info.get("shape"),
        "public_input": row.info.get("public_input"),
        "prove_s": row.info.get("prove_s"),
        "prove_attempts": int(row.info.get("prove_attempts") or 0),
        "prove_error": row.info.get("prove_error"),
    }
