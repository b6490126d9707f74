"""Margin and the balance changes the rules make (protocol.md §4.3-4.5, §4.8).

`Margin` adds to the state: an account's risk at mark prices (`risk`, `risk_tuple`, cached per
account until the account or any price or funding index changes; the mark price of protocol.md
4.12 changes only with an oracle update, which bumps the price revision the caches are keyed on),
the trade rule (`fill_allowed`), the ADL ranking, the liquidation arithmetic of 4.8
(`position_maintenance`, `bankruptcy_discount`, `restore_size`: all at the mark price, like the
margin they measure), and every logged change of
positions and balances: one side of a fill
(`apply_leg`), collateral, the insurance fund, the fee pool, open interest, funding index, oracle
price and funding time, an account's auction start, and the insurance cover of an account a
liquidation step left below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from protocol import constants as C
from protocol.constants import PPM
from protocol.errors import ErrorCode, Rejected
from protocol.records import LeafUpdate, StepKind
from protocol.steps.insurance_cover import InsuranceCoverData
from sequencer.account import Account
from sequencer.events import DeficitUncovered, InsuranceCovered
from sequencer.market import Market
from sequencer.positions import fill_position
from sequencer.state import State

_SIZE_LIMIT = 1 << C.SIZE_BITS
_COST_LIMIT = 1 << C.COST_BITS
_COLLATERAL_LIMIT = 1 << C.COLLATERAL_BITS


@dataclass(slots=True)
class Risk:
    """An account at mark prices (protocol.md 4.12).  value = collateral + unrealised PnL - pending funding;
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


class Margin(State):
    def risk(self, acct: Account) -> Risk:
        return Risk(*self.risk_tuple(acct))

    def fund_for(self, acct: Account) -> int:
        """The part of the insurance fund that may cover this account's deficit (protocol.md 4.8):
        all of it, except while the account holds a position in a market halted by an oracle
        recovery (4.7): a recovery is the one price move no bound limits, so the fund, sized for
        bounded moves (the OI cap of 4.12), pays nothing towards it and the deficit goes to the
        counterparties who gained from the same move (ADL), or to the fund only once the account
        is out of the halted markets."""
        now = self.now
        for mk in self.active:
            if acct.sizes[mk.id] and mk.halted(now):
                return 0
        return self.insurance_fund

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
                pm = mk.mark_price * mk.mult
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

    # ---- logged changes of positions and balances ------------------------------------------------------
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
        undo = self.undo
        # keep a valid risk cache valid: only this market's terms and the collateral change
        cached = self.cached_risk(acct)
        rkey = next(self._revs)
        if cached is not None:
            v, c, im, mm = cached
            pm = mk.mark_price * mk.mult
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
        self.undo.append((setattr, acct, "collateral", acct.collateral))
        self.undo.append((setattr, acct, "rkey", acct.rkey))
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
        self.undo.append((setattr, self, "insurance_fund", self.insurance_fund))
        self.insurance_fund = v
        self._gcache = None

    def add_fees(self, delta: int) -> None:
        v = self.fee_pool + delta
        if not 0 <= v < (1 << C.COLLATERAL_BITS):
            raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, "fee pool leaves its bounds")
        self.undo.append((setattr, self, "fee_pool", self.fee_pool))
        self.fee_pool = v
        self._gcache = None

    def set_open_interest(self, mk: Market, value: int) -> None:
        self.undo.append((setattr, mk, "open_interest", mk.open_interest))
        mk.open_interest = value
        self._gcache = None

    def set_funding_index(self, mk: Market, value: int) -> None:
        if not -(1 << C.FUNDING_INDEX_BITS) < value < (1 << C.FUNDING_INDEX_BITS):
            raise Rejected(ErrorCode.VALUE_OUT_OF_RANGE, f"market {mk.id}: funding index leaves its bounds")
        self.undo.append((setattr, mk, "funding_index", mk.funding_index))
        mk.funding_index = value
        self._bump_prices()
        self._gcache = None

    def set_oracle(self, mk: Market, price: int, timestamp: int) -> None:
        self.undo.append((mk.set_oracle, mk.oracle_price, mk.oracle_time))
        mk.set_oracle(price, timestamp)
        self._bump_prices()
        self._gcache = None

    def set_market_risk(self, mk: Market, fields: tuple[int, ...]) -> None:
        """Set a market's committed risk state (Market.risk_fields order), logged; the mark price
        is among them, so every account's risk cache is invalidated."""
        self.undo.append((mk.set_risk_fields, mk.risk_fields()))
        mk.set_risk_fields(fields)
        self._bump_prices()
        self._gcache = None

    def set_last_trade(self, mk: Market, price: int) -> None:
        if mk.last_trade != price:
            self.undo.append((setattr, mk, "last_trade", mk.last_trade))
            mk.last_trade = price

    def check_positions_priced(self, acct: Account, now: int) -> None:
        """Collateral may leave an account (withdraw, transfer) only while every market it holds a
        position in has a usable price: not halted (MARKET_HALTED), not stale (ORACLE_STALE)."""
        sizes = acct.sizes
        for mk in self.active:
            if sizes[mk.id]:
                if mk.halted(now):
                    raise Rejected(
                        ErrorCode.MARKET_HALTED, f"market {mk.id} is halted until {mk.status_until}"
                    )
                if mk.stale(now):
                    raise Rejected(
                        ErrorCode.ORACLE_STALE, f"market {mk.id}'s price from {mk.oracle_time} is stale"
                    )

    def check_positions_fresh(self, acct: Account, now: int) -> None:
        """An auction starts or ends (StartAuction, EndAuction) only on usable prices: no market
        the account holds a position in is stale (ORACLE_STALE; protocol.md 4.7, 4.8).  A halted
        or reduce-only market's price is fresh (signed by the recovery quorum or within the move
        bound), so it does not hold an auction back."""
        sizes = acct.sizes
        for mk in self.active:
            if sizes[mk.id] and mk.stale(now):
                raise Rejected(
                    ErrorCode.ORACLE_STALE, f"market {mk.id}'s price from {mk.oracle_time} is stale"
                )

    def _bump_prices(self) -> None:
        self.undo.append((setattr, self, "price_rev", self.price_rev))
        self.price_rev = next(self._revs)

    def set_funding_time(self, t: int) -> None:
        self.set_attr(self, "funding_time", t)
        self._gcache = None

    def set_auction_start(self, acct: Account, t: int) -> None:
        """Start (t = time) or end (t = 0) the account's liquidation auction (a leaf field)."""
        self.undo.append((setattr, acct, "auction_start", acct.auction_start))
        self.undo.append((setattr, acct, "rkey", acct.rkey))
        rkey = next(self._revs)
        cached = self.cached_risk(acct)
        if cached is not None:
            acct.rcache = (rkey, self.price_rev, cached)
        acct.auction_start = t
        acct.rkey = rkey  # the leaf preimage cache is keyed on rkey
        live = self.in_auction
        if t and acct.id not in live:
            live.add(acct.id)
            self.undo.append((live.discard, acct.id))
        elif not t and acct.id in live:
            live.discard(acct.id)
            self.undo.append((live.add, acct.id))

    def end_auction_if_flat(self, acct: Account) -> None:
        """A liquidation step that leaves an account flat ends its auction (protocol.md 4.8)."""
        if acct.auction_start and not any(acct.sizes):
            self.set_auction_start(acct, 0)

    def cover_from_insurance(self, acct: Account) -> None:
        """The insurance fund is drawn the moment a liquidation or deleverage operation leaves an
        account's value negative (protocol.md 4.8; called at the end of each): it pays
        min(-value, fund) into the account at once, positions open or not, so no later account
        can count on what it paid.  An account left flat with
        negative collateral is then paid back to zero by the fee pool as far as it can; what
        neither pays (only possible when no ADL counterparty could pay) stays as the account's
        negative collateral, a socialised loss the exchange reports (event DeficitUncovered,
        `bad_debt`)."""
        v = self.risk_tuple(acct)[0]
        if v >= 0:
            return
        flat = not any(acct.sizes)
        from_fund = min(-v, self.fund_for(acct))
        from_fees = min(-v - from_fund, self.fee_pool) if flat else 0
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
        left = -v - from_fund - from_fees
        if left and flat:
            self.set_attr(self, "bad_debt_total", self.bad_debt_total + left)
            self.emit(DeficitUncovered(acct.id, left))

    def bad_debt(self) -> int:
        """Negative collateral of accounts without positions (at most `bad_debt_total`, the sum
        of the deficits nothing could cover when they arose)."""
        return sum(-a.collateral for a in self.accounts.values() if a.collateral < 0 and not any(a.sizes))


def _undo_leg(acct: Account, m: int, rkey: int, size: int, cost: int, fsnap: int, collateral: int) -> None:
    """Undo of the account part of Margin.apply_leg."""
    acct.rkey = rkey
    acct.sizes[m] = size
    acct.costs[m] = cost
    acct.fsnaps[m] = fsnap
    acct.collateral = collateral


def adl_ranking(st: Margin, market_id: int, sign: int) -> list[int]:
    """Accounts holding a position of `sign` (+1 long, -1 short) in the market, best ADL
    counterparty first: unrealised-PnL fraction times leverage at the mark price M (protocol.md
    4.8, like the value it divides by), ties to the lower id (sequencer policy: the Deleverage rule
    requires the first, the keeper picks it)."""
    mk = st.markets[market_id]
    assert mk is not None
    pm = mk.mark_price * mk.mult
    scored = []
    for aid in st.holders[market_id]:
        acct = st.accounts[aid]
        s = acct.sizes[market_id]
        if (s > 0) != (sign > 0):
            continue
        upnl = s * pm - acct.costs[market_id]
        notional = abs(s) * pm
        value = st.risk_tuple(acct)[0]
        score = Fraction(upnl * notional, max(abs(acct.costs[market_id]), 1) * max(value, 1))
        scored.append((-score, aid))
    scored.sort()
    return [aid for _, aid in scored]


def position_maintenance(mk: Market, size: int) -> int:
    """A position's term of the maintenance margin at the mark price M (protocol.md 4.5, 4.8):
    ceil(|size| * M * mult * mmf / 10^6), so the terms of an account's positions sum to its MM."""
    return -((-abs(size) * mk.mark_price * mk.mult * mk.mmf) // PPM)


def bankruptcy_discount(
    value: int, q: int, size: int, pos_mm: int, maintenance: int, elapsed: int, duration: int
) -> int:
    """What closing q of a position of |size| at the bankruptcy price gives up against the mark
    price M, at fraction elapsed/duration of the way (protocol.md 4.8): the account's value
    apportioned by the position's share of the maintenance margin and the share q/|size| of it,
    floor(max(value, 0) * q * pos_mm * elapsed / (|size| * maintenance * duration)).  Closing every
    position this way at elapsed = duration leaves the account's value at (about) zero."""
    if value <= 0 or maintenance <= 0:
        return 0
    return (value * q * pos_mm * elapsed) // (abs(size) * maintenance * duration)


def restore_size(value: int, maintenance: int, mk: Market, size: int) -> int:
    """The most a book liquidation may close of a position of `size` (protocol.md 4.8): the least
    multiple of the step that, closed at the mark price M paying the penalty, brings value (at M,
    like MM) up to LIQUIDATION_TARGET_PPM of maintenance, or the whole position,
    min(|size|, step * ceil(ceil((MM * k - V * 10^6) * 10^6 / (M * mult * (mmf * k - fee * 10^6))) / step))."""
    k = C.LIQUIDATION_TARGET_PPM
    need = (maintenance * k - value * PPM) * PPM
    if need <= 0:
        return 0
    per_unit = mk.mark_price * mk.mult * (mk.mmf * k - mk.liq_fee * PPM)
    q = -(-need // per_unit)
    q = -(-q // mk.step) * mk.step
    return min(abs(size), q)
