"""Fixtures of the exchange-core suite."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.errors import ErrorCode
from tests.sequencer.world import World


@pytest.fixture
def world() -> World:
    """Three traders with 100,000 USD each; BTC at 50,000 and ETH at 3,000."""
    return World().funded(3).priced()


def assert_rejected_unchanged(w: World, op: Any, code: ErrorCode) -> None:
    """`op` is rejected with `code` and the whole state (books included) is unchanged."""
    before = w.ex.digest()
    res = w.ex.apply(op)
    assert not res.ok, res
    assert res.code == code, res
    assert w.ex.digest() == before
