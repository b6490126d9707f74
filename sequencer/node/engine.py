"""The node's adapter around the exchange core (`sequencer.exchange.Exchange`).

The routes and the pipeline talk to the `Engine`; it and the modules it is made of are the only
part of the node that knows the exchange's Python API:
- `drafts`: requests into drafts (decoded and validated once, stamped at apply) and their
  signature checks;
- this module: applying a draft with the node's timestamp, the keeper's liquidations, journal
  replay, snapshots;
- `batches`: the open batch and closing it (state-tree hashing off the loop thread);
- `answers`: events into answers, the market-data history and stream messages;
- `journal_bodies`: what a journal entry holds.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

from protocol.errors import ErrorCode
from protocol.steps.oracle_update import SignedPrice
from sequencer.config import ExchangeConfig
from sequencer.exchange import Exchange
from sequencer.journal.store import Entry
from sequencer.liquidation import liquidation_ops
from sequencer.node import drafts
from sequencer.node.answers import History
from sequencer.node.batches import Batches
from sequencer.node.drafts import BATCH_CLOSE, KEEPER, Draft
from sequencer.node.errors import ApiError, BatchFull, rejection
from sequencer.node.journal_bodies import journal_body, journal_op
from sequencer.node.wire import show
from sequencer.signatures import SigCheck

NODE_STATE_VERSION = 1


class Engine:
    def __init__(
        self, config: ExchangeConfig, ex: Exchange | None = None, history: History | None = None
    ) -> None:
        self.config = config
        self.ex = ex if ex is not None else Exchange(config)
        self.history = history if history is not None else History()
        self.batches = Batches(self.ex)
        self.domain = self.ex.domain
        self.symbols = {m.symbol: m.market_id for m in config.markets}

    # -- lookups -------------------------------------------------------------------------------
    def market_id(self, ref: object) -> int:
        """A market by symbol ("BTC-USD") or id ("0", or 0 from a JSON body)."""
        if isinstance(ref, str) and ref in self.symbols:
            return self.symbols[ref]
        mid = -1
        if type(ref) is int:
            mid = ref
        elif isinstance(ref, str) and ref.isascii() and ref.isdigit() and len(ref) <= 3:
            mid = int(ref)
        if self.config.market(mid) is None:
            raise ApiError("unknown_market", f"no market {show(ref)}", {"markets": sorted(self.symbols)})
        return mid

    def pubkey_of(self, account_id: int) -> tuple[int, int] | None:
        acct = self.ex.accounts.get(account_id)
        return None if acct is None else (acct.pub_x, acct.pub_y)

    def funding_due(self, now: int) -> bool:
        if not any(mk.oracle_price for mk in self.ex.active):
            return False
        ft = self.ex.funding_time
        return ft == 0 or now >= ft + self.config.funding_interval_s

    # -- drafts (sequencer.node.drafts) --------------------------------------------------------
    def decode_signed(self, kind: str, body: Any) -> Draft:
        return drafts.signed(self.ex, kind, body)

    def decode_takeover(self, body: Any) -> Draft:
        return drafts.takeover(self.ex, body)

    def decode_deposit(self, fields: dict[str, int]) -> Draft:
        return drafts.deposit(self.ex, fields)

    def oracle_draft(self, market_id: int, prices: list[SignedPrice]) -> Draft:
        return drafts.oracle(self.ex, market_id, prices)

    def funding_draft(self) -> Draft:
        return drafts.funding()

    def keeper_draft(self, account_id: int) -> Draft:
        return drafts.keeper(account_id)

    def batch_close_draft(self) -> Draft:
        return drafts.batch_close()

    def batch_close_op(self) -> Draft:
        return drafts.batch_close()

    # -- pipeline hooks (sequencer.node.pipeline.Applier) ---------------------------------------
    def sig_check(self, draft: Draft) -> list[SigCheck]:
        return draft.checks()

    def apply(self, draft: Draft, ts_ms: int, seq: int) -> tuple[str, bytes, dict[str, Any]]:
        t = ts_ms // 1000
        if draft.kind == BATCH_CLOSE:
            number = self.batches.close(seq, ts_ms)
            return BATCH_CLOSE, json.dumps({"number": number}).encode(), {"batch": {"number": number}}
        if draft.kind == KEEPER:
            op, res = self._keeper(draft.stamp(t), t)
        else:
            op = draft.stamp(t)
            res = self.ex.apply(op, verify=False, validate=not draft.validated)
        if not res.ok:
            if res.code is ErrorCode.BATCH_FULL:
                raise BatchFull(res.message)
            raise rejection(res.code, res.message)
        self.batches.note_op(seq, ts_ms)
        answer = self.history.digest(seq, ts_ms, op.TYPE, op, res.events)
        return op.TYPE, journal_body(op), answer

    def _keeper(self, account_id: int, t: int) -> tuple[Any, Any]:
        if account_id in self.ex.accounts:
            for op in liquidation_ops(self.ex, account_id, t):
                res = self.ex.apply(op)
                if res.ok:
                    return op, res
                if res.code is ErrorCode.BATCH_FULL:
                    raise BatchFull(res.message)
        raise ApiError(
            "rejected", f"account {account_id} cannot be liquidated now", {"reason": "NOT_LIQUIDATABLE"}
        )

    # -- replay --------------------------------------------------------------------------------
    def replay(self, entry: Entry) -> None:
        """Re-apply one journal entry; it was accepted once, so it must be accepted again."""
        if entry.kind == BATCH_CLOSE:
            number = json.loads(entry.body)["number"]
            got = self.batches.close(entry.seq, entry.ts)
            if got != number:
                raise RuntimeError(f"journal seq {entry.seq}: closed batch {got}, journal says {number}")
            return
        op = journal_op(entry.kind, entry.body)
        res = self.ex.apply(op, verify=False)
        if not res.ok:
            raise RuntimeError(
                f"journal seq {entry.seq} ({entry.kind}) was rejected on replay: {res.code} {res.message}"
            )
        self.batches.note_op(entry.seq, entry.ts)
        self.history.digest(entry.seq, entry.ts, entry.kind, op, res.events)

    # -- snapshots -----------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        b = self.batches
        node = {
            "version": NODE_STATE_VERSION,
            **self.history.to_json(),
            "batch": [b.first_seq, b.first_ts, b.ops],
        }
        return pickle.dumps({"exchange": self.ex.snapshot(), "node": node}, protocol=5)

    @classmethod
    def restore(cls, config: ExchangeConfig, blob: bytes) -> Engine:
        data = pickle.loads(blob)  # our own snapshot table, written by this node
        n = data["node"]
        if n.get("version") != NODE_STATE_VERSION:
            raise RuntimeError(f"snapshot node-state version {n.get('version')} is not {NODE_STATE_VERSION}")
        engine = cls(config, Exchange.restore(data["exchange"]), History.from_json(n))
        b = engine.batches
        b.first_seq, b.first_ts, b.ops = n["batch"]
        return engine
