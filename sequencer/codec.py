"""Serialisation of operations, records and whole-exchange snapshots.

Encoding: JSON; ints as JSON integers of any size (Python's json keeps them exact), tuples as
lists, dataclasses and named tuples as objects tagged with their class name under "@" (only the
classes registered here decode).  `encode_op`/`decode_op` give the journal form of an operation;
`snapshot_exchange`/`restore_exchange` the full state, books, pending batch and committed trees
included, so a restored exchange continues exactly like the original.
"""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any, TypeVar

from circuits.primitives.eddsa import Signature
from protocol import records
from protocol.constants import ACCOUNT_TREE_DEPTH, ORDER_TREE_DEPTH
from protocol.messages.cancel import CancelMessage
from protocol.messages.cancel_all import CancelAllMessage
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.messages.order import OrderMessage
from protocol.messages.transfer import TransferMessage
from protocol.messages.withdraw import WithdrawMessage
from protocol.steps.auction_end import AuctionEndData
from protocol.steps.auction_start import AuctionStartData
from protocol.steps.deleverage import DeleverageData
from protocol.steps.deposit import DepositData
from protocol.steps.forced_withdrawal import ForcedWithdrawalData
from protocol.steps.funding_tick import FundingData, MarketFunding
from protocol.steps.insurance_cover import InsuranceCoverData
from protocol.steps.liquidation import TakeoverData
from protocol.steps.oracle_update import OracleData, SignedPrice
from protocol.steps.trade import TradeData
from protocol.steps.transfer import TransferData
from protocol.steps.withdraw import WithdrawData
from sequencer.account import Account
from sequencer.book import RestingOrder
from sequencer.config import ExchangeConfig, MarketConfig
from sequencer.ledger import Ledger
from sequencer.ops import OPS
from sequencer.tree import SparseMerkleTree

L = TypeVar("L", bound=Ledger)

SNAPSHOT_VERSION = 6  # 4: 4-ary trees (node levels of depth 12 and 5); 5: the open batch's time_start;
# 6: the L1 queue hash

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        *OPS,
        OrderMessage,
        CancelMessage,
        CancelAllMessage,
        WithdrawMessage,
        TransferMessage,
        OraclePriceMessage,
        Signature,
        SignedPrice,
        records.AccountState,
        records.SlotChange,
        records.LeafUpdate,
        records.MarketState,
        records.GlobalState,
        records.Step,
        records.OpRecord,
        TradeData,
        TakeoverData,
        DeleverageData,
        DepositData,
        WithdrawData,
        TransferData,
        ForcedWithdrawalData,
        OracleData,
        FundingData,
        MarketFunding,
        InsuranceCoverData,
        AuctionStartData,
        AuctionEndData,
        MarketConfig,
        ExchangeConfig,
    )
}


class CodecError(ValueError):
    """Data that does not decode to a registered object."""


def encode(obj: Any) -> Any:
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, int):
        return obj
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return {"@": type(obj).__name__, **{f: encode(getattr(obj, f)) for f in obj._fields}}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = (f.name for f in dataclasses.fields(obj) if f.init)
        return {"@": type(obj).__name__, **{f: encode(getattr(obj, f)) for f in fields}}
    if isinstance(obj, tuple | list):
        return [encode(x) for x in obj]
    raise CodecError(f"cannot encode {type(obj).__name__}")


def decode(data: Any) -> Any:
    if data is None or isinstance(data, bool | int | str):
        return data
    if isinstance(data, list):
        return tuple(decode(x) for x in data)
    if isinstance(data, dict):
        name = data.get("@")
        cls = _CLASSES.get(name) if isinstance(name, str) else None
        if cls is None:
            raise CodecError(f"unknown object type {name!r}")
        kwargs = {k: decode(v) for k, v in data.items() if k != "@"}
        if cls is records.StepKind:  # pragma: no cover - kinds are encoded as ints
            return cls(kwargs["value"])
        try:
            obj = cls(**kwargs)
        except TypeError as e:
            raise CodecError(f"bad fields for {name}: {e}") from e
        if cls is records.Step:
            obj = records.Step(
                records.StepKind(obj.kind), obj.updates, obj.global_before, obj.global_after, obj.data
            )
        return obj
    raise CodecError(f"cannot decode {type(data).__name__}")


def dumps(obj: Any) -> bytes:
    return json.dumps(encode(obj), separators=(",", ":")).encode()


def loads(blob: bytes | str) -> Any:
    try:
        return decode(json.loads(blob))
    except json.JSONDecodeError as e:
        raise CodecError(f"not JSON: {e}") from e


def encode_op(op: Any) -> bytes:
    """The journal form of an operation."""
    if type(op) not in OPS:
        raise CodecError(f"{type(op).__name__} is not an operation")
    return dumps(op)


def decode_op(blob: bytes | str) -> Any:
    op = loads(blob)
    if type(op) not in OPS:
        raise CodecError("not an operation")
    return op


# ---- trees -------------------------------------------------------------------------------------------
def _tree_out(t: SparseMerkleTree) -> list[list[list[int]]]:
    return [sorted([i, v] for i, v in level.items()) for level in t.levels]


def _tree_in(depth: int, data: list[list[list[int]]]) -> SparseMerkleTree:
    return SparseMerkleTree.from_levels(depth, [{i: v for i, v in level} for level in data])


def _committed_out(aid: int, entry: Any) -> list[Any]:
    if entry is None:
        return [aid, None]
    st, ph, h, orders_root = entry
    return [aid, [encode(st), ph, h, orders_root]]


def _committed_in(row: list[Any]) -> tuple[int, Any]:
    aid, entry = row
    if entry is None:
        return aid, None
    st, ph, h, orders_root = entry
    return aid, (decode(st), list(ph), h, orders_root)


def _log_out(log: dict[tuple[int, int], int]) -> list[list[int]]:
    return sorted([h, i, v] for (h, i), v in log.items())


def _log_in(rows: list[list[int]]) -> dict[tuple[int, int], int]:
    return {(h, i): v for h, i, v in rows}


# ---- snapshots -----------------------------------------------------------------------------------
def snapshot_exchange(ex: Ledger) -> bytes:
    return json.dumps(snapshot_state(ex), separators=(",", ":")).encode()


def snapshot_state(ex: Ledger) -> dict[str, Any]:
    """The snapshot as a JSON-ready dict.  Batch progress (closed batches, pending records,
    committed trees) sits under the keys BATCH_KEYS."""
    accounts = []
    for aid in sorted(ex.accounts):
        a = ex.accounts[aid]
        accounts.append(
            [
                a.id,
                a.pub_x,
                a.pub_y,
                a.owner,
                a.collateral,
                a.nonce,
                a.sizes,
                a.costs,
                a.fsnaps,
                sorted([s, i, f] for s, (i, f) in a.slots.items()),
                sorted([s, i] for s, i in a.slot_last.items()),
                a.floor_all,
                sorted([m, f] for m, f in a.floor_market.items()),
                a.auction_start,
            ]
        )
    orders = []
    for mk in ex.active:
        for side in (mk.book.bids, mk.book.asks):
            for o in side.live_orders():
                orders.append([encode(o.op), o.seq, o.filled])
    trees = ex.trees
    state = {
        "version": SNAPSHOT_VERSION,
        "config": encode(ex.config),
        "records": ex.records_enabled,
        "scalars": {
            k: getattr(ex, k)
            for k in (
                "now",
                "seq",
                "queue_next",
                "queue_hash",
                "next_account_id",
                "insurance_fund",
                "fee_pool",
                "funding_time",
                "total_deposits",
                "total_withdrawals",
                "bad_debt_total",
            )
        },
        "batch": [ex.batch_number, ex.batch_queue_start, ex.batch_time_start],
        "funding_settled": ex.funding_settled,
        "markets": [
            [
                mk.id,
                mk.oracle_price,
                mk.oracle_time,
                mk.funding_index,
                mk.open_interest,
                list(mk.risk_fields()),
                mk.last_trade,
            ]
            for mk in ex.active
        ],
        "accounts": accounts,
        "orders": orders,
        "pending": [encode(r) for r in ex.pending],
        "trees": {
            "accounts": _tree_out(trees.accounts),
            "orders": [[aid, _tree_out(t)] for aid, t in sorted(trees.orders.items())],
            "committed": [_committed_out(aid, e) for aid, e in sorted(trees.committed.items())],
            "global_state": encode(trees.global_state),
            "batch": trees.batch,
            "log": _log_out(trees.accounts.log or {}),
            "committed_log": [_committed_out(aid, e) for aid, e in sorted(trees.committed_log.items())],
            "history": [
                [n, _log_out(log), [_committed_out(aid, e) for aid, e in sorted(clog.items())]]
                for n, log, clog in trees.history
            ],
            "globals_at": [[b, encode(g), h] for b, (g, h) in sorted(trees.globals_at.items())],
        },
    }
    return state


BATCH_KEYS = ("pending", "trees", "batch")


def restore_exchange(cls: type[L], blob: bytes) -> L:
    """The exchange (of class `cls`: `Exchange.restore` passes its own) a snapshot holds."""
    try:
        state = json.loads(blob)
    except json.JSONDecodeError as e:
        raise CodecError(f"snapshot is not JSON: {e}") from e
    if not isinstance(state, dict) or state.get("version") != SNAPSHOT_VERSION:
        raise CodecError("not a zkclear exchange snapshot of a known version")
    config = decode(state["config"])
    ex = cls(config, records=state["records"])
    for k, v in state["scalars"].items():
        setattr(ex, k, v)
    ex.batch_number, ex.batch_queue_start, ex.batch_time_start = state["batch"]
    ex.funding_settled = list(state["funding_settled"])
    for mid, price, otime, findex, oi, *risk in state["markets"]:
        mk = ex.markets[mid]
        assert mk is not None
        mk.set_oracle(price, otime)
        mk.funding_index = findex
        mk.open_interest = oi
        if risk:  # snapshots before the risk state (protocol.md 4.11, 4.12) have none
            mk.set_risk_fields(tuple(risk[0]))
            mk.last_trade = risk[1]
        else:
            mk.set_risk_fields((0, 0, price, otime, price, 0, 0, 0))
    for row in state["accounts"]:
        (
            aid,
            px,
            py,
            owner,
            col,
            nonce,
            sizes,
            costs,
            fsnaps,
            slots,
            slot_last,
            floor_all,
            floor_market,
            auc,
        ) = row
        a = Account(aid, px, py, owner)
        a.auction_start = auc
        a.collateral, a.nonce = col, nonce
        a.sizes, a.costs, a.fsnaps = list(sizes), list(costs), list(fsnaps)
        a.slots = {s: (i, f) for s, i, f in slots}
        a.slot_last = {s: i for s, i in slot_last}
        a.floor_all = floor_all
        a.floor_market = {m: f for m, f in floor_market}
        ex.accounts[aid] = a
        ex.by_key[(px, py)] = aid
        for m, s in enumerate(a.sizes):
            if s:
                ex.holders[m].add(aid)
        if a.auction_start:
            ex.in_auction.add(aid)
    undo: list[Any] = []
    resting = []
    for enc_op, seq, filled in state["orders"]:
        o = RestingOrder(decode(enc_op), seq, filled)
        o.live = True
        mk = ex.markets[o.market_id]
        assert mk is not None
        mk.book.side(o.side).add(o, undo)
        ex.accounts[o.account_id].live[o.order_id] = o
        resting.append(o)
    for o in sorted(resting, key=lambda o: (o.expiry, o.seq)):
        ex.track_expiry(o)
    ex.pending = [decode(r) for r in state["pending"]]
    t = state["trees"]
    trees = ex.trees
    trees.accounts = _tree_in(ACCOUNT_TREE_DEPTH, t["accounts"])
    trees.orders = {aid: _tree_in(ORDER_TREE_DEPTH, levels) for aid, levels in t["orders"]}
    trees.committed = dict(_committed_in(row) for row in t["committed"])
    trees._set_global(decode(t["global_state"]))
    trees.batch = t["batch"]
    trees.accounts.log = _log_in(t["log"])
    trees.committed_log = dict(_committed_in(row) for row in t["committed_log"])
    trees.history = [
        (n, _log_in(log), dict(_committed_in(row) for row in clog)) for n, log, clog in t["history"]
    ]
    trees.globals_at = {b: (decode(g), h) for b, g, h in t["globals_at"]}
    ex.global_changed()
    return ex
