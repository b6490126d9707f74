"""Stress scenarios for the exchange core (issue 13): a runner that drives `sequencer.exchange.Exchange`
through price paths, outages, funding storms and manipulation, and an independent checker that
audits the state after every operation.  `bench/stress.py` prints its figures; the tests in
`tests/sequencer/test_stress.py` assert them.

The runner drives the core as the node would: deposits, orders signed by the traders' keys, oracle
updates signed by the devnet oracle keys, funding ticks, and between price steps a backstop and the
keeper.  The keeper is the core's (`sequencer.liquidation.run_keeper`: partial book liquidation to
the restoring size, StartAuction, EndAuction, ADL at the bankruptcy price once the auction has run
or the deficit is beyond the fund; protocol.md 4.8).  The backstop is the scenario's liquidity
provider (`AuctionBackstop`): it takes live auctions over with signed orders (`Liquidate` with a
liquidator order) once the discount reaches its threshold or the auction holds at the bankruptcy
price, within its margin, before the keeper runs.  After the last action the clock runs on
(`Sim.drain`) until every auction has run its course.  Both are plug points: a `Keeper` is any
`(exchange, time) -> [(op, result)]`, a `Backstop` any `(sim, time) -> None`; a new operation is a
new `Action` (any object with `run(sim)`).  Scenarios are data: markets, genesis fund,
participants, the liquidity provider and a tuple of actions.

Prices follow the oracle rules of protocol.md 4.7: a path moves in the largest steps one update
may make, spaced so the per-second bound allows them (`Sim.step_seconds`), and after every update
of one market the others are signed again at their price (`Sim.refresh`, as
tests/sequencer/world.py does), so nothing goes stale by accident; the only move past the bound is
a recovery, signed by the recovery quorum after an outage (`Recover`).  Circuit breakers trip as
they would live (4.11): the checker counts trips, markets going reduce-only, halts, and operations
refused for a market's status.  Margin is at the mark price (4.12).

The checker (`Checker`) runs after every applied operation, the keeper's included, because
`ObservedExchange.apply` calls it.  Invariants (a break is a violation, the targets say zero):
- conservation in ledger form: sum(collateral - cost) + settled funding + insurance fund + fee pool
  = deposits - withdrawals (the genesis fund counts as a deposit; `State.total_deposits` starts
  with it), and the same in value form with independently recomputed values.  Part A draws the
  fund the moment a liquidation or ADL leaves an account's value below zero, positions open or
  not: that moves collateral from the fund into the account, so the identity is unchanged (it
  holds account by account whatever their positions), and takeover discounts and ADL transfers
  move collateral between accounts;
- positions sum to zero per market, open interest is their long side, settled plus pending
  funding sums to zero per market;
- insurance fund and fee pool >= 0;
- every withdrawal or transfer within free collateral recomputed from protocol.md 4.5 (not with
  the core's `risk()`);
- the order of the backstops (4.8), from the auction clock: a takeover only in a live auction, an
  ADL only beyond the fund or once the auction holds at the bankruptcy price.
Target properties (misses are counted apart):
- bad debt only when no counterparty could pay: when a deficit is left uncovered, no account that
  held an opposite position at the start of the liquidation pass and gained from the move still
  has positive value;
- no operation that reads a price (order, withdrawal, transfer, funding tick) accepted while that
  price is older than `oracle_max_age_s`;
- the true price accepted after an outage (an oracle update at the real price is not rejected);
- no ADL while the fund held the account's whole deficit (with the liquidity provider present:
  the auction should have found it);
- a Mango-style attacker ends with no more than it put in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from protocol import constants as C
from protocol.constants import ALL_MARKETS, MAX_MARKETS, PPM
from protocol.errors import ErrorCode
from protocol.messages.cancel_all import CancelAllMessage
from protocol.messages.oracle_price import OraclePriceMessage
from protocol.messages.order import OrderMessage, TimeInForce, make_flags
from protocol.messages.transfer import TransferMessage
from protocol.messages.withdraw import WithdrawMessage
from protocol.signing import Signer
from protocol.steps.oracle_update import SignedPrice
from sequencer.account import Account
from sequencer.config import ExchangeConfig, MarketConfig
from sequencer.events import (
    AuctionStarted,
    DeficitUncovered,
    Deleveraged,
    InsuranceCovered,
    Liquidated,
    Transferred,
    Withdrawn,
)
from sequencer.exchange import Exchange, Result
from sequencer.liquidation import run_keeper
from sequencer.market import Market
from sequencer.node.defaults import (
    BTC_USD,
    DEVNET_CHAIN_ID,
    DEVNET_ORACLE_QUORUM,
    DEVNET_ORACLE_SIGNERS,
    DEVNET_ROLLUP,
    ETH_USD,
    devnet_oracle_signer,
)
from sequencer.ops import (
    CancelAll,
    Deleverage,
    Deposit,
    ForcedWithdrawal,
    FundingTick,
    Liquidate,
    OracleUpdate,
    PlaceOrder,
    Transfer,
    Withdraw,
)

USD = 1_000_000  # collateral units per dollar
T0 = 1_700_000_000
BUY, SELL = 0, 1
DRAIN_EVERY_S = 10  # after the last action, backstop and keeper every 10 s while auctions run
FAR = 400 * 86_400  # expiry of resting quotes: they outlive any scenario
BTC, ETH, ILL = 0, 1, 2

# An illiquid market as a venue lists one (10 USD a unit, nobody quotes it but the attacker; price
# unit 0.01 USD, size unit 0.01, multiplier 100): 5x (initial 20%, maintenance 10%), the oracle moves
# at most 5% an update and 0.5% a second (a maximal update every 10 s), the breaker trips past 10%
# in 5 minutes, and open interest is tied to the insurance fund: k = 5, a quarter of the 20 the
# validator's reasoning allows (protocol.md 4.12: k <= 10^6 / d keeps one update in one market from
# draining the fund; k = 5, one maximal update on the whole open interest costs at most 25% of it).
ILL_USD = MarketConfig(
    market_id=ILL,
    symbol="ILL-USD",
    size_decimals=2,
    price_decimals=2,
    tick_size=1,
    step_size=100,  # 1 unit
    min_order_size=100,
    initial_margin_ppm=200_000,
    maintenance_margin_ppm=100_000,
    max_price=100_000_000,
    open_interest_cap=10_000_000_000,
    price_band_ppm=100_000,
    maker_fee_ppm=0,
    taker_fee_ppm=1_000,
    liquidation_fee_ppm=20_000,
    funding_cap_ppb=1_000_000,
    oracle_max_move_ppm=50_000,
    oracle_move_ppm_per_s=5_000,
    breaker_move_ppm=100_000,
    breaker_window_s=300,
    cooldown_s=300,
    mark_window_s=300,
    oi_fund_multiple=5,
)
DEVNET_MARKETS = (BTC_USD, ETH_USD)

Keeper = Callable[[Exchange, int], list[tuple[Any, Result]]]


class Backstop(Protocol):
    """A participant run before the keeper after every price step; it may submit operations
    (`AuctionBackstop`: signed takeovers in liquidation auctions, `Liquidate(liquidator=order)`)."""

    def __call__(self, sim: Sim, time: int) -> None: ...


class Action(Protocol):
    """One scenario step: anything with `run(sim)`; new operations plug in as new actions."""

    def run(self, sim: Sim) -> None: ...


def usable_fund(ex: Exchange, acct: Any, now: int) -> int:
    """The insurance fund an account's deficit may draw on (protocol.md 4.8), recomputed from the
    rule: none while it holds a position in a market halted by an oracle recovery."""
    for mk in ex.active:
        if acct.sizes[mk.id] and mk.status == C.STATUS_HALTED and now < mk.status_until:
            return 0
    return ex.insurance_fund


def stress_config(markets: Sequence[MarketConfig], insurance_fund: int, **kw: Any) -> ExchangeConfig:
    """The devnet's chain, rollup address and oracle keys with the given markets and genesis fund."""
    return ExchangeConfig(
        chain_id=DEVNET_CHAIN_ID,
        rollup_address=DEVNET_ROLLUP,
        markets=tuple(markets),
        oracle_signers=tuple(devnet_oracle_signer(i).pub for i in range(DEVNET_ORACLE_SIGNERS)),
        oracle_quorum=DEVNET_ORACLE_QUORUM,
        insurance_fund=insurance_fund,
        **kw,
    )


# ---- independent margin (protocol.md 4.5) -----------------------------------------------------------
@dataclass(frozen=True)
class Margin:
    value: int
    settled: int
    initial: int
    maintenance: int

    @property
    def free(self) -> int:
        return max(0, min(self.settled, self.value) - self.initial)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def margin_of(ex: Exchange, acct: Account) -> Margin:
    """protocol.md 4.5 from the account's leaf fields, the committed mark prices (4.12), funding
    indices and the market configs: the checker's own arithmetic, so a wrong `risk()` cannot hide
    itself."""
    value = settled = acct.collateral
    initial = maintenance = 0
    for cfg in ex.config.markets:
        m = cfg.market_id
        s = acct.sizes[m]
        if not s:
            continue
        mk = ex.markets[m]
        assert mk is not None
        mult = 10 ** (6 - cfg.size_decimals - cfg.price_decimals)
        pending = (s // cfg.step_size) * (mk.funding_index - acct.fsnaps[m])
        notional = abs(s) * mk.mark_price * mult
        value += s * mk.mark_price * mult - acct.costs[m] - pending
        settled -= pending
        initial += _ceil_div(notional * cfg.initial_margin_ppm, PPM)
        maintenance += _ceil_div(notional * cfg.maintenance_margin_ppm, PPM)
    return Margin(value, settled, initial, maintenance)


def upnl_of(ex: Exchange, acct: Account, m: int) -> int:
    mk = ex.markets[m]
    assert mk is not None
    return acct.sizes[m] * mk.oracle_price * mk.mult - acct.costs[m]


# ---- the checker ------------------------------------------------------------------------------------
@dataclass
class Finding:
    """One invariant violation or target miss: where (operation sequence number, type) and what."""

    kind: str
    op_index: int
    op: str
    detail: str
    amount: int = 0


class Checker:
    """Audits the exchange after every operation (see the module docstring for the list)."""

    def __init__(self, ex: Exchange) -> None:
        self.ex = ex
        self.ops = 0
        self.rejected = 0
        self.violations: list[Finding] = []
        self.misses: list[Finding] = []
        self.events: Counter[str] = Counter()
        self.left_liquidatable = 0  # liquidatable accounts the keeper left without a live auction
        self.takeovers = 0  # liquidations by a liquidator's signed order: auction fills (4.8)
        self.auction_discount = 0  # what the taken-over accounts paid their liquidators
        self.book_liquidations = 0  # partial liquidations against the book
        self.covered = 0  # paid by the insurance fund and fee pool to accounts below zero (4.8)
        self.adls_fund_could_cover = 0  # ADLs of an account whose whole deficit the fund held
        self.refused: Counter[str] = Counter()  # rejected operations by error code
        self.breaker_trips = 0  # oracle updates that tripped (or renewed) a circuit breaker (4.11)
        self.reduce_only_entries = 0  # ... of them, those that took a normal market reduce-only
        self.halts = 0  # oracle recoveries (4.7): the market halts for its cool-down
        # (account id -> (sizes, upnl per market)) at the start of the current liquidation pass
        self.pass_start: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    def start_pass(self) -> None:
        """Remember who held what and who gained, right after a price step (before backstop and
        keeper act): the counterparties a later deficit may be charged to."""
        ex = self.ex
        self.pass_start = {
            aid: (
                tuple(a.sizes),
                tuple(upnl_of(ex, a, mk.id) for mk in ex.active) if a.has_positions() else (),
            )
            for aid, a in ex.accounts.items()
        }

    # called by ObservedExchange.apply
    def before(self, op: Any) -> dict[str, Any]:
        ex = self.ex
        ctx: dict[str, Any] = {}
        if isinstance(op, Withdraw | Transfer):
            acct = ex.accounts.get(op.msg.account_id if isinstance(op, Withdraw) else op.msg.from_id)
            if acct is not None:
                ctx["free"] = margin_of(ex, acct).free
        elif isinstance(op, ForcedWithdrawal):
            acct = ex.accounts.get(op.account_id)
            ctx["free"] = margin_of(ex, acct).free if acct is not None else 0
        ctx["stale"] = self._stale_reads(op)
        if isinstance(op, Deleverage | Liquidate) and op.account_id in ex.accounts:
            acct = ex.accounts[op.account_id]
            value = margin_of(ex, acct).value
            fund = usable_fund(ex, acct, op.time)
            ctx["fund_could_cover"] = fund >= max(0, -value)
            ctx["beyond_fund"] = value < -fund
            # where the account's auction stands (protocol.md 4.8): seconds since it started
            ctx["elapsed"] = op.time - acct.auction_start if acct.auction_start else None
        if isinstance(op, OracleUpdate) and ex.markets[op.market_id] is not None:
            mk = ex.markets[op.market_id]
            assert mk is not None
            ctx["oracle"] = (
                mk.oracle_price,
                mk.stale(op.time),
                mk.status if op.time < mk.status_until else C.STATUS_NORMAL,
            )
        ctx["sizes"] = {aid: tuple(a.sizes) for aid, a in ex.accounts.items() if a.has_positions()}
        return ctx

    def _stale_reads(self, op: Any) -> list[int]:
        """Markets whose price `op` would read while older than oracle_max_age_s."""
        ex = self.ex
        age = ex.config.oracle_max_age_s
        t = op.time

        def stale(m: int) -> bool:
            mk = ex.markets[m]
            return mk is not None and mk.oracle_price > 0 and mk.oracle_time + age < t

        if isinstance(op, PlaceOrder):
            return [op.msg.market_id] if stale(op.msg.market_id) else []
        if isinstance(op, Withdraw | Transfer):
            aid = op.msg.account_id if isinstance(op, Withdraw) else op.msg.from_id
            acct = ex.accounts.get(aid)
            return [] if acct is None else [mk.id for mk in ex.active if acct.sizes[mk.id] and stale(mk.id)]
        if isinstance(op, FundingTick):
            return [mk.id for mk in ex.active if stale(mk.id)]
        if isinstance(op, Liquidate | Deleverage):
            return [op.market_id] if stale(op.market_id) else []
        return []

    def after(self, op: Any, res: Result, ctx: dict[str, Any]) -> None:
        self.ops += 1
        name = type(op).__name__
        if not res.ok:
            self.rejected += 1
            self.refused[str(res.code)] += 1
            return
        if "oracle" in ctx:
            self._status_change(op, ctx["oracle"])
        for ev in res.events:
            self.events[type(ev).__name__] += 1
            if isinstance(ev, Liquidated) and ev.liquidator_id is not None:
                self.takeovers += 1
                self.auction_discount += ev.penalty
            elif isinstance(ev, Liquidated):
                self.book_liquidations += 1
            elif isinstance(ev, InsuranceCovered):
                self.covered += ev.amount
            elif isinstance(ev, Deleveraged) and ctx.get("fund_could_cover"):
                self.adls_fund_could_cover += 1
        self.check_invariants(name)
        self._backstop_order(op, name, ctx)
        free = ctx.get("free")
        if free is not None:
            out = sum(
                ev.amount
                for ev in res.events
                if isinstance(ev, Withdrawn) or (isinstance(ev, Transferred) and isinstance(op, Transfer))
            )
            if out > free:
                self._violation(
                    "withdrawal_above_free", name, f"took {out}, free collateral was {free}", out - free
                )
        if ctx["stale"]:
            self._miss("stale_price_accepted", name, f"read markets {ctx['stale']} past oracle_max_age_s")
        for ev in res.events:
            if isinstance(ev, DeficitUncovered):
                self._bad_debt(name, ev, ctx["sizes"])

    def _backstop_order(self, op: Any, name: str, ctx: dict[str, Any]) -> None:
        """The order of the backstops (protocol.md 4.8), from the applied operation's kind and the
        auction clock before it: a takeover only while the auction is live (elapsed < 2 duration);
        ADL only beyond the fund or while the auction holds at the bankruptcy price
        (duration <= elapsed < 2 duration)."""
        duration = self.ex.config.auction_duration_s
        elapsed = ctx.get("elapsed")
        live = elapsed is not None and elapsed < 2 * duration
        held = elapsed is not None and duration <= elapsed < 2 * duration
        if isinstance(op, Liquidate) and op.liquidator is not None and not live:
            self._violation("takeover_without_auction", name, f"account {op.account_id}, elapsed {elapsed}")
        if isinstance(op, Deleverage) and not ctx.get("beyond_fund") and not held:
            self._violation(
                "adl_before_the_auction_ran",
                name,
                f"account {op.account_id} within the fund, auction elapsed {elapsed} s of {duration}",
            )

    def _status_change(self, op: OracleUpdate, before: tuple[int, bool, int]) -> None:
        """Count what an applied oracle update did to the market's status (protocol.md 4.7, 4.11):
        a recovery halts it; otherwise a status period starting now is a tripped breaker."""
        prev, stale, status = before
        mk = self.ex.markets[op.market_id]
        assert mk is not None
        if not prev:
            return
        if stale and len(op.prices) >= self.ex.config.recovery_quorum:
            self.halts += 1
        elif mk.status != C.STATUS_NORMAL and mk.status_until == op.time + mk.cfg.cooldown_s:
            self.breaker_trips += 1
            self.reduce_only_entries += status == C.STATUS_NORMAL

    def check_invariants(self, name: str) -> None:
        ex = self.ex
        accts = ex.accounts.values()
        ledger = sum(a.collateral - sum(a.costs) for a in accts) + sum(ex.funding_settled)
        ledger += ex.insurance_fund + ex.fee_pool
        net = ex.total_deposits - ex.total_withdrawals
        if ledger != net:
            self._violation(
                "conservation", name, f"ledger {ledger} != deposits - withdrawals {net}", ledger - net
            )
        values = sum(margin_of(ex, a).value for a in accts) + ex.insurance_fund + ex.fee_pool
        if values != net:
            self._violation("conservation_value", name, f"values {values} != {net}", values - net)
        for mk in ex.active:
            sizes = [a.sizes[mk.id] for a in accts]
            if sum(sizes) != 0:
                self._violation("positions_sum", name, f"market {mk.id} sums to {sum(sizes)}", sum(sizes))
            longs = sum(s for s in sizes if s > 0)
            if mk.open_interest != longs:
                self._violation("open_interest", name, f"market {mk.id}: {mk.open_interest} != {longs}")
            pending = sum((a.sizes[mk.id] // mk.step) * (mk.funding_index - a.fsnaps[mk.id]) for a in accts)
            if ex.funding_settled[mk.id] + pending:
                self._violation("funding_sum", name, f"market {mk.id}: settled + pending != 0")
        if ex.insurance_fund < 0 or ex.fee_pool < 0:
            self._violation("fund_negative", name, f"fund {ex.insurance_fund}, fee pool {ex.fee_pool}")

    def _bad_debt(self, name: str, ev: DeficitUncovered, sizes_before: dict[int, tuple[int, ...]]) -> None:
        """A deficit nothing paid: was there an account that, at the start of this liquidation
        pass, held a position opposite to one of the bankrupt account's with unrealised profit
        (it gained from the move), and still has positive value (it could pay)?"""
        ex = self.ex
        none = (0,) * MAX_MARKETS
        held = self.pass_start.get(ev.account_id)
        mine = held[0] if held else sizes_before.get(ev.account_id, none)
        payers = []
        for aid, (sizes0, upnl0) in self.pass_start.items():
            if aid == ev.account_id or not upnl0:
                continue
            for i, mk in enumerate(ex.active):
                m = mk.id
                if mine[m] * sizes0[m] < 0 and upnl0[i] > 0:
                    value = margin_of(ex, ex.accounts[aid]).value
                    if value > 0:
                        payers.append((aid, m, upnl0[i], value))
        if payers:
            desc = ", ".join(
                f"account {a} (market {m}, gain {g / USD:,.0f}, value {v / USD:,.0f} USD)"
                for a, m, g, v in payers
            )
            self._miss(
                "bad_debt_with_payer",
                name,
                f"{ev.amount / USD:,.2f} USD of account {ev.account_id} left while {desc} could pay",
                ev.amount,
            )

    def _violation(self, kind: str, op: str, detail: str, amount: int = 0) -> None:
        self.violations.append(Finding(kind, self.ops, op, detail, amount))

    def _miss(self, kind: str, op: str, detail: str, amount: int = 0) -> None:
        self.misses.append(Finding(kind, self.ops, op, detail, amount))


class ObservedExchange(Exchange):
    """The real exchange; every `apply` (the keeper's and the backstop's too) is followed by the
    checker, so "after every operation" includes operations the runner did not make itself."""

    checker: Checker | None = None

    def apply(self, op: Any, *, verify: bool = True, validate: bool = True) -> Result:
        checker = self.checker
        if checker is None:
            return super().apply(op, verify=verify, validate=validate)
        ctx = checker.before(op)
        res = super().apply(op, verify=verify, validate=validate)
        checker.after(op, res, ctx)
        return res


# ---- scenarios --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """Data: markets, genesis insurance fund, participants (name, deposit in USD), actions, and
    which participants are the attacker (their profit is reported)."""

    name: str
    title: str
    markets: tuple[MarketConfig, ...]
    insurance_fund_usd: int
    accounts: tuple[tuple[str, int], ...]
    actions: tuple[Action, ...]
    attacker: tuple[str, ...] = ()
    prices: tuple[tuple[int, int], ...] = ((BTC, 5_000_000), (ETH, 300_000))  # (market, start price)
    backstop: str | None = None  # the liquidity provider taking auctions (`AuctionBackstop`), if any


@dataclass
class Report:
    """A scenario's figures (amounts in USD, rounded down to cents where shown)."""

    scenario: str
    ops: int
    rejected: int
    liquidations: int  # partial liquidations against the book
    auctions: int  # liquidation auctions started (event AuctionStarted)
    auction_fills: int  # takeovers: a liquidator's signed order filled in an auction
    auction_discount: float  # what the taken-over accounts paid their liquidators
    adls: int
    adls_fund_could_cover: int  # traders deleveraged though the fund held the whole deficit
    left_liquidatable: int  # liquidatable accounts the keeper left without a live auction, per pass
    liquidatable_at_end: int  # accounts still liquidatable once the auctions have run their course
    fund_before: float
    fund_after: float
    insurance_paid: float
    bad_debt: float
    bad_debt_with_payer: float
    stale_accepts: int
    oracle_rejects: int
    breaker_trips: int  # oracle updates that tripped or renewed a circuit breaker (protocol.md 4.11)
    reduce_only_entries: int  # ... that took a market from normal to reduce-only
    halts: int  # oracle recoveries: the market halted for its cool-down (4.7)
    refused_reduce_only: int  # operations rejected MARKET_REDUCE_ONLY
    refused_halted: int  # ... MARKET_HALTED
    refused_stale: int  # ... ORACLE_STALE (a price too old, or an update that came too late)
    attacker_profit: float | None
    violations: list[Finding]
    misses: list[Finding]

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["violations"] = [f.__dict__ for f in self.violations]
        d["misses"] = [f.__dict__ for f in self.misses]
        return d


class Sim:
    """One scenario run on a fresh exchange."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        keeper: Keeper = run_keeper,
        backstop: Backstop | None = None,
        scenario_backstop: bool = True,
    ) -> None:
        """`backstop` None: the scenario's liquidity provider (`AuctionBackstop(scenario.backstop)`)
        unless `scenario_backstop` is False (then the keeper alone: auctions end in ADL)."""
        self.scenario = scenario
        self.config = stress_config(scenario.markets, scenario.insurance_fund_usd * USD)
        self.ex = ObservedExchange(self.config, records=False)
        self.checker = Checker(self.ex)
        self.ex.checker = self.checker
        self.keeper = keeper
        if backstop is None and scenario_backstop and scenario.backstop:
            backstop = AuctionBackstop(scenario.backstop)
        self.backstop = backstop
        self.time = T0
        self.ids: dict[str, int] = {}
        self.signers: dict[str, Signer] = {}
        self.order_ids: dict[str, int] = defaultdict(int)
        self.deposited: dict[str, int] = defaultdict(int)
        self.withdrawn: dict[str, int] = defaultdict(int)
        self.oracle_rejects = 0
        self.true_price: dict[int, int] = {}
        for i, (name, usd) in enumerate(scenario.accounts):
            self.signers[name] = Signer(f"zkclear stress {name}".encode())
            self.deposit(name, usd * USD, owner=0x5000 + i)
        for m, price in scenario.prices:
            self.true_price[m] = price
            assert self.oracle(m, price).ok
        self.fund_before = self.ex.insurance_fund

    # ---- plumbing ---------------------------------------------------------------------------------
    def tick(self, seconds: int = 1) -> int:
        self.time += seconds
        return self.time

    def apply(self, op: Any) -> Result:
        return self.ex.apply(op)

    def mk(self, m: int) -> Market:
        mk = self.ex.markets[m]
        assert mk is not None
        return mk

    def acct(self, name: str) -> Account:
        return self.ex.accounts[self.ids[name]]

    def deposit(self, name: str, amount: int, owner: int = 0x5000) -> Result:
        pub = self.signers[name].pub
        res = self.apply(Deposit(self.time, self.ex.queue_next, owner, pub[0], pub[1], amount))
        assert res.ok, res
        aid = self.ex.account_id_of(pub)
        assert aid is not None
        self.ids[name] = aid
        self.deposited[name] += amount
        return res

    def oracle(self, m: int, price: int, *, signers: int = DEVNET_ORACLE_QUORUM) -> Result:
        """A price signed by the first `signers` devnet oracle keys (a quorum by default), dated now."""
        ts = self.time
        prices = []
        for i in range(signers):
            msg = OraclePriceMessage(m, price, ts, ts + self.config.oracle_max_age_s)
            prices.append(SignedPrice(i, msg, devnet_oracle_signer(i).sign(msg.hash(self.ex.domain))))
        return self.apply(OracleUpdate(self.time, m, tuple(prices)))

    def refresh(self, *, skip: int | None = None) -> None:
        """Every other priced market signed again at its price, as the oracle does every few seconds
        (tests/sequencer/world.py does the same): no market goes stale by accident, and each update
        samples the book premium (protocol.md 4.12).  A market updated at this second is left."""
        for mk in self.ex.active:
            if mk.id != skip and mk.oracle_price and mk.oracle_time < self.time:
                assert self.oracle(mk.id, mk.oracle_price).ok

    def step_seconds(self, m: int, ppm: int | None = None) -> int:
        """Seconds between two oracle updates for a move of ppm (default: the largest one update may
        make) to pass the per-second bound, oracle_move_ppm_per_s (protocol.md 4.7)."""
        cfg = self.mk(m).cfg
        ppm = cfg.oracle_max_move_ppm if ppm is None else min(abs(ppm), cfg.oracle_max_move_ppm)
        return max(1, -(-ppm // cfg.oracle_move_ppm_per_s))

    def order_op(
        self, name: str, m: int, side: int, price: int, size: int, tif: TimeInForce = TimeInForce.GTT
    ) -> PlaceOrder:
        self.order_ids[name] += 1
        msg = OrderMessage(
            self.ids[name], m, side, price, size, self.order_ids[name], self.time + FAR, make_flags(tif)
        )
        return PlaceOrder(self.time, msg, self.signers[name].sign(msg.hash(self.ex.domain)))

    def order(
        self, name: str, m: int, side: int, price: int, size: int, tif: TimeInForce = TimeInForce.GTT
    ) -> Result:
        return self.apply(self.order_op(name, m, side, price, size, tif))

    def withdraw(self, name: str, amount: int) -> Result:
        acct = self.acct(name)
        msg = WithdrawMessage(acct.id, amount, 0xBEEF, acct.nonce, self.time + 60)
        res = self.apply(Withdraw(self.time, msg, self.signers[name].sign(msg.hash(self.ex.domain))))
        if res.ok:
            self.withdrawn[name] += amount
        return res

    def transfer(self, name: str, to: str, amount: int) -> Result:
        acct = self.acct(name)
        msg = TransferMessage(acct.id, self.ids[to], amount, acct.nonce, self.time + 60)
        return self.apply(Transfer(self.time, msg, self.signers[name].sign(msg.hash(self.ex.domain))))

    def price_at(self, m: int, ppm: int) -> int:
        """The oracle price moved by ppm, rounded to the tick (down)."""
        mk = self.mk(m)
        return max(mk.tick, mk.oracle_price * (PPM + ppm) // PPM // mk.tick * mk.tick)

    def lots(self, m: int, notional: int, price: int) -> int:
        """The largest size (a multiple of the step) whose notional at price is <= notional."""
        mk = self.mk(m)
        return notional // (price * mk.mult * mk.step) * mk.step

    def max_step(self, m: int, target: int) -> int:
        """The next price toward target: the largest move one oracle update may make (oracle times
        `step_seconds` apart, so the per-second bound allows it)."""
        mk = self.mk(m)
        prev = mk.oracle_price
        reach = prev * mk.cfg.oracle_max_move_ppm // PPM
        return max(prev - reach, target) if target < prev else min(prev + reach, target)

    def auction_live(self, aid: int) -> bool:
        """protocol.md 4.8: started and not yet over (time < auction_start + 2 * duration)."""
        start = self.ex.accounts[aid].auction_start
        return bool(start) and self.time < start + 2 * self.config.auction_duration_s

    def settle(self) -> None:
        """After a price step: the backstop, then the keeper; the checker notes who held what, and
        counts liquidatable accounts the keeper left without a live auction (it had a rule to apply:
        a book liquidation, StartAuction, or ADL once the auction has run)."""
        self.checker.start_pass()
        if self.backstop is not None:
            self.backstop(self, self.time)
        self.keeper(self.ex, self.time)
        idle = [a for a in self.ex.liquidatable_accounts() if not self.auction_live(a)]
        self.checker.left_liquidatable += len(idle)

    def busy(self) -> bool:
        """Work left for the backstop or the keeper: a liquidatable account or a live auction."""
        return bool(self.ex.liquidatable_accounts()) or any(self.auction_live(a) for a in self.ex.in_auction)

    def drain(self, every: int = DRAIN_EVERY_S) -> None:
        """Let time run (every market refreshed at its price, backstop and keeper every `every`
        seconds) until nothing is liquidatable and no auction is live, at most three auction
        durations: an auction started near the end of a scenario runs its course (takeovers, else
        ADL at the bankruptcy price)."""
        end = self.time + 3 * self.config.auction_duration_s
        while self.busy() and self.time < end:
            self.tick(every)
            self.refresh()
            self.settle()

    def run(self) -> Report:
        for action in self.scenario.actions:
            action.run(self)
        self.drain()
        return self.report()

    def attacker_profit(self) -> int | None:
        names = self.scenario.attacker
        if not names:
            return None
        final = sum(margin_of(self.ex, self.acct(n)).value + self.withdrawn[n] for n in names)
        return final - sum(self.deposited[n] for n in names)

    def report(self) -> Report:
        c = self.checker
        ev = c.events
        profit = self.attacker_profit()
        ex = self.ex
        return Report(
            scenario=self.scenario.name,
            ops=c.ops,
            rejected=c.rejected,
            liquidations=c.book_liquidations,
            auctions=ev[AuctionStarted.__name__],
            auction_fills=c.takeovers,
            auction_discount=c.auction_discount / USD,
            adls=ev[Deleveraged.__name__],
            adls_fund_could_cover=c.adls_fund_could_cover,
            left_liquidatable=c.left_liquidatable,
            liquidatable_at_end=len(ex.liquidatable_accounts()),
            fund_before=self.fund_before / USD,
            fund_after=ex.insurance_fund / USD,
            insurance_paid=c.covered / USD,
            bad_debt=ex.bad_debt_total / USD,
            bad_debt_with_payer=sum(f.amount for f in c.misses if f.kind == "bad_debt_with_payer") / USD,
            stale_accepts=sum(1 for f in c.misses if f.kind == "stale_price_accepted"),
            oracle_rejects=self.oracle_rejects,
            breaker_trips=c.breaker_trips,
            reduce_only_entries=c.reduce_only_entries,
            halts=c.halts,
            refused_reduce_only=c.refused[ErrorCode.MARKET_REDUCE_ONLY],
            refused_halted=c.refused[ErrorCode.MARKET_HALTED],
            refused_stale=c.refused[ErrorCode.ORACLE_STALE],
            attacker_profit=None if profit is None else profit / USD,
            violations=list(c.violations),
            misses=list(c.misses),
        )


# ---- actions ----------------------------------------------------------------------------------------
# a market's status may refuse an order (protocol.md 4.11): a quote into it is not placed
STATUS_REFUSALS = (ErrorCode.MARKET_REDUCE_ONLY, ErrorCode.MARKET_HALTED, ErrorCode.ORACLE_STALE)


@dataclass(frozen=True)
class Quote:
    """Resting orders of `account`, `usd` notional each, at the oracle price moved by each offset
    (ppm) of `bids` and of `asks`; a market that is reduce-only, halted or stale refuses them."""

    account: str
    market: int
    usd: int
    bids: tuple[int, ...] = ()
    asks: tuple[int, ...] = ()

    def run(self, sim: Sim) -> None:
        for side, offsets in ((BUY, self.bids), (SELL, self.asks)):
            for off in offsets:
                price = sim.price_at(self.market, off)
                size = sim.lots(self.market, self.usd * USD, price)
                if size:
                    res = sim.order(self.account, self.market, side, price, size)
                    assert res.ok or res.code in STATUS_REFUSALS, res


@dataclass(frozen=True)
class Open:
    """`taker` opens a position at `leverage` times its value (side: BUY long) against a resting
    order of `maker` at the oracle price (or `usd` notional when given)."""

    maker: str
    taker: str
    market: int
    side: int
    leverage: float = 0.0
    usd: int = 0

    def run(self, sim: Sim) -> None:
        mk = sim.mk(self.market)
        price = mk.oracle_price // mk.tick * mk.tick
        notional = self.usd * USD or int(margin_of(sim.ex, sim.acct(self.taker)).value * self.leverage)
        size = sim.lots(self.market, notional, price)
        assert sim.order(self.maker, self.market, 1 - self.side, price, size).ok
        res = sim.order(self.taker, self.market, self.side, price, size, TimeInForce.IOC)
        assert res.ok and sim.acct(self.taker).sizes[self.market], res


@dataclass(frozen=True)
class PricePath:
    """Move the oracle price to `target_ppm` from where it is, each update the largest move the
    config allows, `dt` seconds apart (default: the fewest the per-second bound allows for it,
    protocol.md 4.7); the other markets are refreshed, then the backstop and the keeper run."""

    market: int
    target_ppm: int
    dt: int = 0  # 0: sim.step_seconds(market)
    requote: Action | None = None  # e.g. a thin book that follows the price down

    def run(self, sim: Sim) -> None:
        target = sim.price_at(self.market, self.target_ppm)
        sim.true_price[self.market] = target
        dt = self.dt or sim.step_seconds(self.market)
        while sim.mk(self.market).oracle_price != target:
            sim.tick(dt)
            assert sim.oracle(self.market, sim.max_step(self.market, target)).ok
            sim.refresh(skip=self.market)
            if self.requote is not None:
                self.requote.run(sim)
            sim.settle()


@dataclass(frozen=True)
class Move:
    """One oracle update moving the price by `ppm` (clamped to the largest allowed move) after
    `dt` seconds (default: the fewest the per-second bound allows for the move), the other
    markets refreshed, then backstop and keeper."""

    market: int
    ppm: int
    dt: int = 0  # 0: sim.step_seconds(market, ppm)

    def run(self, sim: Sim) -> None:
        sim.tick(self.dt or sim.step_seconds(self.market, self.ppm))
        mk = sim.mk(self.market)
        cap = mk.cfg.oracle_max_move_ppm
        ppm = max(-cap, min(cap, self.ppm))
        # rounded toward the previous price (not to the tick): a clamped move stays within the bound
        reach = mk.oracle_price * abs(ppm) // PPM
        price = max(1, mk.oracle_price + (reach if ppm > 0 else -reach))
        sim.true_price[self.market] = price
        if price != mk.oracle_price:
            assert sim.oracle(self.market, price).ok
        sim.refresh()
        sim.settle()


@dataclass(frozen=True)
class Funding:
    """Funding ticks: the clock jumps to the next due time, every market's oracle is refreshed
    at its price, the tick is applied, the keeper runs."""

    ticks: int = 1

    def run(self, sim: Sim) -> None:
        for _ in range(self.ticks):
            sim.time = max(sim.time + 1, sim.ex.funding_time + sim.config.funding_interval_s)
            sim.refresh()
            assert sim.apply(FundingTick(sim.time)).ok
            sim.settle()


@dataclass(frozen=True)
class Outage:
    """No oracle update of `market` for `seconds`, while its true price moves by `move_ppm`; the
    other markets' feeds go on (refreshed every `every` seconds, so only `market` goes stale)."""

    market: int
    seconds: int
    move_ppm: int
    every: int = 30

    def run(self, sim: Sim) -> None:
        sim.true_price[self.market] = sim.price_at(self.market, self.move_ppm)
        end = sim.time + self.seconds
        while sim.time < end:
            sim.tick(min(self.every, end - sim.time))
            sim.refresh(skip=self.market)


@dataclass(frozen=True)
class Recover:
    """After an outage the oracle signs the true price with the recovery quorum (every signer
    unless `oracle_recovery_quorum` says fewer; protocol.md 4.7): the move bound does not apply to
    a stale market and the market halts for its cool-down while the keeper liquidates.  A refusal
    is counted (`oracle_rejects`); no made-up intermediate price is signed."""

    market: int

    def run(self, sim: Sim) -> None:
        sim.tick()
        sim.refresh(skip=self.market)
        res = sim.oracle(self.market, sim.true_price[self.market], signers=sim.config.recovery_quorum)
        if not res.ok:
            sim.oracle_rejects += 1
        sim.settle()


@dataclass(frozen=True)
class WithdrawMax:
    """`account` asks for `fraction_ppm` of its free collateral (recomputed by the checker's
    margin) at the current time; a rejection is fine, an acceptance is checked."""

    account: str
    fraction_ppm: int = PPM

    def run(self, sim: Sim) -> None:
        free = margin_of(sim.ex, sim.acct(self.account)).free * self.fraction_ppm // PPM
        if free > 0:
            sim.withdraw(self.account, free)


@dataclass(frozen=True)
class OpenAgainstProfit:
    """`account` opens a new position in `market` using all its initial-margin room (unrealised
    profit counts in value) against a resting order of `maker`."""

    account: str
    maker: str
    market: int
    side: int = BUY
    use_ppm: int = 950_000

    def run(self, sim: Sim) -> None:
        mk = sim.mk(self.market)
        m = margin_of(sim.ex, sim.acct(self.account))
        room = max(0, m.value - m.initial) * self.use_ppm // PPM
        notional = room * PPM // mk.imf
        price = mk.oracle_price // mk.tick * mk.tick
        size = sim.lots(self.market, notional, price)
        if size >= mk.min_size:
            assert sim.order(self.maker, self.market, 1 - self.side, price, size).ok
            sim.order(self.account, self.market, self.side, price, size, TimeInForce.IOC)


@dataclass(frozen=True)
class FundingStorm:
    """`intervals` funding ticks with the book's mid held `premium_ppm` off the oracle price by
    `quoter` (a 1% wide quote, renewed each interval).  Before each tick the oracle refreshes every
    market at its price, each update sampling the quoted premium (protocol.md 4.4, 4.12: the rate
    is the interval's average sample); after it the keeper runs."""

    market: int
    intervals: int
    quoter: str
    premium_ppm: int
    usd: int

    def quote(self, sim: Sim) -> None:
        CancelQuotes(self.quoter).run(sim)
        half = 5_000  # a 1% wide quote around oracle + premium
        bid, ask = self.premium_ppm - half, self.premium_ppm + half
        Quote(self.quoter, self.market, self.usd, (bid,), (ask,)).run(sim)

    def run(self, sim: Sim) -> None:
        self.quote(sim)  # on the book before the first interval's samples
        for _ in range(self.intervals):
            due = sim.ex.funding_time + sim.config.funding_interval_s
            sim.time = max(sim.time + 1, due)
            sim.refresh()  # keep every price fresh across the jump; samples the quote
            assert sim.apply(FundingTick(sim.time)).ok
            sim.settle()
            self.quote(sim)  # renewed after the keeper, whose liquidations may have taken it


@dataclass(frozen=True)
class CancelQuotes:
    """`account` cancels all its orders in every market."""

    account: str

    def run(self, sim: Sim) -> None:
        name = self.account
        msg = CancelAllMessage(sim.ids[name], ALL_MARKETS, sim.order_ids[name], sim.time + 60)
        assert sim.apply(CancelAll(sim.time, msg, sim.signers[name].sign(msg.hash(sim.ex.domain)))).ok


@dataclass(frozen=True)
class StaleProbe:
    """While the oracle is silent: `account` places a small order, withdraws part of its free
    collateral, and a funding tick is tried: each accepted one read a stale price."""

    account: str
    market: int

    def run(self, sim: Sim) -> None:
        mk = sim.mk(self.market)
        sim.order(self.account, self.market, BUY, mk.band_lo // mk.tick * mk.tick + mk.tick, mk.min_size)
        WithdrawMax(self.account, 500_000).run(sim)
        if sim.time >= sim.ex.funding_time + sim.config.funding_interval_s:
            sim.apply(FundingTick(sim.time))


@dataclass(frozen=True)
class Wait:
    seconds: int

    def run(self, sim: Sim) -> None:
        sim.tick(self.seconds)


# ---- backstops ----------------------------------------------------------------------------------------
@dataclass
class AuctionBackstop:
    """A liquidity provider taking liquidation auctions over (protocol.md 4.8) with signed orders:
    for every live auction of another account, each position is taken (`Liquidate` with the
    provider's IOC order, its limit the worse of the oracle and mark prices) once the auction's discount reaches
    `threshold_ppm` of the notional taken, or the auction holds at the bankruptcy price (elapsed >=
    auction_duration_s: the most the account gives, zero when its value is below zero and the fund
    pays), so it comes before ADL.  It takes as much as `use_ppm` of its initial-margin room allows
    (recomputed with the checker's margin, so a rejection for its own margin is rare); whatever
    the core refuses (a deficit beyond the fund, a market's status, the open-interest cap) is
    refused and counted like any operation.  Policy only: the price is the core's."""

    account: str
    threshold_ppm: int = 10_000  # the discount it asks: 1% of the notional
    use_ppm: int = 900_000

    def discount_ppm(self, sim: Sim, aid: int, m: int, time: int) -> int:
        """The auction's discount now, ppm of the position's notional: 4.8's disc(e) divided by
        |s| * P * mult, that is max(V, 0) / MM * mmf * e / duration (at the checker's margin)."""
        ex = sim.ex
        acct = ex.accounts[aid]
        mg = margin_of(ex, acct)
        if mg.value <= 0 or mg.maintenance <= 0:
            return 0
        duration = ex.config.auction_duration_s
        e = min(time - acct.auction_start, duration)
        return mg.value * sim.mk(m).cfg.maintenance_margin_ppm * e // (mg.maintenance * duration)

    def room(self, sim: Sim, m: int, price: int) -> int:
        """The largest size the provider's margin takes on at `price` (a multiple of the step)."""
        mk = sim.mk(m)
        mg = margin_of(sim.ex, sim.acct(self.account))
        spare = max(0, mg.value - mg.initial) * self.use_ppm // PPM
        return spare * PPM // (price * mk.mult * mk.imf) // mk.step * mk.step

    def __call__(self, sim: Sim, time: int) -> None:
        ex = sim.ex
        me = sim.ids[self.account]
        duration = ex.config.auction_duration_s
        for aid in sorted(ex.in_auction):
            acct = ex.accounts[aid]
            if aid == me or not sim.auction_live(aid):
                continue
            for mk in list(ex.active):
                s = acct.sizes[mk.id]
                if not s or not ex.risk(acct).liquidatable:
                    continue
                held = time - acct.auction_start >= duration  # at the bankruptcy price
                if not held and self.discount_ppm(sim, aid, mk.id, time) < self.threshold_ppm:
                    continue
                # the core settles a takeover at a committed price (the oracle or the mark price):
                # the limit accepts either, the discount threshold is the provider's price
                hi, lo = (
                    max(mk.oracle_price, mk.mark_price),
                    min(mk.oracle_price, mk.mark_price or mk.oracle_price),
                )
                q = min(abs(s), self.room(sim, mk.id, hi))
                if q < mk.min_size:
                    continue
                limit = -(-hi // mk.tick) * mk.tick if s > 0 else lo // mk.tick * mk.tick
                lop = sim.order_op(self.account, mk.id, BUY if s > 0 else SELL, limit, q, TimeInForce.IOC)
                sim.apply(Liquidate(time, aid, mk.id, q, lop))


# ---- the scenarios of issue 13 ------------------------------------------------------------------------
def _longs(n: int, usd: int) -> tuple[tuple[str, int], ...]:
    return tuple((f"long{i}", usd) for i in range(n))


def _opens(n: int, maker: str, m: int, **kw: Any) -> tuple[Action, ...]:
    return tuple(Open(maker, f"long{i}", m, BUY, **kw) for i in range(n))


# the liquidity provider of every scenario (`AuctionBackstop`): takes auctions at a 1% discount, or
# at the bankruptcy price once the auction holds there, as far as its margin goes
LP = ("lp", 200_000)
LP_ILL = ("lp", 500_000)
THIN_BIDS = Quote("bids", BTC, 10_000, bids=(-5_000, -20_000, -50_000))  # 30k USD of bids under the price

CRASH = Scenario(
    name="crash",
    title="BTC -50% in maximum oracle steps (2.5% every 5 s) on longs at 19.5x, 10x, 5x, 3x over a thin book",
    markets=DEVNET_MARKETS,
    insurance_fund_usd=50_000,
    accounts=(*_longs(4, 10_000), ("mm", 2_000_000), ("bids", 200_000), LP),
    backstop="lp",
    actions=(
        *(Open("mm", f"long{i}", BTC, BUY, leverage=lev) for i, lev in enumerate((19.5, 10, 5, 3))),
        THIN_BIDS,
        PricePath(BTC, -500_000, requote=THIN_BIDS),
    ),
)

MANGO = Scenario(
    name="mango",
    title="attacker long and short an illiquid market pumps it +44% (5% every 10 s), borrows, withdraws",
    markets=(*DEVNET_MARKETS, ILL_USD),
    insurance_fund_usd=200_000,
    accounts=(("attacker_long", 200_000), ("attacker_short", 300_000), ("mm", 5_000_000), LP_ILL),
    backstop="lp",
    prices=((BTC, 5_000_000), (ETH, 300_000), (ILL, 1_000)),
    actions=(
        Open("attacker_short", "attacker_long", ILL, BUY, usd=900_000),
        PricePath(ILL, 200_000),
        OpenAgainstProfit("attacker_long", "mm", BTC),  # unrealised profit as margin
        WithdrawMax("attacker_long"),
        WithdrawMax("attacker_short"),
        PricePath(ILL, 200_000),  # the short falls below maintenance: its auction starts
        WithdrawMax("attacker_long"),
        PricePath(ILL, -305_556),  # and the price falls back to about 10 USD (the provider's gain)
        WithdrawMax("attacker_long"),
    ),
    attacker=("attacker_long", "attacker_short"),
)

MANGO_GAP = Scenario(
    name="mango_gap",
    title="the same attacker pumps ILL +44% while its oracle is out; every signer signs the pumped price",
    markets=(*DEVNET_MARKETS, ILL_USD),
    insurance_fund_usd=200_000,
    accounts=(("attacker_long", 200_000), ("attacker_short", 300_000), ("mm", 5_000_000), LP_ILL),
    backstop="lp",
    prices=((BTC, 5_000_000), (ETH, 300_000), (ILL, 1_000)),
    actions=(
        Open("attacker_short", "attacker_long", ILL, BUY, usd=900_000),
        # the one move past the per-update bound (protocol.md 4.2): a recovery after an outage
        Outage(ILL, 120, 440_000),
        Recover(ILL),  # the short is past bankruptcy, within the fund: its auction starts
        WithdrawMax("attacker_long"),
        WithdrawMax("attacker_short"),
    ),
    attacker=("attacker_long", "attacker_short"),
)

OUTAGE = Scenario(
    name="outage",
    title="no BTC price for 30 minutes (max age 60 s), then the true price is 35% lower",
    markets=DEVNET_MARKETS,
    insurance_fund_usd=50_000,
    accounts=(*_longs(3, 20_000), ("mm", 2_000_000), ("bids", 200_000), LP),
    backstop="lp",
    actions=(
        *_opens(3, "mm", BTC, leverage=8),
        THIN_BIDS,
        Outage(BTC, 1_800, -350_000),
        StaleProbe("long0", BTC),
        Recover(BTC),
    ),
)

FUNDING_STORM = Scenario(
    name="funding_storm",
    title="100 funding intervals at the cap (book mid held 2% over the oracle) on 19x longs",
    markets=DEVNET_MARKETS,
    insurance_fund_usd=20_000,
    accounts=(*_longs(4, 10_000), ("mm", 2_000_000), ("quoter", 2_000_000), LP),
    backstop="lp",
    actions=(*_opens(4, "mm", BTC, leverage=19), FundingStorm(BTC, 100, "quoter", 20_000, 50_000)),
)

CASCADE = Scenario(
    name="cascade",
    title="four accounts long 1 BTC + 10 ETH on 6,000 USD, fund 3,000 USD, BTC gaps -20% after an outage",
    markets=DEVNET_MARKETS,
    insurance_fund_usd=3_000,
    accounts=(*_longs(4, 6_000), ("btc_short", 1_000_000), ("eth_short", 1_000_000), ("bids", 200_000), LP),
    backstop="lp",
    actions=(
        *_opens(4, "btc_short", BTC, usd=50_000),
        *_opens(4, "eth_short", ETH, usd=30_000),
        Quote("bids", BTC, 5_000, bids=(-5_000,)),
        # the one move past the per-update bound: the recovery quorum's price after an outage
        Outage(BTC, 120, -200_000),
        Recover(BTC),
    ),
)

SCENARIOS: tuple[Scenario, ...] = (CRASH, MANGO, MANGO_GAP, OUTAGE, FUNDING_STORM, CASCADE)


def run_scenario(
    scenario: Scenario,
    *,
    keeper: Keeper = run_keeper,
    backstop: Backstop | None = None,
    scenario_backstop: bool = True,
) -> Report:
    return Sim(scenario, keeper=keeper, backstop=backstop, scenario_backstop=scenario_backstop).run()
