"""The exchange state with its whole mutation API: what matching and the operations' rules work on.

`Ledger` is `State` (the data, the undo log, events, step records, lookups) with `Margin` (risk,
the trade rule, fills' legs and balance changes) and `RestingOrders` (orders on and off the books,
expiry).  `sequencer.exchange.Exchange` builds on it: applying operations, batches, queries and
snapshots.  Everything a rule changes goes through these methods or the undo log, so a rejected
operation (or a tentative fill) rolls back exactly.
"""

from __future__ import annotations

from sequencer.margin import Margin
from sequencer.resting import RestingOrders


class Ledger(Margin, RestingOrders):
    """State + margin + resting orders (see the module docstring)."""
