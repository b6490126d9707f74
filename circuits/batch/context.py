"""What a slot's roles share: the slot's values before its rules (`SlotCtx`) and what the active
role does (`Effects`), collected from every role module of circuits/batch/steps/ and applied once
by circuits/batch/slot.py.  An inactive role's terms are all 0 (each is a product with its flag).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from circuits.batch import risk as rk
from circuits.batch.slot_io import Carry, Static
from circuits.batch.vars import AccountVars, MarketConfigVars, MarketVars, PositionVars
from circuits.dsl import LC, Circuit, LCLike, as_lc, lc_sum
from protocol.slots import Role


@dataclass(slots=True)
class Effects:
    """What the active role does, every term already multiplied by its flag (0 when inactive)."""

    collateral: list[LC] = field(default_factory=list)  # deltas
    nonce: list[LC] = field(default_factory=list)
    fund: list[LC] = field(default_factory=list)
    fees: list[LC] = field(default_factory=list)
    delta: list[LC] = field(default_factory=list)  # signed size change of the selected market's position
    fill_price: list[LC] = field(default_factory=list)
    market: dict[str, list[LC]] = field(default_factory=dict)  # deltas of the selected market's fields
    funding_time: list[LC] = field(default_factory=list)  # delta
    next_role: list[LC] = field(default_factory=list)
    scratch: dict[int, list[LC]] = field(default_factory=dict)
    sig_enabled: list[LC] = field(default_factory=list)
    msg: list[LC] = field(default_factory=list)
    oracle_key: tuple[LC, LC] | None = None  # the signer's key when the oracle role is active
    slot_after: tuple[list[LC], list[LC]] = field(default_factory=lambda: ([], []))  # (id, filled)
    queue: dict[str, list[LC]] = field(default_factory=dict)  # the consumed record's fields
    queue_used: list[LC] = field(default_factory=list)
    withdrawal: dict[str, list[LC]] = field(default_factory=dict)
    withdrawal_used: list[LC] = field(default_factory=list)
    key: tuple[list[LC], list[LC], list[LC]] = field(
        default_factory=lambda: ([], [], [])
    )  # created: x, y, owner
    slot_index: list[LC] = field(default_factory=list)  # the order slot the role changes
    order_slot: list[LC] = field(default_factory=list)  # flags of the roles that change an order slot
    trade_rule: list[LC] = field(
        default_factory=list
    )  # flags of roles whose account must pass the trade rule (4.5)
    auction_start: list[LC] = field(default_factory=list)  # delta of the leaf's auction_start
    row_tag: list[LC] = field(default_factory=list)  # the five-field message row (steps/messages.py)
    row: list[list[LC]] = field(default_factory=lambda: [[] for _ in range(5)])
    row_used: list[LC] = field(default_factory=list)

    def add_market(self, name: str, value: LC) -> None:
        self.market.setdefault(name, []).append(value)

    def add_scratch(self, k: int, value: LC) -> None:
        self.scratch.setdefault(k, []).append(value)


@dataclass(slots=True)
class SlotCtx:
    """Everything a role's rules read."""

    cs: Circuit
    static: Static
    carry: Carry
    w: dict[str, Any]  # the slot's own witness fields (slot_io.SLOT_SPEC)
    flags: list[LC]  # role one-hot
    now: LC
    account_id: LC
    exists: LC
    acct: AccountVars
    onehot: list[LC]  # market one-hot
    market_id: LC
    market: MarketVars  # the selected market before the slot
    config: MarketConfigVars
    position: PositionVars  # the selected market's position before
    risk: rk.RiskVars  # the account at mark prices before the slot
    old_terms: rk.MarketTerms  # the selected market's terms of it
    withdrawable: LC
    usable: LC  # 1: no market the account holds a position in is halted or stale
    holds: list[LC]  # per market: the account's position there is not 0
    halted: list[LC]  # per market: status HALTED in force at `now` (4.11)
    stale: list[LC]  # per market: now > oracle_time + oracle_max_age_s (4.7)
    fx: Effects
    order: Any = None  # the slot's order (steps/order_leg.py): OrderVars
    order_flags: Any = None  # ... and its decoded flags (order_rule.OrderFlags)
    risk_after: rk.RiskVars | None = None  # after the slot's leg, before POST_FILL's collateral (slot.py)

    def flag(self, role: Role) -> LC:
        return self.flags[role]

    def gate(self, role: Role, value: LCLike, name: str) -> LC:
        return self.cs.mul(self.flags[role], value, name)

    def require(self, role: Role, ok: LCLike, name: str) -> None:
        """ok (a boolean) must be 1 when the role is active."""
        self.cs.constrain(self.flags[role], 1 - as_lc(ok), 0, name)

    def require_equal(self, role: Role, a: LCLike, b: LCLike, name: str) -> None:
        self.cs.constrain(self.flags[role], as_lc(a) - as_lc(b), 0, name)


def select_onehot(cs: Circuit, onehot: list[LC], values: list[LC], name: str) -> LC:
    """sum onehot[i] * values[i] (one product per non-constant entry)."""
    return lc_sum(cs.mul(h, v, f"{name}[{i}]") for i, (h, v) in enumerate(zip(onehot, values, strict=True)))
