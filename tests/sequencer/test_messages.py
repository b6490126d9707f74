"""Signed message layouts: Poseidon inputs as protocol.md §5 lists them, signatures by the fast
signer equal to the reference and accepted by circomlibjs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from circuits.primitives import eddsa
from circuits.primitives.poseidon import poseidon as ref_poseidon
from protocol.constants import Tag
from protocol.messages.cancel import CancelMessage
from protocol.messages.cancel_all import CancelAllMessage
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.messages.order import OrderMessage, SelfTrade, TimeInForce, make_flags
from protocol.messages.transfer import TransferMessage
from protocol.messages.withdraw import WithdrawMessage
from protocol.signing import Signer
from sequencer.config import domain_hash
from tests.conftest import run_node_json

DOMAIN = domain_hash(31337, 0x5FBDB2315678AFECB367F032D93F642F64180AA3)


def test_domain_hash() -> None:
    assert ref_poseidon([Tag.DOMAIN, 31337, 0x5FBDB2315678AFECB367F032D93F642F64180AA3]) == DOMAIN


@pytest.mark.parametrize(
    ("msg", "row"),
    [
        (
            OrderMessage(7, 1, 1, 300_000, 1_000, 42, 1_700_000_060, 5),
            [16, DOMAIN, 42, 1_700_000_060, 7, 1, 1, 300_000, 1_000, 5],
        ),
        (CancelMessage(7, 42, 99), [17, DOMAIN, 42, 99, 7]),
        (CancelAllMessage(7, 255, 42, 99), [18, DOMAIN, 42, 99, 7, 255]),
        (WithdrawMessage(7, 500, 0xBEEF, 3, 99), [19, DOMAIN, 3, 99, 7, 500, 0xBEEF]),
        (TransferMessage(7, 8, 500, 3, 99), [20, DOMAIN, 3, 99, 7, 8, 500]),
        (OraclePriceMessage(0, 5_000_000, 1_000, 1_060), [21, DOMAIN, 1_000, 1_060, 0, 5_000_000]),
    ],
)
def test_layouts(msg: Any, row: list[int]) -> None:
    assert msg.hash_row(DOMAIN) == row
    assert msg.hash(DOMAIN) == ref_poseidon(row)


def test_flags() -> None:
    assert (
        make_flags(TimeInForce.FOK, reduce_only=True, market=True, stp=SelfTrade.CANCEL_BOTH)
        == 2 | 4 | 8 | 32
    )
    m = OrderMessage(
        1, 0, 0, 1, 1, 1, 1, make_flags(TimeInForce.IOC, market=True, stp=SelfTrade.CANCEL_INCOMING)
    )
    assert (m.tif, m.is_market, m.reduce_only, m.stp) == (TimeInForce.IOC, True, False, 1)


def test_fast_signer_equals_the_reference() -> None:
    prv = b"zkclear signer test"
    s = Signer(prv)
    assert s.pub == eddsa.prv2pub(prv)
    for h in (0, 1, OrderMessage(7, 1, 1, 300_000, 1_000, 42, 1_700_000_060, 5).hash(DOMAIN)):
        assert s.sign(h) == eddsa.sign(prv, h)


@pytest.mark.node
def test_circomlibjs_accepts_an_order_signature() -> None:
    s = Signer(b"zkclear circomlibjs check")
    h = OrderMessage(7, 1, 1, 300_000, 1_000, 42, 1_700_000_060, 5).hash(DOMAIN)
    sig = s.sign(h)
    script = """
      import { buildEddsa } from 'circomlibjs';
      const [ax, ay, rx, ry, S, m] = JSON.parse(process.argv[1]).map(BigInt);
      const e = await buildEddsa();
      const F = e.babyJub.F;
      const ok = e.verifyPoseidon(F.e(m), {R8: [F.e(rx), F.e(ry)], S}, [F.e(ax), F.e(ay)]);
      console.log(JSON.stringify(ok));
    """
    args = [s.pub[0], s.pub[1], sig.R8[0], sig.R8[1], sig.S, h]
    assert run_node_json(script, json.dumps([str(a) for a in args])) is True
