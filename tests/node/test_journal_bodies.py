"""Journal bodies: the node's compact form of signed operations and the exchange codec for the
rest both decode to the very operation that was applied."""

from __future__ import annotations

import dataclasses
import json

import pytest

from protocol.messages.cancel import CancelMessage
from protocol.messages.cancel_all import CancelAllMessage
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.messages.order import OrderMessage
from protocol.messages.transfer import TransferMessage
from protocol.messages.withdraw import WithdrawMessage
from protocol.signing import Signer
from protocol.steps.oracle_update import SignedPrice
from sequencer.node.journal_bodies import journal_body, journal_op
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

S = Signer(b"journal body test")
T = 1_790_000_000


def signed(op_cls: type, msg: object) -> object:
    return op_cls(T, msg, S.sign(msg.hash(12345)))  # type: ignore[attr-defined]


OPS = [
    signed(PlaceOrder, OrderMessage(3, 1, 1, 5_000_000, 120, 2**47 + 5, T + 60, 0b010001)),
    signed(CancelOrder, CancelMessage(3, 99, T + 60)),
    signed(CancelAll, CancelAllMessage(3, 255, 1000, T + 60)),
    signed(Withdraw, WithdrawMessage(3, 10**12, 0xABCDEF, 4, T + 60)),
    signed(Transfer, TransferMessage(3, 4, 77, 5, T + 60)),
    Deposit(T, 7, 0x1234, S.pub[0], S.pub[1], 10**9),
    FundingTick(T),
    OracleUpdate(T, 0, (SignedPrice(1, OraclePriceMessage(0, 5_000_000, T, T + 60), S.sign(7)),)),
]


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.TYPE)
def test_roundtrip(op: object) -> None:
    body = journal_body(op)
    assert journal_op(op.TYPE, body) == op  # type: ignore[attr-defined]


@pytest.mark.parametrize("op", OPS[:5], ids=lambda op: op.TYPE)
def test_signed_bodies_are_the_documented_json(op: object) -> None:
    """The hand-formatted fast path writes exactly `[time, [fields], [R8x, R8y, S]]` as compact JSON."""
    m, s = op.msg, op.sig  # type: ignore[attr-defined]
    fields = [getattr(m, f.name) for f in dataclasses.fields(m)]
    want = [op.time, fields, [s.R8[0], s.R8[1], s.S]]  # type: ignore[attr-defined]
    assert journal_body(op) == json.dumps(want, separators=(",", ":")).encode()


def test_kind_must_match_the_body() -> None:
    with pytest.raises(RuntimeError, match="holds a"):
        journal_op("deposit", journal_body(FundingTick(T)))
