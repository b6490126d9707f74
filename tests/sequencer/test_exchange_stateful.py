"""Random traders, price moves, funding and liquidations (hypothesis stateful), checking after every
step: no book is crossed; positions sum to zero per market and the open interest is their long
side; funding payments (settled + pending) sum to zero per market; total account value + insurance
fund + fees == deposits - withdrawals; after the keeper ran, an account left liquidatable is in a
live liquidation auction with its deficit within the insurance fund, and none is below zero
collateral without a position unless reported as bad debt; a rejected operation changes nothing;
and replaying the journal from genesis gives the same state and root.  Auctions run their course
(then ADL at the bankruptcy price) when time passes.

A price move updates one market's oracle, so the other's price may go stale meanwhile (protocol.md
4.7): then the withdrawals and transfers of its holders are refused (ORACLE_STALE), and the keeper
can neither start nor end their auctions until the next fresh price (4.8), so the keeper's
guarantees above are checked for the accounts whose prices are usable.

The default profile is small; ZKCLEAR_STATEFUL=long (or --runslow) runs a longer one.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from circuits.primitives.merkle import merkle_root
from protocol.constants import ALL_MARKETS
from protocol.errors import ErrorCode
from protocol.messages.order import TimeInForce
from sequencer.exchange import Exchange
from sequencer.liquidation import run_keeper
from sequencer.ops import EndAuction, Liquidate
from tests.sequencer.world import BTC, ETH, USD, World, make_config

TRADERS = 5
MAKER = TRADERS  # a well-funded market maker and liquidator
MOVES = st.one_of(st.integers(-30_000, 30_000), st.integers(-150_000, 150_000))  # oracle moves, ppm
MARKETS = (BTC, ETH)
START = {BTC: 5_000_000, ETH: 300_000}


class ExchangeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.w = World(make_config(insurance_fund=2_000 * USD))
        self.rejected_checked = 0
        self.roots: dict[int, int] = {}

    # ---- helpers ------------------------------------------------------------------------------
    @property
    def ex(self) -> Exchange:
        return self.w.ex

    def apply(self, op: object, *, check_unchanged: bool = False) -> bool:
        return self.submit(op, check_unchanged=check_unchanged) is None

    def keeper(self) -> None:
        for op, _ in run_keeper(self.ex, self.w.time):
            self.w.journal.append(op)

    def submit(self, op: object, *, check_unchanged: bool = False) -> ErrorCode | None:
        """Apply op (a rejection must change nothing, checked when check_unchanged); its rejection
        code, None when accepted."""
        before = self.ex.digest() if check_unchanged else None
        res = self.w.apply(op)
        if not res.ok and before is not None:
            assert self.ex.digest() == before, f"rejected {res.code} changed the state"
            self.rejected_checked += 1
        return None if res.ok else res.code

    def unpriced(self, aid: int) -> ErrorCode | None:
        """Why collateral cannot leave the account now (protocol.md 4.9): the first market it holds
        a position in that is halted (MARKET_HALTED) or stale (ORACLE_STALE); None when its prices
        are usable."""
        acct, now = self.ex.accounts[aid], self.w.time
        for mk in self.ex.active:
            if acct.sizes[mk.id]:
                if mk.halted(now):
                    return ErrorCode.MARKET_HALTED
                if mk.stale(now):
                    return ErrorCode.ORACLE_STALE
        return None

    def waits_for_price(self, aid: int) -> bool:
        """The account holds a position in a stale market: the keeper can neither start nor end its
        auction until the next fresh price (protocol.md 4.8)."""
        acct = self.ex.accounts[aid]
        return any(acct.sizes[mk.id] and mk.stale(self.w.time) for mk in self.ex.active)

    def price(self, m: int) -> int:
        mk = self.ex.markets[m]
        assert mk is not None
        return mk.oracle_price

    # ---- rules ----------------------------------------------------------------------------------
    @initialize(
        amounts=st.lists(st.integers(1_000, 60_000), min_size=TRADERS, max_size=TRADERS),
        leverage=st.lists(st.integers(30, 100), min_size=2, max_size=2),
    )
    def setup(self, amounts: list[int], leverage: list[int]) -> None:
        """Funded traders and two leveraged positions (traders 0/1 in BTC, 2/3 in ETH), so price
        moves find accounts to liquidate from the first step on."""
        for i, a in enumerate(amounts):
            assert self.w.deposit(i, a * USD).ok
        assert self.w.deposit(MAKER, 2_000_000 * USD).ok
        for m in MARKETS:
            assert self.w.oracle(m, START[m]).ok
        self.leveraged_trade(1, 0, BTC, 0, 0, leverage[0])
        self.leveraged_trade(3, 2, ETH, 1, 0, leverage[1])

    @rule(data=st.data(), n=st.integers(1, 6))
    def place_orders(self, data: st.DataObject, n: int) -> None:
        """n random orders: any trader, market, side, price near the oracle, size, time in force."""
        for _ in range(n):
            trader = data.draw(st.integers(0, TRADERS - 1))
            m = data.draw(st.sampled_from(MARKETS))
            mk = self.ex.markets[m]
            assert mk is not None
            price = max(mk.tick, (mk.oracle_price // mk.tick + data.draw(st.integers(-30, 30)) * 5) * mk.tick)
            op = self.w.order_op(
                trader,
                m,
                data.draw(st.integers(0, 1)),
                price,
                data.draw(st.integers(1, 400)) * mk.step,
                tif=data.draw(st.sampled_from(list(TimeInForce))),
                reduce_only=data.draw(st.booleans()),
            )
            self.apply(op, check_unchanged=data.draw(st.integers(0, 9)) == 0)
        self.keeper()  # a fill may restore an account in auction: the keeper ends it

    @rule(
        maker=st.integers(0, TRADERS - 1),
        taker=st.integers(0, TRADERS - 1),
        m=st.sampled_from(MARKETS),
        side=st.integers(0, 1),
        offset=st.integers(-10, 10),
        leverage_pct=st.integers(10, 120),
        move_ppm=MOVES,
        takeover=st.booleans(),
    )
    def leveraged_trade_then_move(
        self,
        maker: int,
        taker: int,
        m: int,
        side: int,
        offset: int,
        leverage_pct: int,
        move_ppm: int,
        takeover: bool,
    ) -> None:
        """A leveraged trade, then the market moves (hypothesis runs a random subset of the rules in
        each example; tying the two makes liquidations common)."""
        self.leveraged_trade(maker, taker, m, side, offset, leverage_pct)
        self.move_price(m, move_ppm, 1, takeover)

    def leveraged_trade(
        self, maker: int, taker: int, m: int, side: int, offset: int, leverage_pct: int
    ) -> None:
        """A resting order and a taker sized to use leverage_pct% of the taker's initial margin room."""
        mk = self.ex.markets[m]
        assert mk is not None
        price = max(mk.tick, (mk.oracle_price // mk.tick + offset * 5) * mk.tick)
        r = self.ex.risk(self.w.acct(taker))
        room = max(0, r.value - r.initial) * 1_000_000 // mk.imf  # notional the taker can add
        lots = room * leverage_pct // 100 // (price * mk.mult * mk.step)
        if lots <= 0:
            return
        size = lots * mk.step
        self.apply(self.w.order_op(maker, m, 1 - side, price, size))
        self.apply(self.w.order_op(taker, m, side, price, size, tif=TimeInForce.IOC), check_unchanged=True)

    @rule(
        trader=st.integers(0, TRADERS - 1),
        pick=st.integers(0, 10**6),
        scope=st.sampled_from([None, *MARKETS, ALL_MARKETS]),
    )
    def cancel(self, trader: int, pick: int, scope: int | None) -> None:
        """Cancel one live order (scope None) or cancel-all in a market / everywhere."""
        if scope is None:
            live = sorted(self.w.acct(trader).live)
            if live:
                assert self.w.cancel(trader, live[pick % len(live)]).ok
        else:
            assert self.w.cancel_all(trader, scope, self.w.order_ids[trader]).ok

    @rule(
        m=st.sampled_from(MARKETS),
        spread=st.integers(1, 40),
        lots=st.integers(1, 200),
        levels=st.integers(1, 4),
    )
    def quote(self, m: int, spread: int, lots: int, levels: int) -> None:
        """The market maker posts `levels` bids and asks around the oracle price."""
        mk = self.ex.markets[m]
        assert mk is not None
        mid = mk.oracle_price // mk.tick
        for k in range(1, levels + 1):
            for side, sign in ((0, -1), (1, 1)):
                self.apply(
                    self.w.order_op(MAKER, m, side, (mid + sign * spread * k) * mk.tick, lots * mk.step)
                )

    @rule(
        m=st.sampled_from(MARKETS),
        move_ppm=MOVES,
        dt=st.integers(1, 30),
        takeover=st.booleans(),
    )
    def move_price(self, m: int, move_ppm: int, dt: int, takeover: bool) -> None:
        """Move an oracle price; liquidatable accounts are taken over by the market maker (when
        takeover) or handled by the keeper (book first, then ADL)."""
        self.w.tick(dt)
        new = max(1, self.price(m) * (1_000_000 + move_ppm) // 1_000_000)
        assert self.w.oracle(m, new).ok
        if takeover:
            for aid in self.ex.liquidatable_accounts():
                acct = self.ex.accounts[aid]
                for mk in self.ex.active:
                    s = acct.sizes[mk.id]
                    if s and aid != self.w.aid(MAKER):
                        limit = mk.band_hi if s > 0 else mk.band_lo
                        limit = limit // mk.tick * mk.tick if s > 0 else -(-limit // mk.tick) * mk.tick
                        lop = self.w.order_op(
                            MAKER, mk.id, 0 if s > 0 else 1, limit, abs(s), tif=TimeInForce.IOC
                        )
                        self.apply(Liquidate(self.w.time, aid, mk.id, abs(s), lop))
        self.keeper()

    @rule(wait=st.integers(1, 3))
    def auction_time_passes(self, wait: int) -> None:
        """Time passes (a third, two thirds or all of an auction): auctions move toward the
        bankruptcy price; the market maker takes half of what is in auction, the keeper deleverages
        what an ended auction left."""
        self.w.tick(self.ex.config.auction_duration_s * wait // 3)
        for m in MARKETS:  # keep the oracle fresh across the jump
            assert self.w.oracle(m, self.price(m)).ok
        for aid in self.ex.liquidatable_accounts():
            acct = self.ex.accounts[aid]
            for mk in self.ex.active:
                s = acct.sizes[mk.id]
                half = abs(s) // 2 // mk.step * mk.step
                if half and aid != self.w.aid(MAKER):
                    p = self.price(mk.id)  # a limit on the tick, no worse than the oracle price
                    limit = -(-p // mk.tick) * mk.tick if s > 0 else p // mk.tick * mk.tick
                    lop = self.w.order_op(MAKER, mk.id, 0 if s > 0 else 1, limit, half, tif=TimeInForce.IOC)
                    self.apply(Liquidate(self.w.time, aid, mk.id, half, lop), check_unchanged=True)
        self.keeper()

    @rule()
    def prices_refreshed(self) -> None:
        """A fresh oracle update of every market at its price (move_price updates one market, so the
        other may have gone stale): what waited for a usable price goes on."""
        self.w.refresh()
        self.keeper()

    @rule()
    def funding(self) -> None:
        due = self.ex.funding_time + self.ex.config.funding_interval_s
        self.w.time = max(self.w.time + 1, due)
        for m in MARKETS:  # keep the oracle fresh across the jump
            assert self.w.oracle(m, self.price(m)).ok
        assert self.w.funding().ok
        self.keeper()

    @rule(data=st.data(), kind=st.sampled_from(["withdraw", "transfer", "deposit", "forced"]))
    def money(self, data: st.DataObject, kind: str) -> None:
        """Deposits, withdrawals, transfers and forced withdrawals."""
        trader = data.draw(st.integers(0, TRADERS - 1))
        if kind == "withdraw":
            self.withdraw(trader, data.draw(st.integers(1, 110)), data.draw(st.booleans()))
        elif kind == "transfer":
            dst = data.draw(st.integers(0, TRADERS - 1))
            self.transfer(trader, dst, data.draw(st.integers(1, 100)) if dst != trader else 0)
        elif kind == "deposit":
            self.deposit(trader, data.draw(st.integers(1, 20_000)))
        else:
            self.forced(trader, data.draw(st.booleans()), data.draw(st.integers(1, 50_000)))
        self.keeper()  # a deposit may restore an account in auction: the keeper ends it (EndAuction)

    # the money rule's operations, with the values it draws (the regression tests replay them)
    def withdraw(self, trader: int, pct: int, check_unchanged: bool) -> None:
        """Withdraw pct% of the free collateral: accepted iff the account's prices are usable and
        the amount is at most the free collateral."""
        aid = self.w.aid(trader)
        free = self.ex.risk(self.ex.accounts[aid]).withdrawable
        amount = max(1, free * pct // 100)
        code = self.submit(self.w.withdraw_op(trader, amount), check_unchanged=check_unchanged)
        expected = self.unpriced(aid) or (None if amount <= free else ErrorCode.INSUFFICIENT_COLLATERAL)
        assert code == expected, (amount, free)

    def transfer(self, trader: int, dst: int, pct: int) -> None:
        """Transfer pct% of the free collateral (if any) to another trader."""
        aid = self.w.aid(trader)
        free = self.ex.risk(self.ex.accounts[aid]).withdrawable
        if dst != trader and free:
            res = self.w.transfer(trader, dst, max(1, free * pct // 100))
            assert res.code == self.unpriced(aid)

    def deposit(self, trader: int, usd: int) -> None:
        assert self.w.deposit(trader, usd * USD).ok

    def forced(self, trader: int, own: bool, usd: int) -> None:
        """A forced withdrawal by the account's owner (own) or a stranger: always consumed, never
        more than the free collateral."""
        free = self.ex.risk(self.w.acct(trader)).withdrawable
        owner = 0x1000 + trader if own else 0xBAD
        res = self.w.forced_withdrawal(self.w.aid(trader), usd * USD, owner)
        assert res.ok and res.events[0].amount <= free

    @rule(witness=st.booleans(), pick=st.integers(0, 10**6))
    def close_batch(self, witness: bool, pick: int) -> None:
        root = self.ex.current_root() if not witness else None
        batch = self.ex.close_batch(witness=witness)
        if root is not None:
            assert batch.new_root == root
        self.roots[batch.number] = batch.new_root
        # any account's proof against any closed batch's root checks out
        number = sorted(self.roots)[pick % len(self.roots)]
        aid = 1 + pick % (self.ex.next_account_id - 1)
        proof = self.ex.account_proof(aid, number)
        assert proof.root == self.roots[number]
        assert merkle_root(proof.leaf, list(proof.siblings), aid) == proof.accounts_root

    @precondition(lambda self: len(self.w.journal) % 7 == 0)
    @rule()
    def snapshot_round_trip(self) -> None:
        assert Exchange.restore(self.ex.snapshot()).digest() == self.ex.digest()

    # ---- invariants -------------------------------------------------------------------------------
    @invariant()
    def books_never_crossed(self) -> None:
        for mk in self.ex.active:
            assert not mk.book.is_crossed()

    @invariant()
    def positions_sum_to_zero_and_open_interest_matches(self) -> None:
        for mk in self.ex.active:
            sizes = [a.sizes[mk.id] for a in self.ex.accounts.values()]
            assert sum(sizes) == 0
            assert mk.open_interest == sum(s for s in sizes if s > 0)

    @invariant()
    def funding_payments_sum_to_zero(self) -> None:
        for mk in self.ex.active:
            pending = sum(
                (a.sizes[mk.id] // mk.step) * (mk.funding_index - a.fsnaps[mk.id])
                for a in self.ex.accounts.values()
            )
            assert self.ex.funding_settled[mk.id] + pending == 0

    @invariant()
    def risk_cache_is_exact(self) -> None:
        for a in self.ex.accounts.values():
            assert self.ex.risk_tuple(a) == self.ex.compute_risk(a)

    @invariant()
    def value_is_conserved(self) -> None:
        ex = self.ex
        total_value = sum(ex.risk(a).value for a in ex.accounts.values())
        assert total_value + ex.insurance_fund + ex.fee_pool == ex.total_deposits - ex.total_withdrawals
        assert ex.insurance_fund >= 0 and ex.fee_pool >= 0

    @invariant()
    def nobody_left_under_water(self) -> None:
        ex = self.ex
        duration = ex.config.auction_duration_s
        usable = [aid for aid in ex.liquidatable_accounts() if not self.waits_for_price(aid)]
        for aid in usable:
            # the keeper leaves an account liquidatable only while its auction runs, and only
            # with a deficit the fund can cover (else it deleverages at once)
            a = ex.accounts[aid]
            assert a.auction_start <= self.w.time < a.auction_start + 2 * duration
            assert a.auction_start and ex.risk(a).value >= -ex.insurance_fund
        # ... and the auction of an account that recovered (or is flat) has ended (an account
        # with a stale price waits for the next fresh one: protocol.md 4.8)
        assert [a for a in ex.keeper_accounts() if not self.waits_for_price(a)] == usable
        assert sorted(ex.in_auction) == [a for a, acct in sorted(ex.accounts.items()) if acct.auction_start]
        for a in ex.accounts.values():
            r = ex.risk(a)
            if a.has_positions():
                assert r.maintenance > 0
        # a flat account below zero is a deficit nothing could pay when it arose (fund and fee
        # pool both spent), reported as such
        assert ex.bad_debt() <= ex.bad_debt_total

    def teardown(self) -> None:
        if not self.ex.accounts:
            return
        replayed = Exchange.replay(self.w.config, self.w.journal)
        assert replayed.digest(batches=False) == self.ex.digest(batches=False)
        b1 = self.ex.close_batch(witness=False)
        b2 = replayed.close_batch(witness=False)
        assert b1.new_root == b2.new_root


# ---- regressions: minimal examples hypothesis found, replayed step by step ----------------------------
INVARIANTS = (
    "books_never_crossed",
    "funding_payments_sum_to_zero",
    "nobody_left_under_water",
    "positions_sum_to_zero_and_open_interest_matches",
    "risk_cache_is_exact",
    "value_is_conserved",
)


def replay(steps: list[tuple[str, dict[str, Any]]]) -> ExchangeMachine:
    """Run the steps (machine method, arguments) checking every invariant after each, as hypothesis
    does."""
    machine = ExchangeMachine()
    for name, kwargs in steps:
        getattr(machine, name)(**kwargs)
        for inv in INVARIANTS:
            getattr(machine, inv)()
    return machine


# BTC moves only; ETH's price goes stale while trader 4's auction runs (short BTC and ETH), and the
# account recovers: EndAuction waits for a fresh ETH price (the model asserted the keeper had ended it)
RECOVERED_ON_A_STALE_PRICE: list[tuple[str, dict[str, Any]]] = [
    ("setup", dict(amounts=[2017, 4160, 2545, 2900, 1661], leverage=[39, 43])),
    ("cancel", dict(pick=95, scope=0, trader=0)),
    (
        "leveraged_trade_then_move",
        dict(leverage_pct=107, m=0, maker=0, move_ppm=-46685, offset=8, side=1, takeover=True, taker=0),
    ),
    ("auction_time_passes", dict(wait=2)),
    ("auction_time_passes", dict(wait=1)),
    ("cancel", dict(pick=560554, scope=0, trader=0)),
    ("cancel", dict(pick=204096, scope=None, trader=0)),
    ("move_price", dict(dt=25, m=0, move_ppm=-5872, takeover=False)),
    ("auction_time_passes", dict(wait=3)),
    (
        "leveraged_trade_then_move",
        dict(leverage_pct=102, m=0, maker=0, move_ppm=-5693, offset=10, side=1, takeover=True, taker=0),
    ),
    (
        "leveraged_trade_then_move",
        dict(leverage_pct=59, m=1, maker=3, move_ppm=-175, offset=5, side=0, takeover=False, taker=2),
    ),
    ("cancel", dict(pick=155788, scope=0, trader=1)),
    ("auction_time_passes", dict(wait=1)),
    (
        "leveraged_trade_then_move",
        dict(leverage_pct=43, m=0, maker=1, move_ppm=-282, offset=8, side=1, takeover=True, taker=4),
    ),
    ("move_price", dict(dt=28, m=1, move_ppm=-257, takeover=True)),
    ("cancel", dict(pick=3456, scope=1, trader=1)),
    ("move_price", dict(dt=2, m=0, move_ppm=500, takeover=True)),
    ("auction_time_passes", dict(wait=3)),
    ("auction_time_passes", dict(wait=3)),
    ("move_price", dict(dt=9, m=0, move_ppm=-1126, takeover=False)),
    (
        "leveraged_trade_then_move",
        dict(leverage_pct=34, m=0, maker=4, move_ppm=2576, offset=6, side=1, takeover=False, taker=0),
    ),
    ("cancel", dict(pick=922, scope=None, trader=4)),
    ("auction_time_passes", dict(wait=3)),
    ("move_price", dict(dt=15, m=1, move_ppm=20155, takeover=True)),
    ("cancel", dict(pick=3194, scope=0, trader=0)),
    ("auction_time_passes", dict(wait=1)),
    ("cancel", dict(pick=0, scope=1, trader=3)),
    ("auction_time_passes", dict(wait=2)),
    ("move_price", dict(dt=18, m=1, move_ppm=-2358, takeover=False)),
    (
        "leveraged_trade_then_move",
        dict(leverage_pct=102, m=1, maker=3, move_ppm=-397, offset=1, side=0, takeover=True, taker=1),
    ),
    ("auction_time_passes", dict(wait=2)),
    ("move_price", dict(dt=12, m=0, move_ppm=65744, takeover=True)),
    ("auction_time_passes", dict(wait=2)),
    ("auction_time_passes", dict(wait=3)),
    (
        "leveraged_trade_then_move",
        dict(leverage_pct=50, m=1, maker=2, move_ppm=916, offset=5, side=1, takeover=False, taker=4),
    ),
    (
        "leveraged_trade_then_move",
        dict(leverage_pct=117, m=1, maker=2, move_ppm=-1772, offset=-9, side=1, takeover=True, taker=2),
    ),
    ("auction_time_passes", dict(wait=2)),
    ("auction_time_passes", dict(wait=3)),
    ("cancel", dict(pick=2171, scope=0, trader=2)),
    ("move_price", dict(dt=26, m=1, move_ppm=1505, takeover=True)),
    ("move_price", dict(dt=23, m=1, move_ppm=-3807, takeover=True)),
    ("cancel", dict(pick=1484, scope=None, trader=2)),
    ("move_price", dict(dt=25, m=0, move_ppm=14384, takeover=True)),
    ("move_price", dict(dt=16, m=0, move_ppm=18835, takeover=True)),
    ("move_price", dict(dt=28, m=0, move_ppm=-397, takeover=False)),
]

# ETH's price goes stale (BTC moves only): trader 2, short ETH, may not withdraw (the model expected
# any amount up to the free collateral to be accepted)
WITHDRAW_ON_A_STALE_PRICE: list[tuple[str, dict[str, Any]]] = [
    ("setup", dict(amounts=[2017, 4160, 2545, 2900, 1661], leverage=[39, 43])),
    ("cancel", dict(pick=71, scope=0, trader=1)),
    ("move_price", dict(dt=2, m=1, move_ppm=-1198, takeover=False)),
    ("cancel", dict(pick=10469, scope=None, trader=2)),
    ("close_batch", dict(pick=78433, witness=True)),
    ("deposit", dict(trader=3, usd=409)),
    ("transfer", dict(trader=1, dst=0, pct=41)),
    ("cancel", dict(pick=98700, scope=255, trader=0)),
    ("close_batch", dict(pick=2234, witness=False)),
    ("cancel", dict(pick=147, scope=1, trader=2)),
    ("deposit", dict(trader=3, usd=299)),
    ("close_batch", dict(pick=832, witness=True)),
    ("cancel", dict(pick=7407, scope=0, trader=2)),
    ("close_batch", dict(pick=999999, witness=True)),
    ("transfer", dict(trader=2, dst=0, pct=40)),
    ("cancel", dict(pick=147909, scope=0, trader=4)),
    ("cancel", dict(pick=45379, scope=255, trader=0)),
    ("cancel", dict(pick=2809, scope=255, trader=0)),
    ("close_batch", dict(pick=642633, witness=True)),
    ("transfer", dict(trader=2, dst=2, pct=0)),
    ("move_price", dict(dt=20, m=0, move_ppm=113, takeover=False)),
    ("transfer", dict(trader=1, dst=2, pct=13)),
    ("close_batch", dict(pick=8009, witness=False)),
    ("transfer", dict(trader=1, dst=1, pct=0)),
    ("cancel", dict(pick=4, scope=None, trader=0)),
    ("deposit", dict(trader=4, usd=20000)),
    ("move_price", dict(dt=23, m=0, move_ppm=124, takeover=False)),
    ("move_price", dict(dt=19, m=0, move_ppm=-276, takeover=False)),
    ("cancel", dict(pick=7034, scope=0, trader=4)),
    ("close_batch", dict(pick=5351, witness=False)),
    ("cancel", dict(pick=1640, scope=1, trader=3)),
    ("close_batch", dict(pick=22007, witness=False)),
    ("move_price", dict(dt=17, m=0, move_ppm=176, takeover=True)),
    ("forced", dict(trader=1, own=False, usd=23770)),
    ("close_batch", dict(pick=122737, witness=False)),
    ("withdraw", dict(trader=2, pct=13, check_unchanged=False)),
]


def test_auction_of_a_recovered_account_ends_on_the_next_fresh_price() -> None:
    m = replay(RECOVERED_ON_A_STALE_PRICE)
    aid = m.w.aid(4)
    acct = m.ex.accounts[aid]
    assert m.ex.markets[ETH].stale(m.w.time) and acct.sizes[ETH]  # type: ignore[union-attr]
    assert acct.auction_start and not m.ex.risk(acct).liquidatable
    assert m.ex.keeper_accounts() == [aid] and m.ex.liquidatable_accounts() == []
    assert m.submit(EndAuction(m.w.time, aid), check_unchanged=True) == ErrorCode.ORACLE_STALE
    m.prices_refreshed()
    assert not acct.auction_start and m.ex.keeper_accounts() == m.ex.liquidatable_accounts() == []
    m.nobody_left_under_water()
    m.teardown()


def test_withdrawal_waits_for_a_fresh_price() -> None:
    m = replay(WITHDRAW_ON_A_STALE_PRICE)  # its last step: the withdrawal refused, ORACLE_STALE
    acct = m.w.acct(2)
    assert m.ex.markets[ETH].stale(m.w.time) and acct.sizes[ETH]  # type: ignore[union-attr]
    nonce = acct.nonce
    m.transfer(2, 0, 50)  # refused too
    m.prices_refreshed()
    m.withdraw(2, 13, check_unchanged=False)  # accepted now
    assert acct.nonce == nonce + 1
    m.teardown()


LONG = os.environ.get("ZKCLEAR_STATEFUL") == "long"
TestExchangeMachine = ExchangeMachine.TestCase
TestExchangeMachine.settings = settings(
    max_examples=300 if LONG else 60,
    stateful_step_count=80 if LONG else 50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.slow
def test_long_run() -> None:
    """The longer profile (also reachable with ZKCLEAR_STATEFUL=long)."""
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        ExchangeMachine,
        settings=settings(
            max_examples=150, stateful_step_count=80, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
