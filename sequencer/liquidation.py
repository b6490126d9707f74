"""Liquidation policy of the sequencer: the keeper that turns liquidatable accounts into operations
(Liquidate against the book first, Deleverage with the first account of the ADL ranking,
`sequencer.margin.adl_ranking`, when the book cannot take the position or the insurance fund cannot
cover the deficit).  The operations it makes are ordinary
journaled operations; only the choice among valid operations is policy.
"""

from __future__ import annotations

from typing import Any

from sequencer.exchange import Exchange, Result
from sequencer.margin import adl_ranking
from sequencer.ops.deleverage import Deleverage
from sequencer.ops.liquidate import Liquidate

__all__ = ["adl_ranking", "liquidation_op", "run_keeper"]


def liquidation_op(ex: Exchange, account_id: int, time: int, *, prefer_book: bool = True) -> Any | None:
    """The next operation for a liquidatable account: its first position (lowest market id)
    closed against the book, or deleveraged when prefer_book is False or the account's deficit
    is beyond the insurance fund."""
    acct = ex.accounts[account_id]
    v = ex.risk_tuple(acct)[0]
    for mk in ex.active:
        s = acct.sizes[mk.id]
        if not s:
            continue
        if prefer_book and not (v < 0 and -v > ex.insurance_fund):
            return Liquidate(time, account_id, mk.id, abs(s))
        ranking = adl_ranking(ex, mk.id, -1 if s > 0 else 1)
        if not ranking:
            continue
        cp = ex.accounts[ranking[0]]
        return Deleverage(time, account_id, mk.id, cp.id, min(abs(s), abs(cp.sizes[mk.id])))
    return None


def run_keeper(ex: Exchange, time: int, max_ops: int = 10_000) -> list[tuple[Any, Result]]:
    """Liquidate until no account is liquidatable; returns the applied (op, result) pairs, which
    the node journals like any operation."""
    done: list[tuple[Any, Result]] = []
    while len(done) < max_ops:
        progress = False
        for aid in ex.liquidatable_accounts():
            op = liquidation_op(ex, aid, time)
            if op is None:
                continue
            res = ex.apply(op)
            if not res.ok:
                op = liquidation_op(ex, aid, time, prefer_book=False)
                if op is None:
                    continue
                res = ex.apply(op)
            if res.ok:
                done.append((op, res))
                progress = True
        if not progress:
            break
    return done
