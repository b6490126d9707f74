"""A small test harness around the exchange core: two markets with round numbers, funded traders,
oracle signers, and builders that sign every operation for real (EdDSA-Poseidon)."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

from protocol.messages.cancel import CancelMessage
from protocol.messages.cancel_all import CancelAllMessage
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.messages.order import OrderMessage, SelfTrade, TimeInForce, make_flags
from protocol.messages.transfer import TransferMessage
from protocol.messages.withdraw import WithdrawMessage
from protocol.signing import Signer
from protocol.steps.oracle_update import SignedPrice
from sequencer.config import ExchangeConfig, MarketConfig
from sequencer.exchange import Exchange, Result
from sequencer.ops import (
    CancelAll,
    CancelOrder,
    Deposit,
    ForcedWithdrawal,
    FundingTick,
    OracleUpdate,
    PlaceOrder,
    Transfer,
    Withdraw,
)

T0 = 1_700_000_000
USD = 1_000_000  # collateral units per dollar
BTC, ETH = 0, 1
BUY, SELL = 0, 1

# BTC-USD: size unit 0.0001 BTC, price unit 0.01 USD -> multiplier 1 (notional = size * price).
BTC_MARKET = MarketConfig(
    market_id=BTC,
    symbol="BTC-USD",
    size_decimals=4,
    price_decimals=2,
    tick_size=100,  # 1 USD
    step_size=10,  # 0.001 BTC
    min_order_size=10,
    initial_margin_ppm=50_000,  # 5% (20x)
    maintenance_margin_ppm=30_000,  # 3%
    max_price=1_000_000_000,  # 10M USD
    open_interest_cap=100_000_000,  # 10,000 BTC
    price_band_ppm=100_000,  # 10%
    maker_fee_ppm=-100,  # -0.01% rebate
    taker_fee_ppm=500,  # 0.05%
    liquidation_fee_ppm=10_000,  # 1%
    funding_cap_ppb=1_000_000,  # 0.1% per interval
    oracle_max_move_ppm=25_000,  # 2.5% per update (below the 3% maintenance margin), 0.5%/s
)
# ETH-USD: size unit 0.001 ETH, price unit 0.01 USD -> multiplier 10.
ETH_MARKET = MarketConfig(
    market_id=ETH,
    symbol="ETH-USD",
    size_decimals=3,
    price_decimals=2,
    tick_size=10,
    step_size=10,  # 0.01 ETH
    min_order_size=10,
    initial_margin_ppm=100_000,  # 10%
    maintenance_margin_ppm=50_000,  # 5%
    max_price=100_000_000,
    open_interest_cap=10_000_000,
    price_band_ppm=100_000,
    maker_fee_ppm=0,
    taker_fee_ppm=1_000,  # 0.1%
    liquidation_fee_ppm=20_000,
    funding_cap_ppb=1_000_000,
    oracle_max_move_ppm=25_000,
)


@cache
def trader_signer(i: int) -> Signer:
    return Signer(f"zkclear test trader {i}".encode())


@cache
def oracle_signer(i: int) -> Signer:
    return Signer(f"zkclear test oracle {i}".encode())


def make_config(markets: tuple[MarketConfig, ...] = (BTC_MARKET, ETH_MARKET), **kw: Any) -> ExchangeConfig:
    return ExchangeConfig(
        chain_id=31337,
        rollup_address=0x5FBDB2315678AFECB367F032D93F642F64180AA3,
        markets=markets,
        oracle_signers=tuple(oracle_signer(i).pub for i in range(3)),
        oracle_quorum=2,
        **kw,
    )


class World:
    def __init__(self, config: ExchangeConfig | None = None, *, records: bool = True) -> None:
        self.config = config or make_config()
        self.ex = Exchange(self.config, records=records)
        self.time = T0
        self.journal: list[Any] = []
        self.order_ids: dict[int, int] = defaultdict(int)

    # ---- plumbing -----------------------------------------------------------------------------
    def tick(self, seconds: int = 1) -> int:
        self.time += seconds
        return self.time

    def apply(self, op: Any) -> Result:
        res = self.ex.apply(op)
        if res.ok:
            self.journal.append(op)
        return res

    def aid(self, trader: int) -> int:
        aid = self.ex.account_id_of(trader_signer(trader).pub)
        assert aid is not None, f"trader {trader} has no account"
        return aid

    def acct(self, trader: int) -> Any:
        return self.ex.accounts[self.aid(trader)]

    @property
    def domain(self) -> int:
        return self.ex.domain

    # ---- L1 ------------------------------------------------------------------------------------
    def deposit(self, trader: int, amount: int, owner: int | None = None) -> Result:
        pub = trader_signer(trader).pub
        owner = 0x1000 + trader if owner is None else owner
        return self.apply(Deposit(self.time, self.ex.queue_next, owner, pub[0], pub[1], amount))

    def forced_withdrawal(self, account_id: int, amount: int, owner: int) -> Result:
        return self.apply(ForcedWithdrawal(self.time, self.ex.queue_next, account_id, owner, amount))

    # ---- oracle and funding -----------------------------------------------------------------------
    def oracle_op(
        self, market: int, price: int, signers: tuple[int, ...] = (0, 1), ts: int | None = None
    ) -> Any:
        ts = self.time if ts is None else ts
        prices = []
        for i in signers:
            msg = OraclePriceMessage(market, price, ts, ts + self.config.oracle_max_age_s)
            prices.append(SignedPrice(i, msg, oracle_signer(i).sign(msg.hash(self.domain))))
        return OracleUpdate(self.time, market, tuple(prices))

    def oracle(self, market: int, price: int, *, walk: bool = True, **kw: Any) -> Result:
        """One oracle update to `price`; with `walk`, a move larger than one update may make
        (protocol.md 4.7: per update and per second) goes in steps of the largest allowed move,
        each a few seconds apart, refreshing the other priced markets so they do not go stale."""
        mk = self.ex.markets[market]
        assert mk is not None
        cfg = mk.cfg
        while walk and mk.oracle_price and not kw.get("ts"):
            prev = mk.oracle_price
            step_s = -(-cfg.oracle_max_move_ppm // cfg.oracle_move_ppm_per_s)
            if (
                abs(price - prev) * 1_000_000
                <= prev * cfg.oracle_move_ppm_per_s * max(self.time - mk.oracle_time, 1)
                and abs(price - prev) * 1_000_000 <= prev * cfg.oracle_max_move_ppm
            ):
                break
            if self.time - mk.oracle_time < step_s:
                self.tick(step_s - (self.time - mk.oracle_time))
            if abs(price - prev) * 1_000_000 <= prev * cfg.oracle_max_move_ppm:
                break
            move = prev * cfg.oracle_max_move_ppm // 1_000_000
            res = self.apply(self.oracle_op(market, prev + move if price > prev else prev - move, **kw))
            if not res.ok:
                return res
            for other in self.ex.active:
                if other.id != market and other.oracle_price and other.oracle_time < self.time:
                    assert self.apply(self.oracle_op(other.id, other.oracle_price)).ok
        if mk.oracle_price and mk.oracle_time >= self.time:
            self.tick()
        return self.apply(self.oracle_op(market, price, **kw))

    def refresh(self) -> World:
        """A fresh oracle update of every priced market at its current price (one second later
        if a market was updated now): prices never go stale, and each update samples the book's
        premium (protocol.md 4.12)."""
        if any(mk.oracle_time >= self.time for mk in self.ex.active):
            self.tick()
        for mk in self.ex.active:
            if mk.oracle_price:
                assert self.apply(self.oracle_op(mk.id, mk.oracle_price)).ok
        return self

    def next_interval(self) -> World:
        """One funding interval later, with fresh prices sampling the books as they stand."""
        self.tick(self.config.funding_interval_s)
        return self.refresh()

    def funding_op(self) -> FundingTick:
        return FundingTick(self.time)

    def funding(self) -> Result:
        return self.apply(self.funding_op())

    # ---- signed trader operations -----------------------------------------------------------------
    def order_op(
        self,
        trader: int,
        market: int,
        side: int,
        price: int,
        size: int,
        *,
        tif: TimeInForce = TimeInForce.GTT,
        reduce_only: bool = False,
        market_order: bool = False,
        stp: SelfTrade = SelfTrade.CANCEL_RESTING,
        expiry: int | None = None,
        order_id: int | None = None,
        flags: int | None = None,
    ) -> PlaceOrder:
        if order_id is None:
            self.order_ids[trader] += 1
            order_id = self.order_ids[trader]
        if flags is None:
            flags = make_flags(tif, reduce_only=reduce_only, market=market_order, stp=stp)
        msg = OrderMessage(
            self.aid(trader),
            market,
            side,
            price,
            size,
            order_id,
            self.time + 3600 if expiry is None else expiry,
            flags,
        )
        return PlaceOrder(self.time, msg, trader_signer(trader).sign(msg.hash(self.domain)))

    def order(self, trader: int, market: int, side: int, price: int, size: int, **kw: Any) -> Result:
        return self.apply(self.order_op(trader, market, side, price, size, **kw))

    def cancel(self, trader: int, order_id: int) -> Result:
        msg = CancelMessage(self.aid(trader), order_id, self.time + 60)
        return self.apply(CancelOrder(self.time, msg, trader_signer(trader).sign(msg.hash(self.domain))))

    def cancel_all(self, trader: int, market: int, nonce: int) -> Result:
        msg = CancelAllMessage(self.aid(trader), market, nonce, self.time + 60)
        return self.apply(CancelAll(self.time, msg, trader_signer(trader).sign(msg.hash(self.domain))))

    def withdraw_op(
        self, trader: int, amount: int, *, nonce: int | None = None, recipient: int = 0xBEEF
    ) -> Withdraw:
        acct = self.acct(trader)
        msg = WithdrawMessage(
            acct.id, amount, recipient, acct.nonce if nonce is None else nonce, self.time + 60
        )
        return Withdraw(self.time, msg, trader_signer(trader).sign(msg.hash(self.domain)))

    def withdraw(self, trader: int, amount: int, **kw: Any) -> Result:
        return self.apply(self.withdraw_op(trader, amount, **kw))

    def transfer(self, trader: int, to_trader: int, amount: int, *, nonce: int | None = None) -> Result:
        acct = self.acct(trader)
        msg = TransferMessage(
            acct.id, self.aid(to_trader), amount, acct.nonce if nonce is None else nonce, self.time + 60
        )
        return self.apply(Transfer(self.time, msg, trader_signer(trader).sign(msg.hash(self.domain))))

    # ---- common set-ups ------------------------------------------------------------------------
    def funded(self, n: int, amount: int = 100_000 * USD) -> World:
        for i in range(n):
            assert self.deposit(i, amount).ok
        return self

    def priced(self, btc: int = 5_000_000, eth: int = 300_000) -> World:
        """Oracle prices: BTC 50,000.00 and ETH 3,000.00 USD by default."""
        assert self.oracle(BTC, btc).ok
        assert self.oracle(ETH, eth).ok
        return self
