"""Deposit (L1 priority queue): credit collateral to the account of an L2 key, creating the account
(next free id, owner = the depositing L1 address) the first time the key is seen.

Rule: queue_index == the next unconsumed queue index; 1 <= amount < 2^64; the L2 key (pub_x, pub_y)
is a BabyJubJub point that is not of small order (BAD_PUBLIC_KEY otherwise: no signature could ever
verify against such a key, so its funds could never move; the L1 contract refuses it as well).  A deposit to an existing
key credits that account whatever the depositing address (its owner does not change).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from circuits.primitives import babyjub
from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.pubdata.queue import chain_hash
from protocol.pubdata.steps.deposit import DepositEntry, encode_entry
from protocol.records import LeafUpdate, StepKind
from protocol.steps.deposit import DepositData
from sequencer.account import Account
from sequencer.events import Deposited
from sequencer.ops.common import check_int

if TYPE_CHECKING:
    from sequencer.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Deposit:
    TYPE: ClassVar[str] = "deposit"

    time: int
    queue_index: int
    owner: int  # L1 address of the depositor
    pub_x: int
    pub_y: int
    amount: int

    def validate(self) -> None:
        check_int(self.queue_index, 0, (1 << 64) - 1, "queue_index")
        check_int(self.owner, 0, (1 << C.ADDRESS_BITS) - 1, "owner")
        check_int(self.pub_x, 0, C.FIELD_MODULUS - 1, "pub_x")
        check_int(self.pub_y, 0, C.FIELD_MODULUS - 1, "pub_y")
        check_int(self.amount, 1, (1 << C.AMOUNT_BITS) - 1, "amount")
        key = (self.pub_x, self.pub_y)
        if not babyjub.on_curve(key) or babyjub.is_small_order(key):
            raise Rejected(
                ErrorCode.BAD_PUBLIC_KEY,
                "the L2 key is not a BabyJubJub point outside the small-order subgroup",
            )


def apply(ex: Ledger, op: Deposit) -> None:
    if op.queue_index != ex.queue_next:
        raise Rejected(
            ErrorCode.QUEUE_OUT_OF_ORDER, f"expected queue index {ex.queue_next}, got {op.queue_index}"
        )
    gb = ex.global_state()
    key = (op.pub_x, op.pub_y)
    aid = ex.by_key.get(key)
    created = aid is None
    if aid is None:
        aid = ex.next_account_id
        if aid >= C.MAX_ACCOUNTS:
            raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, "the account tree is full")
        acct = Account(aid, op.pub_x, op.pub_y, op.owner)
        ex.set_item(ex.accounts, aid, acct)
        ex.set_item(ex.by_key, key, aid)
        ex.set_attr(ex, "next_account_id", aid + 1)
        before = None
    else:
        acct = ex.accounts[aid]
        before = acct.state() if ex.records_enabled else None
    ex.add_collateral(acct, op.amount)
    ex.set_attr(ex, "total_deposits", ex.total_deposits + op.amount)
    ex.set_attr(ex, "queue_next", ex.queue_next + 1)
    entry = encode_entry(DepositEntry(op.owner, op.pub_x, op.pub_y, op.amount))
    ex.set_attr(ex, "queue_hash", chain_hash(ex.queue_hash, entry))
    if ex.records_enabled:
        ex.add_step(
            StepKind.DEPOSIT,
            (LeafUpdate(aid, before, acct.state(), None),),
            gb,
            DepositData(op.queue_index, op.owner, op.amount, created),
        )
    ex.emit(Deposited(aid, op.amount, op.queue_index, created))
