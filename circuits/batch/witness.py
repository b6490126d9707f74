"""The batch circuit's input assignment from the exchange core's records: `Batch.records` (each
step's leaf preimages, global state and payload) and `Batch.witnesses` (Merkle paths), laid into
slots by protocol.slots and padded with no-ops.  No rule is re-implemented here: every value the
circuit computes is computed by the circuit; this only places what the records hold.

`BatchConfig` carries the committed parameters (the preimages of the config and params hashes,
protocol.md 3.3) as plain integers; sequencer.config builds it from an ExchangeConfig.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from circuits.batch.batch import HEADER_FIELDS, START_FIELDS, BatchShape
from circuits.batch.slot_io import (
    CONFIG_FIELDS,
    PARAMS_SPEC,
    QUEUE_FIELDS,
    SLOT_SPEC,
    WITHDRAWAL_FIELDS,
    pack,
    spec_names,
    static_spec,
)
from circuits.batch.vars import MARKET_FIELDS
from circuits.primitives.babyjub import BASE8
from circuits.primitives.field import R
from circuits.primitives.smt import empty_root
from protocol.constants import MAX_MARKETS, ORDER_TREE_DEPTH
from protocol.records import AccountState, GlobalState, LeafUpdate, OpRecord, Step, StepWitness
from protocol.slots import N_ROLES, roles_of


class BatchTooLarge(ValueError):
    """The batch's steps need more slots, queue records or withdrawals than the shape has."""


@dataclass(frozen=True)
class BatchConfig:
    """What the circuit reads from the committed parameters."""

    chain_id: int
    domain: int  # Poseidon([TAG_DOMAIN, chain_id, rollup_address])
    markets: tuple[dict[str, int] | None, ...]  # MAX_MARKETS: CONFIG_FIELDS but configured and mult, or None
    params: dict[str, Any]  # PARAMS_SPEC names: oracle_xs and oracle_ys are lists of MAX_ORACLE_SIGNERS


@dataclass(frozen=True)
class BatchInput:
    number: int
    queue_start: int
    time_start: int  # the header's time range (protocol.md 7.1)
    time_end: int
    old_root: int
    new_root: int
    records: Sequence[OpRecord]
    witnesses: Sequence[Sequence[StepWitness]]
    accounts_root: int  # the accounts root before the batch (for a batch without steps)
    global_state: GlobalState  # the global state before the batch


def _f(v: int) -> int:
    return v % R


def _zero_slot() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, n in SLOT_SPEC:
        out[name] = 0 if n == 1 else [0] * n
    out["role"] = [1] + [0] * (N_ROLES - 1)
    out["market"] = [1] + [0] * (MAX_MARKETS - 1)
    out["orders_root"] = empty_root(ORDER_TREE_DEPTH)
    # a slot without a signature still feeds the verifier a well-formed one (R8 = Base8, S = 0)
    out["sig_r8x"], out["sig_r8y"] = BASE8
    return out


def _set_account(slot: dict[str, Any], upd: LeafUpdate, lw: Any) -> None:
    slot["account_id"] = upd.account_id
    slot["account_siblings"] = list(lw.account_siblings)
    b: AccountState | None = upd.before
    if b is None:
        return
    slot["exists"] = 1
    slot["pub_x"], slot["pub_y"], slot["owner"] = b.pub_x, b.pub_y, b.owner
    slot["collateral"], slot["nonce"] = _f(b.collateral), b.nonce
    slot["size"] = [_f(v) for v in b.sizes]
    slot["cost"] = [_f(v) for v in b.costs]
    slot["fsnap"] = [_f(v) for v in b.fsnaps]
    slot["orders_root"] = lw.orders_root_before
    slot["auction_start"] = b.auction_start


def _set_slot(slot: dict[str, Any], upd: LeafUpdate, lw: Any) -> None:
    if upd.slot is None:
        return
    slot["slot_used"] = 1
    slot["slot_order_id"], slot["slot_filled"] = upd.slot.before
    slot["slot_siblings"] = list(lw.slot_siblings)


def _set_sig(slot: dict[str, Any], sig: Any) -> None:
    slot["sig_r8x"], slot["sig_r8y"] = sig.R8
    slot["sig_s"] = sig.S


def _set_order(slot: dict[str, Any], signed: Any) -> None:
    m = signed.msg
    for f, v in (
        ("account", m.account_id),
        ("market", m.market_id),
        ("side", m.side),
        ("price", m.price),
        ("size", m.size),
        ("id", m.order_id),
        ("expiry", m.expiry),
        ("flags", m.flags),
    ):
        slot[f"o_{f}"] = v
    _set_sig(slot, signed.sig)


def _market(slot: dict[str, Any], m: int) -> None:
    slot["market"] = [int(i == m) for i in range(MAX_MARKETS)]


class _Builder:
    def __init__(self, shape: BatchShape, config: BatchConfig) -> None:
        self.shape = shape
        self.config = config
        self.slots: list[dict[str, Any]] = []
        self.queue: list[dict[str, int]] = []
        self.withdrawals: list[dict[str, int]] = []

    def step(self, op: Any, step: Step, sw: StepWitness) -> None:
        roles = roles_of(step)
        for k, role in enumerate(roles):
            slot = _zero_slot()
            slot["role"] = [int(i == role) for i in range(N_ROLES)]
            slot["now"] = op.time
            if k < len(step.updates):
                upd, lw = step.updates[k], sw.leaves[k]
                _set_account(slot, upd, lw)
                _set_slot(slot, upd, lw)
            getattr(self, f"_{role.name.lower()}")(slot, op, step, k)
            self.slots.append(slot)

    # ---- one method per role: the payload's fields into the slot ---------------------------------------
    def _deposit(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        d, upd = step.data, step.updates[0]
        after = upd.after
        assert after is not None
        slot["amount"], slot["address"] = d.amount, d.owner
        slot["key_x"], slot["key_y"] = after.pub_x, after.pub_y
        self.queue.append(
            {
                "is_deposit": 1,
                "owner": d.owner,
                "pub_x": after.pub_x,
                "pub_y": after.pub_y,
                "account_id": upd.account_id,
                "amount": d.amount,
                "paid": 0,
            }
        )

    def _withdraw(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        slot["amount"], slot["address"], slot["expiry"] = op.msg.amount, op.msg.recipient, op.msg.expiry
        _set_sig(slot, op.sig)
        self.withdrawals.append(
            {"account_id": op.msg.account_id, "recipient": op.msg.recipient, "amount": op.msg.amount}
        )

    def _transfer_from(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        slot["amount"], slot["counterparty"], slot["expiry"] = op.msg.amount, op.msg.to_id, op.msg.expiry
        _set_sig(slot, op.sig)

    def _transfer_to(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        pass

    def _forced_withdrawal(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        d = step.data
        slot["amount"], slot["address"] = d.requested, d.owner
        self.queue.append(
            {
                "is_deposit": 0,
                "owner": d.owner,
                "pub_x": 0,
                "pub_y": 0,
                "account_id": step.updates[0].account_id,
                "amount": d.requested,
                "paid": d.amount,
            }
        )

    def _trade(self, slot: dict[str, Any], step: Step, maker: bool) -> None:
        d = step.data
        _market(slot, d.market_id)
        slot["fill_price"], slot["fill_size"], slot["taker_side"] = d.price, d.size, d.taker_side
        _set_order(slot, d.maker_order if maker else d.taker_order)

    def _trade_maker(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        self._trade(slot, step, True)

    def _trade_taker(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        self._trade(slot, step, False)

    def _oracle_price(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        d = step.data
        _market(slot, d.market_id)
        sp = d.prices[k]
        slot["signer"], slot["price"], slot["timestamp"], slot["expiry"] = (
            sp.signer,
            sp.msg.price,
            sp.msg.timestamp,
            sp.msg.expiry,
        )
        _set_sig(slot, sp.sig)
        slot["last"] = int(k == len(d.prices) - 1)
        slot["book"], slot["last_trade"], slot["recovery"] = d.book_price, d.last_trade_price, int(d.recovery)

    def _funding_market(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        _market(slot, k)

    def _liq_book_maker(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        self._trade(slot, step, True)

    def _liq_book_account(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        d = step.data
        _market(slot, d.market_id)
        slot["fill_price"], slot["fill_size"], slot["taker_side"] = d.price, d.size, d.taker_side

    def _takeover(self, slot: dict[str, Any], step: Step, liquidator: bool) -> None:
        d = step.data
        _market(slot, d.market_id)
        slot["fill_price"], slot["fill_size"], slot["taker_side"] = d.price, d.size, d.liquidated_side
        if liquidator:
            _set_order(slot, d.liquidator_order)

    def _takeover_account(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        self._takeover(slot, step, False)

    def _takeover_liquidator(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        self._takeover(slot, step, True)

    def _insurance_cover(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        pass

    def _deleverage_account(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        d, before = step.data, step.updates[0].before
        assert before is not None
        _market(slot, d.market_id)
        slot["fill_size"] = d.size
        slot["taker_side"] = int(before.sizes[d.market_id] > 0)  # a long closes by selling
        slot["price"] = _f(d.transfer)  # the transfer the counterparty's slot proves (signed)

    def _deleverage_counter(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        _market(slot, step.data.market_id)

    def _auction_start(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        pass

    def _auction_end(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        pass

    def _noop(self, slot: dict[str, Any], op: Any, step: Step, k: int) -> None:
        pass


def _static(
    shape: BatchShape, config: BatchConfig, queue: list[dict[str, int]], wds: list[dict[str, int]]
) -> list[int]:
    d: dict[str, Any] = {"domain": config.domain}
    for m in range(MAX_MARKETS):
        c = config.markets[m]
        for f in CONFIG_FIELDS:
            d[f"c{m}_{f}"] = 0 if c is None else _f(c[f])
    for name, _ in PARAMS_SPEC:
        d[name] = config.params[name]
    for i in range(shape.queue):
        rec = queue[i] if i < len(queue) else dict.fromkeys(QUEUE_FIELDS, 0)
        for f in QUEUE_FIELDS:
            d[f"q{i}_{f}"] = rec[f]
    for i in range(shape.withdrawals):
        rec = wds[i] if i < len(wds) else dict.fromkeys(WITHDRAWAL_FIELDS, 0)
        for f in WITHDRAWAL_FIELDS:
            d[f"w{i}_{f}"] = rec[f]
    return pack(static_spec(shape.queue, shape.withdrawals), d)


def _start(accounts_root: int, g: GlobalState) -> dict[str, int]:
    d = {
        "accounts_root": accounts_root,
        "insurance_fund": g.insurance_fund,
        "fee_pool": g.fee_pool,
        "funding_time": g.funding_time,
    }
    for m, ms in enumerate(g.markets):
        vals = (0,) * len(MARKET_FIELDS) if ms is None else tuple(ms)
        for f, v in zip(MARKET_FIELDS, vals, strict=True):
            d[f"m{m}_{f}"] = _f(v)
    return {k: d[k] for k in START_FIELDS}


def batch_assignment(
    shape: BatchShape, config: BatchConfig, batch: BatchInput, public_input: int
) -> dict[str, Any]:
    """The named inputs of the shape's circuit for this batch (`public_input` from
    protocol.pubdata, which the circuit recomputes and checks)."""
    b = _Builder(shape, config)
    for rec, sws in zip(batch.records, batch.witnesses, strict=True):
        for step, sw in zip(rec.steps, sws, strict=True):
            b.step(rec.op, step, sw)
    if len(b.slots) > shape.slots:
        raise BatchTooLarge(f"the batch needs {len(b.slots)} slots, the shape has {shape.slots}")
    if len(b.queue) > shape.queue or len(b.withdrawals) > shape.withdrawals:
        raise BatchTooLarge(
            f"the batch has {len(b.queue)} queue records and {len(b.withdrawals)} withdrawals; the shape holds"
            f" {shape.queue} and {shape.withdrawals}"
        )
    slots = b.slots + [_zero_slot() for _ in range(shape.slots - len(b.slots))]
    if b.slots and not batch.time_start <= b.slots[0]["now"] <= b.slots[-1]["now"] == batch.time_end:
        raise ValueError(
            f"the steps' times [{b.slots[0]['now']}, {b.slots[-1]['now']}] are not inside the header's"
            f" range [{batch.time_start}, {batch.time_end}] ending at its last step"
        )
    for slot in slots[len(b.slots) :]:
        slot["now"] = batch.time_end  # times never decrease, padding included; the batch ends there
    inputs: dict[str, Any] = {"public_input": public_input}
    header = {
        "old_root": batch.old_root,
        "new_root": batch.new_root,
        "batch_number": batch.number,
        "chain_id": config.chain_id,
        "queue_start": batch.queue_start,
        "time_start": batch.time_start,
        "time_end": batch.time_end,
    }
    for n in HEADER_FIELDS:
        inputs[f"header.{n}"] = header[n]
    for n, v in zip(
        spec_names(static_spec(shape.queue, shape.withdrawals)),
        _static(shape, config, b.queue, b.withdrawals),
        strict=True,
    ):
        inputs[f"static.{n}"] = v
    for n, v in _start(batch.accounts_root, batch.global_state).items():
        inputs[f"start.{n}"] = v
    names = spec_names(SLOT_SPEC)
    for i, slot in enumerate(slots):
        for n, v in zip(names, pack(SLOT_SPEC, slot), strict=True):
            inputs[f"slot{i}.{n}"] = v
    return inputs


__all__ = ["BatchConfig", "BatchInput", "BatchTooLarge", "batch_assignment"]
