"""The exchange core: a deterministic state machine over serialisable operations.

    ex = Exchange(config)
    result = ex.apply(op)            # Result(ok, seq, code, message, events, record)
    batch = ex.close_batch()         # records of the pending batch + Merkle witnesses + roots
    blob = ex.snapshot(); ex2 = Exchange.restore(blob)

`apply` is a pure function of (state, op): time comes from `op.time` (the node stamps it), nothing
reads a clock or a random source, so replaying the journal of applied operations from genesis
rebuilds the same state and root.  A rejected operation changes nothing: every mutation made while
applying an operation is logged with its inverse and rolled back if the operation is rejected part
way (the same log gives savepoints inside matching, e.g. to undo a fill that fails a margin check).

Operations live one per module in `sequencer.ops`; each module holds the operation's dataclass and
its rule.  This module holds the state, the shared helpers those rules use (margin, fills, order
cancellation, step records) and the batch, query and snapshot API.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from protocol import constants as C
from protocol.constants import PPM
from protocol.errors import ErrorCode, Rejected
from protocol.records import (
    AccountState,
    GlobalState,
    LeafUpdate,
    OpRecord,
    Step,
    StepKind,
    StepWitness,
    new_record,
)
from protocol.steps.insurance_cover import InsuranceCoverData
from sequencer.account import Account
from sequencer.book import RestingOrder
from sequencer.config import ExchangeConfig
from sequencer.events import CANCELLED as _CANCELLED
from sequencer.events import DeficitUncovered, InsuranceCovered, OrderUpdate
from sequencer.market import Market
from sequencer.positions import fill_position
from sequencer.sigcheck import SigCheck, check_all
from sequencer.state_tree import AccountProof, StateTrees

_TIME_LIMIT = 1 << C.TIME_BITS
_SIZE_LIMIT = 1 << C.SIZE_BITS
_COST_LIMIT = 1 << C.COST_BITS
_COLLATERAL_LIMIT = 1 << C.COLLATERAL_BITS


def _handlers() -> dict[type, Any]:
    """The operation table (imported late: the operation modules import this one)."""
    global _HANDLERS
    if _HANDLERS is None:
        from sequencer.ops import HANDLERS

        _HANDLERS = HANDLERS
    return _HANDLERS


_HANDLERS: dict[type, Any] | None = None


@dataclass(slots=True)
class Result:
    """Outcome of `Exchange.apply`.  ok=False: rejected with `code`, nothing changed."""

    ok: bool
    seq: int | None
    code: ErrorCode | None
    message: str
    events: tuple[Any, ...]
    record: OpRecord | None


@dataclass(slots=True)
class Risk:
    """An account at oracle prices.  value = collateral + unrealised PnL - pending funding;
    settled = collateral - pending funding (what collateral is once funding settles)."""

    value: int
    settled: int
    initial: int  # initial margin requirement
    maintenance: int

    @property
    def withdrawable(self) -> int:
        """Free collateral: unrealised profit never counts, unrealised loss always does."""
        return max(0, min(self.settled, self.value) - self.initial)

    @property
    def liquidatable(self) -> bool:
        return self.value < self.maintenance


@dataclass(frozen=True, slots=True)
class SealedBatch:
    number: int
    records: tuple[OpRecord, ...]
    queue_start: int
    queue_end: int


@dataclass(slots=True)
class Batch:
    number: int
    old_root: int
    new_root: int
    records: tuple[OpRecord, ...]
    witnesses: tuple[tuple[StepWitness, ...], ...] | None  # per record, per step (None: batched mode)
    queue_start: int  # L1 priority queue indices consumed: [queue_start, queue_end)
    queue_end: int


class Exchange:
    def __init__(self, config: ExchangeConfig, *, records: bool = True) -> None:
        self.config = config
        self.records_enabled = records
        self.domain = config.domain_hash()
        self.markets: list[Market | None] = [None] * C.MAX_MARKETS
        for mc in config.markets:
            self.markets[mc.market_id] = Market(mc)
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
        # resting orders by expiry: a heap of the distinct expiry times, and per time its orders
        # (live or not: cancelled and filled ones are skipped when their time comes)
        self.expiry_times: list[int] = []
        self.expiring: dict[int, list[RestingOrder]] = {}
        self.holders: list[set[int]] = [set() for _ in range(C.MAX_MARKETS)]  # accounts with a position
        # running totals for the conservation checks (not part of the state root)
        self.total_deposits = config.insurance_fund
        self.total_withdrawals = 0
        self.bad_debt_total = 0
        self.funding_settled = [0] * C.MAX_MARKETS  # sum of funding paid by accounts, per market
        self.batch_number = 0
        self.batch_queue_start = 0
        self.pending: list[OpRecord] = []
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
        self._undo: list[tuple[Any, ...]] = []
        self._steps: list[Step] = []
        self._events: list[Any] = []

    # ================================================================================================
    # applying operations
    # ================================================================================================
    def apply(self, op: Any, *, verify: bool = True, validate: bool = True) -> Result:
        """Apply one operation.  verify=False skips signature checks: for operations whose
        signatures the caller has checked (`verify_signatures`, batched and native) and for replays.
        validate=False skips `op.validate()` (field types and bounds): for operations whose fields
        the caller has validated already (the node validates each request once, before stamping it)."""
        handler = (_HANDLERS or _handlers()).get(type(op))
        if handler is None:
            return Result(
                False, None, ErrorCode.MALFORMED, f"unknown operation {type(op).__name__}", (), None
            )
        undo: list[tuple[Any, ...]] = []
        self._undo = undo
        if self._steps:  # only add_step appends, and only with records on
            self._steps = []
        self._events = []
        try:
            t = op.time
            if type(t) is not int or not 0 <= t < _TIME_LIMIT:
                raise Rejected(ErrorCode.MALFORMED, "op.time must be an integer unix time (seconds)")
            now = self.now
            if t != now:
                if t < now:
                    raise Rejected(
                        ErrorCode.TIME_WENT_BACKWARDS, f"time {t} is before the last operation's {now}"
                    )
                undo.append((setattr, self, "now", now))
                self.now = t
            if validate:
                try:
                    op.validate()
                except (AttributeError, TypeError, ValueError) as e:  # fields of the wrong shape
                    raise Rejected(ErrorCode.MALFORMED, f"malformed {type(op).__name__}: {e}") from e
            if verify:
                self.check_signatures(op)
            if self.expiry_times and self.expiry_times[0] < t:
                self.expire_orders(t)
            handler(self, op)
        except Rejected as e:
            self.rollback_to(0)
            return Result(False, None, e.code, e.message, (), None)
        except BaseException:
            self.rollback_to(0)
            raise
        seq = self.seq
        self.seq = seq + 1
        record = None
        if self._steps:
            record = OpRecord(seq, op, tuple(self._steps))
            self.pending.append(record)
        return Result(True, seq, None, "", tuple(self._events), record)

    def apply_all(self, ops: Iterable[Any], *, verify: bool = True) -> list[Result]:
        return [self.apply(op, verify=verify) for op in ops]

    @classmethod
    def replay(cls, config: ExchangeConfig, ops: Iterable[Any], *, verify: bool = False) -> Exchange:
        """Genesis + every operation in order (the journal); rejected ones change nothing."""
        ex = cls(config)
        for op in ops:
            ex.apply(op, verify=verify)
        return ex

    # ---- signatures --------------------------------------------------------------------------------
    def signed_parts(self, op: Any) -> list[tuple[Any, Any, Any]]:
        """(public key, message, signature) triples an operation must carry valid signatures for."""
        parts = getattr(op, "signed_parts", None)
        return [] if parts is None else parts(self)

    def check_signatures(self, op: Any) -> None:
        parts = self.signed_parts(op)
        if parts and not all(check_all([SigCheck(p, message_row(m, self.domain), s) for p, m, s in parts])):
            raise Rejected(ErrorCode.BAD_SIGNATURE, "signature does not verify")

    def verify_signatures(self, ops: Sequence[Any]) -> list[bool]:
        """Check the signatures of many operations at once (`sequencer.sigcheck.check_all`: message
        hashes and EdDSA both batched in native code); True where every signature of the operation
        is valid.  An operation whose signer is unknown (no such account yet) reports False."""
        ok = [True] * len(ops)
        owners: list[int] = []
        checks: list[SigCheck] = []
        for i, op in enumerate(ops):
            try:
                parts = self.signed_parts(op)
            except Rejected:
                ok[i] = False
                continue
            for p, m, s in parts:
                owners.append(i)
                checks.append(SigCheck(p, message_row(m, self.domain), s))
        for i, good in zip(owners, check_all(checks), strict=True):
            ok[i] = ok[i] and good
        return ok

    # ================================================================================================
    # undo log
    # ================================================================================================
    def set_attr(self, obj: Any, name: str, value: Any) -> None:
        self._undo.append((setattr, obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    def set_item(self, container: Any, key: Any, value: Any) -> None:
        if isinstance(container, dict) and key not in container:
            self._undo.append((container.pop, key))
        else:
            self._undo.append((container.__setitem__, key, container[key]))
        container[key] = value

    def del_item(self, container: dict[Any, Any], key: Any) -> None:
        self._undo.append((container.__setitem__, key, container[key]))
        del container[key]

    def rollback_to(self, mark: int) -> None:
        undo = self._undo
        while len(undo) > mark:
            fn, *args = undo.pop()
            fn(*args)
        self._gcache = None
        if mark == 0:
            self._steps, self._events = [], []

    def emit(self, event: Any) -> None:
        self._events.append(event)

    # ================================================================================================
    # lookups used by the rules
    # ================================================================================================
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
        mk = self.market(market_id)
        if mk.oracle_price == 0:
            raise Rejected(ErrorCode.NO_ORACLE_PRICE, f"market {market_id} has no oracle price yet")
        return mk

    def account_id_of(self, pub: tuple[int, int]) -> int | None:
        return self.by_key.get(tuple(pub))  # type: ignore[arg-type]

    # ================================================================================================
    # margin
    # ================================================================================================
    def risk(self, acct: Account) -> Risk:
        return Risk(*self.risk_tuple(acct))

    def risk_tuple(self, acct: Account) -> tuple[int, int, int, int]:
        """(value, settled collateral, initial margin, maintenance margin), cached until the
        account or any price or funding index changes."""
        res = self.cached_risk(acct)
        if res is None:
            res = self.compute_risk(acct)
            acct.rcache = (acct.rkey, self.price_rev, res)
        return res

    def cached_risk(self, acct: Account) -> tuple[int, int, int, int] | None:
        """The cached risk tuple while it is still valid (same account revision, same prices and
        funding indices), else None."""
        cache = acct.rcache
        if cache is not None and cache[0] == acct.rkey and cache[1] == self.price_rev:
            return cache[2]
        return None

    def compute_risk(self, acct: Account) -> tuple[int, int, int, int]:
        """risk_tuple from scratch (no cache)."""
        v = c = acct.collateral
        im = mm = 0
        sizes, costs, fsnaps = acct.sizes, acct.costs, acct.fsnaps
        for mk in self.active:
            m = mk.id
            s = sizes[m]
            if s:
                pm = mk.oracle_price * mk.mult
                pend = (s // mk.step) * (mk.funding_index - fsnaps[m])
                v += s * pm - costs[m] - pend
                c -= pend
                n = (s if s > 0 else -s) * pm
                im -= (-n * mk.imf) // PPM
                mm -= (-n * mk.mmf) // PPM
        return v, c, im, mm

    def fill_allowed(self, acct: Account, m: int, size_before: int) -> bool:
        """Trade rule, after a fill in market m: value >= initial margin, or the fill only reduced
        the position (no flip) and value >= maintenance margin."""
        v, _, im, mm = self.risk_tuple(acct)
        if v >= im:
            return True
        s = acct.sizes[m]
        reducing = abs(s) < abs(size_before) and s * size_before >= 0
        return reducing and v >= mm

    # ================================================================================================
    # state changes shared by the rules
    # ================================================================================================
    def apply_leg(self, acct: Account, mk: Market, delta: int, price: int, fee: int) -> tuple[int, int]:
        """One side of a fill: settle the market's funding, move the position by signed `delta` at
        `price`, pay `fee`.  Returns (funding paid, realised PnL)."""
        m = mk.id
        sizes, costs, fsnaps = acct.sizes, acct.costs, acct.fsnaps
        s, cost, fs, col = sizes[m], costs[m], fsnaps[m], acct.collateral
        findex = mk.funding_index
        step = mk.step
        funding = (s // step) * (findex - fs) if s else 0
        ns, nc, realised = fill_position(s, cost, delta, price, mk.mult)
        ncol = col + realised - fee - funding
        if not (-_SIZE_LIMIT < ns < _SIZE_LIMIT and -_COST_LIMIT < nc < _COST_LIMIT):
            raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"account {acct.id}: position leaves its bounds")
        if not -_COLLATERAL_LIMIT < ncol < _COLLATERAL_LIMIT:
            raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"account {acct.id}: collateral leaves its bounds")
        nf = findex if ns else 0
        undo = self._undo
        # keep a valid risk cache valid: only this market's terms and the collateral change
        cached = self.cached_risk(acct)
        rkey = next(self._revs)
        if cached is not None:
            v, c, im, mm = cached
            pm = mk.oracle_price * mk.mult
            pend_old = (s // step) * (findex - fs)
            pend_new = (ns // step) * (findex - nf)
            dcol = ncol - col
            v += dcol + ns * pm - nc - pend_new - s * pm + cost + pend_old
            c += dcol - pend_new + pend_old
            n_old = (s if s > 0 else -s) * pm
            n_new = (ns if ns > 0 else -ns) * pm
            im += (-n_old * mk.imf) // PPM - (-n_new * mk.imf) // PPM
            mm += (-n_old * mk.mmf) // PPM - (-n_new * mk.mmf) // PPM
            acct.rcache = (rkey, self.price_rev, (v, c, im, mm))
        undo.append((_undo_leg, acct, m, acct.rkey, s, cost, fs, col))  # one entry: two per fill
        acct.rkey = rkey
        sizes[m] = ns
        costs[m] = nc
        fsnaps[m] = nf
        acct.collateral = ncol
        if funding:
            fsum = self.funding_settled
            undo.append((fsum.__setitem__, m, fsum[m]))
            fsum[m] += funding
        if (s == 0) != (ns == 0):
            h = self.holders[m]
            if ns:
                h.add(acct.id)
                undo.append((h.discard, acct.id))
            else:
                h.discard(acct.id)
                undo.append((h.add, acct.id))
        return funding, realised

    def add_collateral(self, acct: Account, delta: int) -> None:
        ncol = acct.collateral + delta
        if not -(1 << C.COLLATERAL_BITS) < ncol < (1 << C.COLLATERAL_BITS):
            raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"account {acct.id}: collateral leaves its bounds")
        self._undo.append((setattr, acct, "collateral", acct.collateral))
        self._undo.append((setattr, acct, "rkey", acct.rkey))
        rkey = next(self._revs)
        cached = self.cached_risk(acct)
        if cached is not None:
            v, c, im, mm = cached
            acct.rcache = (rkey, self.price_rev, (v + delta, c + delta, im, mm))
        acct.collateral = ncol
        acct.rkey = rkey

    def add_insurance(self, delta: int) -> None:
        v = self.insurance_fund + delta
        if not 0 <= v < (1 << C.COLLATERAL_BITS):
            raise Rejected(ErrorCode.INSURANCE_INSUFFICIENT, "the insurance fund cannot go negative")
        self._undo.append((setattr, self, "insurance_fund", self.insurance_fund))
        self.insurance_fund = v
        self._gcache = None

    def add_fees(self, delta: int) -> None:
        v = self.fee_pool + delta
        if not 0 <= v < (1 << C.COLLATERAL_BITS):
            raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, "fee pool leaves its bounds")
        self._undo.append((setattr, self, "fee_pool", self.fee_pool))
        self.fee_pool = v
        self._gcache = None

    def set_open_interest(self, mk: Market, value: int) -> None:
        self._undo.append((setattr, mk, "open_interest", mk.open_interest))
        mk.open_interest = value
        self._gcache = None

    def set_funding_index(self, mk: Market, value: int) -> None:
        if not -(1 << C.FUNDING_INDEX_BITS) < value < (1 << C.FUNDING_INDEX_BITS):
            raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"market {mk.id}: funding index leaves its bounds")
        self._undo.append((setattr, mk, "funding_index", mk.funding_index))
        mk.funding_index = value
        self._bump_prices()
        self._gcache = None

    def set_oracle(self, mk: Market, price: int, timestamp: int) -> None:
        self._undo.append((mk.set_oracle, mk.oracle_price, mk.oracle_time))
        mk.set_oracle(price, timestamp)
        self._bump_prices()
        self._gcache = None

    def _bump_prices(self) -> None:
        self._undo.append((setattr, self, "price_rev", self.price_rev))
        self.price_rev = next(self._revs)

    def set_funding_time(self, t: int) -> None:
        self.set_attr(self, "funding_time", t)
        self._gcache = None

    def cover_from_insurance(self, acct: Account) -> None:
        """A liquidated account left with no position and negative collateral is brought back to
        zero by the insurance fund, then (only if the fund is empty) by the fee pool.  The
        liquidation rules make the fund suffice except after an ADL whose counterparties could
        not pay their share; what neither can pay stays as the account's negative collateral,
        a socialised loss the exchange reports (event DeficitUncovered, `bad_debt`)."""
        if acct.collateral >= 0 or any(acct.sizes):
            return
        need = -acct.collateral
        from_fund = min(need, self.insurance_fund)
        from_fees = min(need - from_fund, self.fee_pool)
        if from_fund + from_fees:
            gb = self.global_state()
            before = acct.state() if self.records_enabled else None
            if from_fund:
                self.add_insurance(-from_fund)
            if from_fees:
                self.add_fees(-from_fees)
            self.add_collateral(acct, from_fund + from_fees)
            if self.records_enabled:
                self.add_step(
                    StepKind.INSURANCE_COVER,
                    (LeafUpdate(acct.id, before, acct.state(), None),),
                    gb,
                    InsuranceCoverData(from_fund, from_fees),
                )
            self.emit(InsuranceCovered(acct.id, from_fund + from_fees))
        left = need - from_fund - from_fees
        if left:
            self.set_attr(self, "bad_debt_total", self.bad_debt_total + left)
            self.emit(DeficitUncovered(acct.id, left))

    def bad_debt(self) -> int:
        """Negative collateral of accounts without positions (at most `bad_debt_total`, the sum
        of the deficits nothing could cover when they arose)."""
        return sum(-a.collateral for a in self.accounts.values() if a.collateral < 0 and not any(a.sizes))

    # ---- orders ------------------------------------------------------------------------------------
    # Each of these logs one undo entry (a method that reverses all of it) rather than one per
    # field: they run for nearly every operation.  The undo log runs last-in first-out, so when an
    # entry runs the state is exactly as the method left it.
    def cancel_order(self, order: RestingOrder, reason: ErrorCode | None) -> None:
        """Take a live order off the book (its remaining is kept for the report); reason None:
        cancelled by its owner."""
        undo = self._undo
        book = self.markets[order.market_id].book  # type: ignore[union-attr]
        (book.bids if order.side == 0 else book.asks).reduce(order, order.remaining, undo)
        order.live = False
        del self.accounts[order.account_id].live[order.order_id]
        undo.append((self._unclose, order))
        self._events.append(
            OrderUpdate(
                order.account_id,
                order.order_id,
                order.market_id,
                _CANCELLED,
                order.filled,
                order.remaining,
                reason,
            )
        )

    def _unclose(self, order: RestingOrder) -> None:
        """Undo of an order leaving the book (cancelled or filled)."""
        order.live = True
        self.accounts[order.account_id].live[order.order_id] = order

    def rest_order(self, order: RestingOrder) -> None:
        undo = self._undo
        book = self.markets[order.market_id].book  # type: ignore[union-attr]
        (book.bids if order.side == 0 else book.asks).add(order, undo)
        order.live = True
        self.accounts[order.account_id].live[order.order_id] = order
        self.track_expiry(order)
        undo.append((self._unrest, order))

    def track_expiry(self, order: RestingOrder) -> None:
        """File a resting order under its expiry (orders of one expiry stay in arrival order):
        for rest_order and for orders restored from a snapshot."""
        exp = order.expiry
        bucket = self.expiring.get(exp)
        if bucket is None:
            self.expiring[exp] = [order]
            heapq.heappush(self.expiry_times, exp)
        else:
            bucket.append(order)

    def _unrest(self, order: RestingOrder) -> None:
        order.live = False
        self.accounts[order.account_id].live.pop(order.order_id)
        exp = order.expiry
        bucket = self.expiring[exp]
        bucket.pop()
        if not bucket:
            del self.expiring[exp]
            self.expiry_times.remove(exp)
            heapq.heapify(self.expiry_times)

    def expire_orders(self, now: int) -> None:
        """Orders expire once time passes their expiry (checked at every operation), in (expiry,
        arrival) order."""
        heap = self.expiry_times
        while heap and heap[0] < now:
            exp = heapq.heappop(heap)
            orders = self.expiring.pop(exp)
            self._undo.append((self._unexpire, exp, orders))
            for order in orders:
                if order.live:
                    self.cancel_order(order, ErrorCode.EXPIRED)

    def _unexpire(self, exp: int, orders: list[RestingOrder]) -> None:
        self.expiring[exp] = orders
        heapq.heappush(self.expiry_times, exp)

    def cancel_account_orders(self, acct: Account, reason: ErrorCode) -> None:
        for order in sorted(acct.live.values(), key=lambda o: o.seq):
            self.cancel_order(order, reason)

    # ---- records -----------------------------------------------------------------------------------
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

    def add_step(self, kind: StepKind, updates: tuple[LeafUpdate, ...], gb: GlobalState, data: Any) -> None:
        if self.records_enabled:
            self._steps.append(Step(kind, updates, gb, self.global_state(), data))

    # ================================================================================================
    # batches
    # ================================================================================================
    @property
    def state_root(self) -> int:
        """Root of the committed state (as of the last closed batch)."""
        return self.trees.root

    def close_batch(self, *, witness: bool = True) -> Batch:
        """Seal the pending records into a batch and advance the committed state to the current
        one.  witness=True computes every step's Merkle paths (what the prover needs);
        witness=False only the new root, hashing each touched node once."""
        return self.hash_batch(self.seal_batch(), witness=witness)

    def seal_batch(self) -> SealedBatch:
        """First half of close_batch: fix the batch's records, number and L1 queue range and
        start the next batch.  Cheap; the caller may go on applying operations (they never touch
        the trees) and run hash_batch later, on another thread, in sealing order."""
        if not self.records_enabled:
            raise RuntimeError("this Exchange was created with records=False")
        sealed = SealedBatch(self.batch_number, tuple(self.pending), self.batch_queue_start, self.queue_next)
        self.pending = []
        self.batch_number += 1
        self.batch_queue_start = self.queue_next
        return sealed

    def hash_batch(self, sealed: SealedBatch, *, witness: bool = False) -> Batch:
        """Second half of close_batch: apply a sealed batch to the state trees (the expensive
        part) and record it in the per-batch history.  Sealed batches must be hashed in order."""
        if sealed.number != self.trees.batch + 1:
            raise RuntimeError(f"batch {sealed.number} hashed out of order (trees at {self.trees.batch})")
        records = sealed.records
        old_root = self.trees.root
        steps = [s for r in records for s in r.steps]
        witnesses = None
        if witness:
            flat = self.trees.apply_sequential(steps)
            it = iter(flat)
            witnesses = tuple(tuple(next(it) for _ in r.steps) for r in records)
        else:
            self.trees.apply_batched(steps)
        self.trees.end_batch(sealed.number)
        return Batch(
            sealed.number, old_root, self.trees.root, records, witnesses, sealed.queue_start, sealed.queue_end
        )

    def account_proof(self, account_id: int, batch: int | None = None) -> AccountProof:
        """The account's leaf, preimage and Merkle path against the root of a closed batch
        (default: the last; older ones until `trees.forget_before`)."""
        return self.trees.proof(account_id, batch)

    def current_root(self) -> int:
        """Root of the current state (pending records included), computed on a copy of the
        committed trees; costs a batched hashing of the pending changes."""
        from sequencer.codec import copy_trees

        trees = copy_trees(self.trees)
        trees.apply_batched([s for r in self.pending for s in r.steps])
        return trees.root

    # ================================================================================================
    # queries
    # ================================================================================================
    def liquidatable_accounts(self) -> list[int]:
        ids = sorted(set().union(*(self.holders[mk.id] for mk in self.active)))
        return [a for a in ids if self.risk(self.accounts[a]).liquidatable]

    def book_levels(self, market_id: int, depth: int = 20) -> dict[str, list[tuple[int, int]]]:
        mk = self.market(market_id)
        return {"bids": mk.book.bids.depth(depth), "asks": mk.book.asks.depth(depth)}

    def open_orders(self, account_id: int) -> list[RestingOrder]:
        return sorted(self.account(account_id).live.values(), key=lambda o: o.seq)

    def account_state(self, account_id: int) -> AccountState:
        return self.account(account_id).state()

    # ================================================================================================
    # snapshots
    # ================================================================================================
    def snapshot(self) -> bytes:
        from sequencer.codec import snapshot_exchange

        return snapshot_exchange(self)

    @classmethod
    def restore(cls, blob: bytes) -> Exchange:
        from sequencer.codec import restore_exchange

        return restore_exchange(cls, blob)

    def digest(self, *, batches: bool = True) -> str:
        """A hash of the whole state (books and sequencer bookkeeping included); batches=False
        leaves out batch progress (closed batches, pending records, committed trees), which
        depends on when batches were closed, not on the operations."""
        import hashlib
        import json

        from sequencer.codec import BATCH_KEYS, snapshot_state

        state = snapshot_state(self)
        if not batches:
            for k in BATCH_KEYS:
                del state[k]
        return hashlib.sha256(json.dumps(state, separators=(",", ":")).encode()).hexdigest()


def _undo_leg(acct: Account, m: int, rkey: int, size: int, cost: int, fsnap: int, collateral: int) -> None:
    """Undo of the account part of Exchange.apply_leg."""
    acct.rkey = rkey
    acct.sizes[m] = size
    acct.costs[m] = cost
    acct.fsnaps[m] = fsnap
    acct.collateral = collateral


def message_row(msg: Any, domain: int) -> list[int]:
    """The Poseidon input row of a signed message (what msg.hash(domain) hashes)."""
    return msg.hash_row(domain)
