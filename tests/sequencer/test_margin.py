"""Account value, margin requirements and free collateral across two markets, with pending
funding, at worked numbers."""

from __future__ import annotations

from protocol.messages.order import TimeInForce
from tests.sequencer.world import BTC, BUY, ETH, SELL, USD, World


def test_cross_margin_worked() -> None:
    w = World().funded(2).priced()
    assert w.deposit(2, 20_000 * USD).ok
    assert w.order(0, BTC, SELL, 5_000_000, 2_000).ok
    assert w.order(2, BTC, BUY, 5_000_000, 2_000, tif=TimeInForce.IOC).ok  # 0.2 BTC long, fee 5 USD
    assert w.order(0, ETH, BUY, 300_000, 5_000).ok
    assert w.order(2, ETH, SELL, 300_000, 5_000, tif=TimeInForce.IOC).ok  # 5 ETH short, fee 15 USD
    acct = w.acct(2)
    assert acct.collateral == (20_000 - 5 - 15) * USD
    w.tick()
    assert w.oracle(BTC, 5_100_000).ok  # +200 USD on the long
    assert w.oracle(ETH, 310_000).ok  # -500 USD on the short
    r = w.ex.risk(acct)
    # value = 19,980 + 200 - 500; IM = 5% of 10,200 + 10% of 15,500; MM = 3% / 5% of the same
    assert r.value == 19_680 * USD
    assert r.initial == 510 * USD + 1_550 * USD
    assert r.maintenance == 306 * USD + 775 * USD
    # the unrealised BTC profit does not count, the ETH loss does
    assert r.withdrawable == 19_680 * USD - 2_060 * USD
    assert not r.liquidatable


def test_pending_funding_counts_in_value_and_settled() -> None:
    w = World().funded(3).priced()
    assert w.funding().ok
    assert w.order(1, BTC, SELL, 5_000_000, 10_000).ok
    assert w.order(0, BTC, BUY, 5_000_000, 10_000, tif=TimeInForce.IOC).ok
    assert w.order(2, BTC, BUY, 5_010_000, 1_000).ok
    assert w.order(2, BTC, SELL, 5_030_000, 1_000).ok
    assert w.next_interval().funding().ok  # the long owes 25 USD (see test_funding_tick)
    before = w.ex.risk(w.acct(0))
    assert before.settled == w.acct(0).collateral - 25 * USD
    assert before.value == w.acct(0).collateral - 25 * USD  # oracle unchanged: no unrealised PnL
    assert w.ex.risk(w.acct(1)).value == w.acct(1).collateral + 25 * USD


def test_minimum_rounding_is_against_the_account() -> None:
    w = World().funded(2).priced()
    assert w.order(0, BTC, SELL, 5_000_000, 10).ok
    assert w.order(1, BTC, BUY, 5_000_000, 10, tif=TimeInForce.IOC).ok  # 0.001 BTC = 50 USD
    w.tick()
    assert w.oracle(BTC, 4_999_900).ok  # 49,999.00: notional 49,999,000 units
    r = w.ex.risk(w.acct(1))
    assert r.initial == 2_499_950  # 5%: exact
    assert r.maintenance == 1_499_970  # 3%: exact
    w.tick()
    assert w.oracle(BTC, 4_999_933).ok  # notional 49,999,330: 5% = 2,499,966.5 -> 2,499,967 (ceil)
    assert w.ex.risk(w.acct(1)).initial == 2_499_967
