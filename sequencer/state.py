"""The exchange state and the log every change to it goes through.

`State` holds the markets, accounts, balances, clocks, the pending batch's records and the committed
state trees, and the per-operation logs:

- the undo log: every mutation made while applying an operation appends its inverse, an entry
  `(fn, *args)` that `rollback_to` runs last-in first-out.  `set_attr`, `set_item` and `del_item`
  log their own entry; code that mutates a structure in place (the books, order slots) appends to
  `undo` itself.  `savepoint()` marks a point to roll back to (a tentative fill);
  `rollback_to(0)` undoes the whole operation;
- the events the operation emits (`events`, `emit`) and the circuit steps it records (`add_step`).

The rule-level mutations (margin, balances, resting orders) are methods of the subclasses in
`sequencer.margin` and `sequencer.resting`, combined in `sequencer.ledger.Ledger`.
"""

from __future__ import annotations

import itertools
from typing import Any

from protocol import constants as C
from protocol.errors import ErrorCode, Rejected
from protocol.records import GlobalState, LeafUpdate, OpRecord, Step, StepKind, new_record
from protocol.slots import Usage
from sequencer.account import Account
from sequencer.book import RestingOrder
from sequencer.config import ExchangeConfig
from sequencer.market import Market
from sequencer.state_tree import StateTrees

UndoEntry = tuple[Any, ...]  # (fn, *args): rolling back calls fn(*args)


class State:
    def __init__(self, config: ExchangeConfig, *, records: bool = True) -> None:
        self.config = config
        self.records_enabled = records
        self.domain = config.domain_hash()
        self.markets: list[Market | None] = [None] * C.MAX_MARKETS
        for mc in config.markets:
            self.markets[mc.market_id] = Market(mc, config.oracle_max_age_s)
        self.active: list[Market] = [m for m in self.markets if m is not None]
        self.oracle_keys = config.oracle_signers
        self.accounts: dict[int, Account] = {}
        self.by_key: dict[tuple[int, int], int] = {}
        self.next_account_id = C.FIRST_ACCOUNT_ID
        self.insurance_fund = config.insurance_fund
        self.fee_pool = 0
        self.funding_time = 0
        self.now = 0
        self.seq = 0  # applied operations so far
        self.queue_next = 0  # next L1 priority queue index
        # the L1 queue's hash chain after the consumed entries (protocol.md 7.3: q[queue_next]), which
        # the node's L1 client checks against the contract's (its reorg rule, 7.12)
        self.queue_hash = 0
        # resting orders by expiry: a heap of the distinct expiry times, and per time its orders
        # (live or not: cancelled and filled ones are skipped when their time comes)
        self.expiry_times: list[int] = []
        self.expiring: dict[int, list[RestingOrder]] = {}
        self.holders: list[set[int]] = [set() for _ in range(C.MAX_MARKETS)]  # accounts with a position
        self.in_auction: set[int] = set()  # accounts whose auction_start is not 0 (the keeper's list)
        # running totals for the conservation checks (not part of the state root)
        self.total_deposits = config.insurance_fund
        self.total_withdrawals = 0
        self.bad_debt_total = 0
        self.funding_settled = [0] * C.MAX_MARKETS  # sum of funding paid by accounts, per market
        self.batch_number = 0
        self.batch_queue_start = 0
        self.batch_time_start = 0  # the last closed batch's time_end: the open batch's time_start
        self.pending: list[OpRecord] = []
        # the batch circuit's capacity (protocol.md 7.13): an operation whose steps do not fit the
        # pending batch is refused with BATCH_FULL (the node closes the batch and applies it again);
        # None: unbounded batches (tests, tools); not part of the state
        self.batch_capacity: Usage | None = None
        self._usage = Usage()
        self._usage_records = 0
        self._gcache: GlobalState | None = None
        self.trees = StateTrees(
            config.params_hash(),
            tuple(None if m is None else m.config_hash for m in self.markets),
            self.global_state(),
        )
        # unique revision numbers (never reused, never rolled back): account risk caches are keyed
        # on (account rkey, price_rev), so a rolled-back change can never leave a stale cache hit
        self._revs = itertools.count(1)
        self.price_rev = 0
        # the current operation's logs, fresh lists for every operation (read them within one):
        # `undo` takes `(fn, *args)` after a change that `fn(*args)` reverses, `events` what the
        # operation emits; the hot paths append to them directly, the rest use the methods below
        self.undo: list[UndoEntry] = []
        self._steps: list[Step] = []
        self.events: list[Any] = []

    # ---- the per-operation logs ----------------------------------------------------------------------
    def savepoint(self) -> int:
        return len(self.undo)

    def rollback_to(self, mark: int) -> None:
        """Undo every change after the savepoint `mark` (0: the whole operation, its events and
        steps included)."""
        undo = self.undo
        while len(undo) > mark:
            fn, *args = undo.pop()
            fn(*args)
        self._gcache = None
        if mark == 0:
            self._steps, self.events = [], []

    def set_attr(self, obj: Any, name: str, value: Any) -> None:
        self.undo.append((setattr, obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    def set_item(self, container: Any, key: Any, value: Any) -> None:
        if isinstance(container, dict) and key not in container:
            self.undo.append((container.pop, key))
        else:
            self.undo.append((container.__setitem__, key, container[key]))
        container[key] = value

    def del_item(self, container: dict[Any, Any], key: Any) -> None:
        self.undo.append((container.__setitem__, key, container[key]))
        del container[key]

    def emit(self, event: Any) -> None:
        self.events.append(event)

    def add_step(self, kind: StepKind, updates: tuple[LeafUpdate, ...], gb: GlobalState, data: Any) -> None:
        if self.records_enabled:
            self._steps.append(Step(kind, updates, gb, self.global_state(), data))

    # ---- the global state --------------------------------------------------------------------------
    def global_state(self) -> GlobalState:
        g = self._gcache
        if g is None:
            g = new_record(  # rebuilt at every fill
                GlobalState,
                (
                    self.insurance_fund,
                    self.fee_pool,
                    self.funding_time,
                    tuple([None if mk is None else mk.state() for mk in self.markets]),
                ),
            )
            self._gcache = g
        return g

    def global_changed(self) -> None:
        """Forget the cached global state (after a change made without the mutation API, e.g.
        restoring a snapshot)."""
        self._gcache = None

    # ---- lookups used by the rules -------------------------------------------------------------------
    def account(self, account_id: Any) -> Account:
        acct = self.accounts.get(account_id) if isinstance(account_id, int) else None
        if acct is None:
            raise Rejected(ErrorCode.UNKNOWN_ACCOUNT, f"no account {account_id}")
        return acct

    def market(self, market_id: Any) -> Market:
        mk = (
            self.markets[market_id] if isinstance(market_id, int) and 0 <= market_id < C.MAX_MARKETS else None
        )
        if mk is None:
            raise Rejected(ErrorCode.UNKNOWN_MARKET, f"no market {market_id}")
        return mk

    def priced_market(self, market_id: Any) -> Market:
        """A market with a usable price (liquidations, deleveraging): priced, and not stale at the
        operation's time (protocol.md 4.7: no account is liquidated at an expired price)."""
        mk = self.market(market_id)
        if mk.oracle_price == 0:
            raise Rejected(ErrorCode.NO_ORACLE_PRICE, f"market {market_id} has no oracle price yet")
        if mk.stale(self.now):
            raise Rejected(
                ErrorCode.ORACLE_STALE, f"market {market_id}'s price from {mk.oracle_time} is stale"
            )
        return mk

    def account_id_of(self, pub: tuple[int, int]) -> int | None:
        # any sequence (a JSON list from the API): a wrong length finds nothing
        return self.by_key.get(tuple(pub))  # type: ignore[arg-type]  # see above
