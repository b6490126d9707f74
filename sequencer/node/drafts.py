"""Requests into drafts: an operation decoded once, waiting for the node's timestamp.

A draft goes through the pipeline (`sequencer.node.pipeline`) in two steps:
1. `checks()`, at the verify stage: the signed draft's fields are validated (once: the message's
   own `validate()` and the signature's shape, what the operation's `validate()` does) and its
   signatures are returned as `SigCheck`s for the batched check (`sequencer.signatures`);
2. `stamp(t)`, at the apply stage: the operation is built, once, with the node's time and applied
   without validating it again (`Exchange.apply(validate=False)` where `validated`).
Operator and L1 drafts (deposit, funding, keeper) carry no signatures; the exchange validates them
when it applies them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from protocol.messages.cancel import CancelMessage
from protocol.messages.cancel_all import CancelAllMessage
from protocol.messages.order import OrderMessage
from protocol.messages.transfer import TransferMessage
from protocol.messages.withdraw import WithdrawMessage
from protocol.pubdata.queue import QueueEntry
from protocol.pubdata.steps.deposit import DepositEntry
from protocol.steps.oracle_update import SignedPrice
from sequencer.exchange import Exchange
from sequencer.node import wire
from sequencer.node.errors import ApiError, rejection
from sequencer.ops import (
    CancelAll,
    CancelOrder,
    Deposit,
    ForcedWithdrawal,
    FundingTick,
    Liquidate,
    OracleUpdate,
    PlaceOrder,
    Transfer,
    Withdraw,
)
from sequencer.ops.common import check_signed_message
from sequencer.signatures import SigCheck

BATCH_CLOSE = "batch_close"
KEEPER = "keeper"  # a liquidation chosen at apply time; journaled as the Liquidate/Deleverage it became

# op TYPE -> (operation class, message class) for operations signed by an account key
SIGNED_OPS: dict[str, tuple[type, type]] = {
    PlaceOrder.TYPE: (PlaceOrder, OrderMessage),
    CancelOrder.TYPE: (CancelOrder, CancelMessage),
    CancelAll.TYPE: (CancelAll, CancelAllMessage),
    Withdraw.TYPE: (Withdraw, WithdrawMessage),
    Transfer.TYPE: (Transfer, TransferMessage),
}


def _no_checks() -> list[SigCheck]:
    return []


@dataclass(frozen=True, slots=True)
class Draft:
    """An operation decoded from a request (or chosen by the operator), waiting for its timestamp."""

    kind: str
    stamp: Callable[[int], Any]  # time (unix seconds) -> the operation, built once at apply
    account_id: int | None = None  # signer (rate-limit key); None for operator/L1 operations
    checks: Callable[[], list[SigCheck]] = _no_checks  # validate; the signatures to check
    validated: bool = False  # `checks` validates the operation's fields: apply skips op.validate()


def signed(ex: Exchange, kind: str, body: Any) -> Draft:
    """A signed account operation (order, cancel, cancel-all, withdrawal, transfer) from its JSON
    body (`sequencer.node.wire`): malformed_body here, at once; the rest at the verify stage."""
    op_cls, msg_cls = SIGNED_OPS[kind]
    msg, sig = wire.decode_signed(msg_cls, body)
    account_id = msg.account_id  # the signer (a transfer's from_id)

    def checks() -> list[SigCheck]:
        acct = ex.accounts.get(account_id)
        if acct is None:
            raise ApiError("unknown_account", f"no account {account_id}", {"reason": "UNKNOWN_ACCOUNT"})
        try:
            check_signed_message(msg, msg_cls, sig)  # what op_cls.validate() checks, without an op
        except Exception as exc:  # Rejected: malformed fields or bounds
            raise rejection(getattr(exc, "code", "MALFORMED"), getattr(exc, "message", str(exc))) from exc
        return [SigCheck((acct.pub_x, acct.pub_y), msg.hash_row(ex.domain), sig)]

    return Draft(kind, lambda t: op_cls(time=t, msg=msg, sig=sig), int(account_id), checks, True)


TAKEOVER_FIELDS = frozenset({"account_id", "market_id", "size", "order"})


def takeover(ex: Exchange, body: Any) -> Draft:
    """A takeover in a liquidation auction (protocol.md 4.8): `{"account_id", "market_id", "size",
    "order"}` with the liquidator's signed order body; applied as a `Liquidate` with the order as
    its liquidator, rate-limited on the liquidator's key.  Its integers follow the number grammar
    of signed bodies (`sequencer.node.wire`); malformed_body here, the rest at the verify stage."""
    if not isinstance(body, dict):
        raise ApiError("malformed_body", "the body must be a JSON object")
    wire.check_keys(body, set(TAKEOVER_FIELDS))
    missing = sorted(TAKEOVER_FIELDS - body.keys())
    if missing:
        raise ApiError("malformed_body", f"missing field(s): {', '.join(missing)}", {"missing": missing})
    # the number grammar of a signed body: canonical field elements, bounds are the exchange's
    account_id = wire.to_field(body["account_id"], "account_id")
    market_id = wire.to_field(body["market_id"], "market_id")
    size = wire.to_field(body["size"], "size")
    try:
        msg, sig = wire.decode_signed(OrderMessage, body["order"])
    except ApiError as err:
        raise ApiError(err.code, f"order: {err.message}", err.details) from None
    liquidator_id = msg.account_id

    def stamp(t: int) -> Liquidate:
        return Liquidate(t, account_id, market_id, size, PlaceOrder(time=t, msg=msg, sig=sig))

    def checks() -> list[SigCheck]:
        acct = ex.accounts.get(liquidator_id)
        if acct is None:
            raise ApiError("unknown_account", f"no account {liquidator_id}", {"reason": "UNKNOWN_ACCOUNT"})
        try:
            stamp(0).validate()  # the takeover's fields and the order's, as Liquidate.validate does
        except Exception as exc:  # Rejected: malformed fields or bounds
            raise rejection(getattr(exc, "code", "MALFORMED"), getattr(exc, "message", str(exc))) from exc
        return [SigCheck((acct.pub_x, acct.pub_y), msg.hash_row(ex.domain), sig)]

    return Draft(Liquidate.TYPE, stamp, int(liquidator_id), checks, True)


def oracle(ex: Exchange, market_id: int, prices: list[SignedPrice]) -> Draft:
    """Signed oracle prices (a quorum of the configured signers) for one market.  The update is
    validated on a time-0 instance (OracleUpdate.validate needs one); the stamped one is not
    validated again."""
    probe = OracleUpdate(0, market_id, tuple(prices))

    def checks() -> list[SigCheck]:
        try:
            probe.validate()
            parts = ex.signed_parts(probe)
        except Exception as exc:
            raise rejection(getattr(exc, "code", "MALFORMED"), getattr(exc, "message", str(exc))) from exc
        return [SigCheck(pub, msg.hash_row(ex.domain), sig) for pub, msg, sig in parts]

    return Draft(OracleUpdate.TYPE, lambda t: OracleUpdate(t, market_id, probe.prices), None, checks, True)


def deposit(ex: Exchange, fields: dict[str, int]) -> Draft:
    """A devnet deposit: the node stands in for the L1 queue, so the queue index is the next one
    at the moment the deposit is applied."""
    return Draft(Deposit.TYPE, lambda t: Deposit(time=t, queue_index=ex.queue_next, **fields))


def l1_entry(index: int, entry: QueueEntry) -> Draft:
    """An L1 priority-queue entry (sequencer.l1.queue_watch): the deposit or forced withdrawal it
    holds, at its queue index."""
    if isinstance(entry, DepositEntry):
        e = entry
        return Draft(Deposit.TYPE, lambda t: Deposit(t, index, e.owner, e.pub_x, e.pub_y, e.amount))
    f = entry
    return Draft(ForcedWithdrawal.TYPE, lambda t: ForcedWithdrawal(t, index, f.account_id, f.owner, f.amount))


def funding() -> Draft:
    return Draft(FundingTick.TYPE, FundingTick)


def keeper(account_id: int) -> Draft:
    """Liquidate (or deleverage) one liquidatable account; the operation is chosen at apply time
    from the state then (sequencer.liquidation policy) and journaled as chosen.  `stamp` gives the
    account id."""
    return Draft(KEEPER, lambda t: account_id)


def batch_close() -> Draft:
    return Draft(BATCH_CLOSE, lambda t: None)
