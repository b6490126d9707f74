"""Auto-deleveraging: the top-ranked opposite position absorbs the deficit the fund cannot."""

from __future__ import annotations

from sequencer.errors import ErrorCode
from sequencer.events import Deleveraged
from sequencer.liquidation import adl_ranking, run_keeper
from sequencer.messages.order import TimeInForce
from sequencer.ops import Deleverage
from sequencer.records import StepKind
from tests.sequencer.conftest import assert_rejected_unchanged
from tests.sequencer.world import BTC, BUY, SELL, USD, World

P = 5_000_000


def bankrupt_long() -> World:
    """Trader 3 (3,000 USD) long 1 BTC from 50,000; shorts: trader 0 (0.6 BTC from 50,000, the most
    profitable and leveraged per unit of value), trader 1 (0.4 BTC from 49,000)."""
    w = World().funded(3).priced()
    assert w.deposit(3, 3_000 * USD).ok
    assert w.order(2, BTC, BUY, 4_900_000, 4_000).ok
    assert w.order(1, BTC, SELL, 4_900_000, 4_000, tif=TimeInForce.IOC).ok  # trader 1 short 0.4 @ 49,000
    assert w.order(0, BTC, SELL, P, 6_000).ok
    assert w.order(2, BTC, SELL, P, 4_000).ok
    assert w.order(3, BTC, BUY, P, 10_000, tif=TimeInForce.IOC).ok  # trader 3 long 1 BTC @ 50,000
    w.tick()
    assert w.oracle(BTC, 4_700_000).ok  # trader 3: 2,975 - 3,000 = -25 USD
    return w


def test_ranking_and_counterparty_rule() -> None:
    w = bankrupt_long()
    assert adl_ranking(w.ex, BTC, -1) == [w.aid(0), w.aid(1)]
    assert_rejected_unchanged(
        w, Deleverage(w.time, w.aid(3), BTC, w.aid(1), 4_000), ErrorCode.ADL_COUNTERPARTY
    )
    assert_rejected_unchanged(
        w, Deleverage(w.time, w.aid(3), BTC, w.aid(2), 4_000), ErrorCode.ADL_COUNTERPARTY
    )
    assert_rejected_unchanged(
        w, Deleverage(w.time, w.aid(0), BTC, w.aid(3), 4_000), ErrorCode.NOT_LIQUIDATABLE
    )


def test_deficit_shared_by_deleveraged_counterparties_worked() -> None:
    w = bankrupt_long()
    c0, c1 = w.acct(0).collateral, w.acct(1).collateral
    res = w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(0), 6_000))
    # 0.6 of 1 BTC: loss share ceil(25 USD * 0.6) = 15 USD; both close at the oracle price 47,000
    assert res.events[-1] == Deleveraged(w.aid(3), BTC, w.aid(0), 6_000, 4_700_000, 15 * USD)
    assert res.record.steps[0].kind == StepKind.DELEVERAGE
    assert w.acct(0).collateral == c0 + 1_800 * USD - 15 * USD  # +1,800 realised on 0.6 BTC
    assert w.ex.risk(w.acct(3)).value == -10 * USD
    res = w.apply(Deleverage(w.time, w.aid(3), BTC, w.aid(1), 4_000))
    assert res.events[-1].loss == 10 * USD
    assert w.acct(1).collateral == c1 + 800 * USD - 10 * USD  # short from 49,000
    assert w.acct(3).collateral == 0 and not w.acct(3).has_positions()
    assert w.ex.insurance_fund == 0


def test_keeper_prefers_the_book_then_deleverages() -> None:
    w = bankrupt_long()
    done = run_keeper(w.ex, w.time)
    kinds = [type(op).__name__ for op, _ in done]
    assert kinds == ["Deleverage", "Deleverage"]  # the deficit is beyond the (empty) fund
    assert w.ex.liquidatable_accounts() == []
    assert w.acct(3).collateral == 0
