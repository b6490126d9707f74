"""The slot's interface: what flows from slot to slot (`Carry`), what every slot reads but no slot
changes (`Static`), and each slot's own witness (`SlotInputs`), as ordered field specs so that the
template's placeholders, the batch's private inputs and the witness builder all use one list of
names.

A spec is a tuple of (name, count); count 1 is a scalar.  `unpack(spec, values)` turns a flat list
(of LCs in the circuit, of ints in the witness) into a dict name -> value or list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from circuits.batch.vars import (
    MARKET_FIELDS,
    AccountVars,
    GlobalVars,
    MarketConfigVars,
    MarketVars,
    ParamsVars,
    PositionVars,
)
from circuits.dsl import LC
from protocol.constants import (
    ACCOUNT_TREE_DEPTH,
    MAX_MARKETS,
    MAX_ORACLE_SIGNERS,
    ORDER_TREE_DEPTH,
    TREE_SIBLINGS,
)
from protocol.slots import N_ROLES

Spec = tuple[tuple[str, int], ...]

SCRATCH = 32  # scratch values a multi-slot step passes between its slots (layouts in steps/)

CONFIG_FIELDS = tuple(MarketConfigVars.__dataclass_fields__)
PARAMS_SPEC: Spec = (
    ("oracle_xs", MAX_ORACLE_SIGNERS),
    ("oracle_ys", MAX_ORACLE_SIGNERS),
    ("oracle_quorum", 1),
    ("oracle_max_age_s", 1),
    ("oracle_max_skew_s", 1),
    ("funding_interval_s", 1),
    ("funding_premium_divisor", 1),
    ("recovery_quorum", 1),
    ("auction_duration_s", 1),
)
QUEUE_FIELDS = ("is_deposit", "owner", "pub_x", "pub_y", "account_id", "amount", "paid")
WITHDRAWAL_FIELDS = ("account_id", "recipient", "amount")

CARRY_SPEC: Spec = (
    ("accounts_root", 1),
    ("time", 1),
    ("next_role", 1),
    ("queue_count", 1),
    ("withdrawal_count", 1),
    ("insurance_fund", 1),
    ("fee_pool", 1),
    ("funding_time", 1),
    *((f"m{m}_{f}", 1) for m in range(MAX_MARKETS) for f in MARKET_FIELDS),
    ("scratch", SCRATCH),
)

# What a slot outputs after its Carry: its record of the rollup accounts section (protocol.md 7.5),
# the account after the slot and its position in the slot's market; all zero for a slot that
# leaves no account.  The batch circuit encodes and hashes them in rollup mode only.
RECORD_SPEC: Spec = (
    ("account_id", 1),
    ("collateral", 1),
    ("nonce", 1),
    ("auction_start", 1),
    ("orders_root", 1),
    ("market_id", 1),
    ("size", 1),
    ("cost", 1),
    ("fsnap", 1),
)

SLOT_SPEC: Spec = (
    ("role", N_ROLES),  # one-hot
    ("now", 1),  # the operation's time
    ("account_id", 1),
    ("exists", 1),  # 1: the leaf holds an account before the slot; 0: the leaf is empty
    ("pub_x", 1),
    ("pub_y", 1),
    ("owner", 1),
    ("collateral", 1),
    ("nonce", 1),
    ("size", MAX_MARKETS),
    ("cost", MAX_MARKETS),
    ("fsnap", MAX_MARKETS),
    ("orders_root", 1),
    ("auction_start", 1),
    ("account_siblings", ACCOUNT_TREE_DEPTH * TREE_SIBLINGS),
    ("market", MAX_MARKETS),  # one-hot: the market the slot touches (market 0 when none)
    ("slot_used", 1),  # 1: an order slot changes
    ("slot_order_id", 1),  # the order slot before: (id, filled)
    ("slot_filled", 1),
    ("slot_siblings", ORDER_TREE_DEPTH * TREE_SIBLINGS),
    ("sig_r8x", 1),
    ("sig_r8y", 1),
    ("sig_s", 1),
    # operation fields, shared by the roles that have them
    ("amount", 1),  # deposit, withdrawal, transfer, forced withdrawal (requested)
    ("address", 1),  # deposit and forced withdrawal: the L1 sender; withdrawal: the recipient
    ("key_x", 1),  # deposit: the L2 key
    ("key_y", 1),
    ("expiry", 1),  # withdrawal, transfer, oracle price
    ("counterparty", 1),  # transfer: the receiving account id
    ("o_account", 1),  # the slot's order (trade maker or taker)
    ("o_market", 1),
    ("o_side", 1),
    ("o_price", 1),
    ("o_size", 1),
    ("o_id", 1),
    ("o_expiry", 1),
    ("o_flags", 1),
    ("fill_price", 1),  # trade: the fill
    ("fill_size", 1),
    ("taker_side", 1),
    ("signer", 1),  # oracle price: signer index, price, timestamp; whether the step's last price
    ("price", 1),
    ("timestamp", 1),
    ("last", 1),
    ("book", 1),  # oracle update: the sequencer's book and last-trade inputs (4.12) and the recovery flag
    ("last_trade", 1),
    ("recovery", 1),
)


def spec_size(spec: Spec) -> int:
    return sum(n for _, n in spec)


def spec_names(spec: Spec) -> list[str]:
    """Flat names: `x` for scalars, `x[i]` for vectors."""
    return [name if n == 1 else f"{name}[{i}]" for name, n in spec for i in range(n)]


def unpack(spec: Spec, values: Sequence[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    k = 0
    for name, n in spec:
        out[name] = values[k] if n == 1 else list(values[k : k + n])
        k += n
    if k != len(values):
        raise ValueError(f"spec takes {k} values, got {len(values)}")
    return out


def pack(spec: Spec, values: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for name, n in spec:
        v = values[name]
        if n == 1:
            out.append(v)
        else:
            if len(v) != n:
                raise ValueError(f"{name}: {n} values expected, got {len(v)}")
            out.extend(v)
    return out


def static_spec(queue_capacity: int, withdrawal_capacity: int) -> Spec:
    return (
        ("domain", 1),
        *((f"c{m}_{f}", 1) for m in range(MAX_MARKETS) for f in CONFIG_FIELDS),
        *PARAMS_SPEC,
        *((f"q{i}_{f}", 1) for i in range(queue_capacity) for f in QUEUE_FIELDS),
        *((f"w{i}_{f}", 1) for i in range(withdrawal_capacity) for f in WITHDRAWAL_FIELDS),
    )


@dataclass(slots=True)
class Carry:
    accounts_root: LC
    time: LC
    next_role: LC
    queue_count: LC
    withdrawal_count: LC
    g: GlobalVars
    scratch: list[LC]

    @classmethod
    def of(cls, d: dict[str, Any]) -> Carry:
        markets = [MarketVars(*(d[f"m{m}_{f}"] for f in MARKET_FIELDS)) for m in range(MAX_MARKETS)]
        g = GlobalVars(d["insurance_fund"], d["fee_pool"], d["funding_time"], markets)
        return cls(
            d["accounts_root"],
            d["time"],
            d["next_role"],
            d["queue_count"],
            d["withdrawal_count"],
            g,
            d["scratch"],
        )

    def flat(self) -> list[LC]:
        d: dict[str, Any] = {
            "accounts_root": self.accounts_root,
            "time": self.time,
            "next_role": self.next_role,
            "queue_count": self.queue_count,
            "withdrawal_count": self.withdrawal_count,
            "insurance_fund": self.g.insurance_fund,
            "fee_pool": self.g.fee_pool,
            "funding_time": self.g.funding_time,
            "scratch": self.scratch,
        }
        for m, mv in enumerate(self.g.markets):
            for f in MARKET_FIELDS:
                d[f"m{m}_{f}"] = getattr(mv, f)
        return pack(CARRY_SPEC, d)


@dataclass(slots=True)
class Static:
    domain: LC
    configs: list[MarketConfigVars]
    params: ParamsVars
    queue: list[dict[str, LC]]  # QUEUE_FIELDS per record
    withdrawals: list[dict[str, LC]]  # WITHDRAWAL_FIELDS per record

    @classmethod
    def of(cls, d: dict[str, Any], queue_capacity: int, withdrawal_capacity: int) -> Static:
        configs = [MarketConfigVars(*(d[f"c{m}_{f}"] for f in CONFIG_FIELDS)) for m in range(MAX_MARKETS)]
        params = ParamsVars(*(d[name] for name, _ in PARAMS_SPEC))
        queue = [{f: d[f"q{i}_{f}"] for f in QUEUE_FIELDS} for i in range(queue_capacity)]
        wds = [{f: d[f"w{i}_{f}"] for f in WITHDRAWAL_FIELDS} for i in range(withdrawal_capacity)]
        return cls(d["domain"], configs, params, queue, wds)


def account_of(s: dict[str, Any]) -> AccountVars:
    positions = [PositionVars(s["size"][m], s["cost"][m], s["fsnap"][m]) for m in range(MAX_MARKETS)]
    return AccountVars(
        s["pub_x"],
        s["pub_y"],
        s["owner"],
        s["collateral"],
        s["nonce"],
        positions,
        s["orders_root"],
        s["auction_start"],
    )
