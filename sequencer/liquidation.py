"""Liquidation policy of the sequencer: the keeper that turns liquidatable accounts into operations.

For an account below maintenance margin, in this order (protocol.md 4.8; the rules bind each
operation, only the choice among valid operations is policy):
1. a partial liquidation against the book: per position (lowest market id first), `Liquidate`
   of the restoring size (`sequencer.margin.restore_size`), unless the deficit is beyond the
   insurance fund;
2. the liquidation auction: `StartAuction` when none is live; while it runs, takeovers come from
   liquidators (signed orders through the node), not from the keeper;
3. once the auction has run its course (or at once when the deficit is beyond the fund): ADL,
   `Deleverage` against the first account of the ADL ranking (`sequencer.margin.adl_ranking`) in
   the market whose first-ranked counterparty has the most value (a deficit is recovered from the
   counterparties that can pay it, across markets).
An account whose auction is live but that is no longer liquidatable (or is flat) gets `EndAuction`,
so that a later fall starts a fresh auction at the mark price.  The operations it makes are
ordinary journaled operations.
"""

from __future__ import annotations

from typing import Any

from sequencer.exchange import Exchange, Result
from sequencer.margin import adl_ranking, restore_size
from sequencer.ops.deleverage import Deleverage
from sequencer.ops.end_auction import EndAuction
from sequencer.ops.liquidate import Liquidate
from sequencer.ops.start_auction import StartAuction

__all__ = ["adl_ranking", "liquidation_op", "liquidation_ops", "run_keeper"]


def liquidation_ops(ex: Exchange, account_id: int, time: int) -> list[Any]:
    """The operations to try for a liquidatable account, best first (the first that applies is
    the keeper's choice)."""
    acct = ex.accounts[account_id]
    v, _, _, mm = ex.risk_tuple(acct)
    if v >= mm or not acct.has_positions():
        # recovered (or flat): its auction ends, so a later fall starts afresh at the mark price
        return [EndAuction(time, account_id)] if acct.auction_start else []
    ops: list[Any] = []
    beyond_fund = v < -ex.fund_for(acct)
    if not beyond_fund:
        for mk in ex.active:
            s = acct.sizes[mk.id]
            if s and mk.mark_price:
                q = restore_size(v, mm, mk, s)
                if q:
                    ops.append(Liquidate(time, account_id, mk.id, q))
        duration = ex.config.auction_duration_s
        start = acct.auction_start
        if not start or time >= start + 2 * duration:
            ops.append(StartAuction(time, account_id))
            return ops
        if time < start + duration:
            return ops  # the auction runs: takeovers, not ADL
    ops.extend(_adl_ops(ex, account_id, time))
    return ops


def _adl_ops(ex: Exchange, account_id: int, time: int) -> list[Any]:
    acct = ex.accounts[account_id]
    cands = []
    for mk in ex.active:
        s = acct.sizes[mk.id]
        if not s or not mk.mark_price:
            continue
        ranking = adl_ranking(ex, mk.id, -1 if s > 0 else 1)
        if not ranking:
            continue
        cp = ex.accounts[ranking[0]]
        size = min(abs(s), abs(cp.sizes[mk.id]))
        cands.append((-ex.risk_tuple(cp)[0], mk.id, Deleverage(time, account_id, mk.id, cp.id, size)))
    cands.sort(key=lambda c: (c[0], c[1]))
    return [op for _, _, op in cands]


def liquidation_op(ex: Exchange, account_id: int, time: int, *, prefer_book: bool = True) -> Any | None:
    """The keeper's first candidate for a liquidatable account (prefer_book False: its first ADL
    candidate, which the rules accept only once the backstops are spent)."""
    ops = liquidation_ops(ex, account_id, time) if prefer_book else _adl_ops(ex, account_id, time)
    return ops[0] if ops else None


def run_keeper(ex: Exchange, time: int, max_ops: int = 10_000) -> list[tuple[Any, Result]]:
    """Liquidate until no account can be liquidated further now; returns the applied (op, result)
    pairs, which the node journals like any operation."""
    done: list[tuple[Any, Result]] = []
    while len(done) < max_ops:
        progress = False
        for aid in ex.keeper_accounts():
            for op in liquidation_ops(ex, aid, time):
                res = ex.apply(op)
                if res.ok:
                    done.append((op, res))
                    progress = True
                    break
        if not progress:
            break
    return done
