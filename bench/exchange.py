"""Exchange-core throughput on a synthetic day of order flow, on one core.

    .venv/bin/python bench/exchange.py [--orders N | --full] [--json]

Flow: 4 perpetual markets; 8 market makers post-only quote around a random-walk mid (85% of the
orders), cancel most quotes a few hundred orders later and pull those a move leaves on the wrong
side of the mid (about 70% of all orders are cancelled); 2,000 takers send
IOC orders that cross the spread (15%); the mids move every 1,000 orders, oracle updates every 500
(43 s: a price is stale after 60 s), a funding tick every
simulated hour; 1,000,000 orders make the day (a shorter run is the start of it).

Figures (orders/s = placed orders per second; the cancels, oracle updates and funding ticks of
the flow are applied in the same timed loop and counted in ops/s):
- matching: `Exchange(records=False)` applying every operation (validation, matching, margin,
  funding settlement, books);
- with state updates: records on (every leaf/global preimage of every fill) and a batch closed
  every 10,000 orders with its new state root (`close_batch(witness=False)`: batched Poseidon
  hashing of every touched order slot, position, account leaf and tree node);
- witness: `close_batch(witness=True)` on a slice, computing every step's Merkle paths (the
  prover's input), reported per fill.
Signatures are not part of these figures: the node verifies them before `apply`, batched and in
native code (`Exchange.verify_signatures`), and that rate is measured separately here on real
signatures.  Operations carry one real signature and are applied with verify=False.
Everything is single-threaded (native threads set to 1) and timed in process CPU time, so other
processes on a shared machine disturb the figures less; run it under the shared CPU lock anyway.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# run as a script, bench/ comes first on sys.path, and its native.py (the native-core benchmark)
# would shadow the `native` package: put the repository root there instead
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [str(_BENCH.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _BENCH]

from native._lib import lib  # noqa: E402
from native.babyjub import mul_base8  # noqa: E402
from protocol.messages.cancel import CancelMessage  # noqa: E402
from protocol.messages.oracle_price import OraclePriceMessage  # noqa: E402
from protocol.messages.order import OrderMessage, TimeInForce, make_flags  # noqa: E402
from protocol.signing import Signer  # noqa: E402
from protocol.steps.oracle_update import SignedPrice  # noqa: E402
from sequencer.config import ExchangeConfig, MarketConfig  # noqa: E402
from sequencer.exchange import Exchange  # noqa: E402
from sequencer.ops import CancelOrder, Deposit, FundingTick, OracleUpdate, PlaceOrder  # noqa: E402

USD = 1_000_000
T0 = 1_700_000_000
MAKERS = 8
TAKERS = 2_000
MAKER_SHARE = 0.85  # of placed orders: market maker quotes (the rest: takers' IOC orders)
SCHEDULED_CANCELS = 0.64  # of quotes: cancelled a few hundred orders later (pulled ones come on top)
TARGET_MATCHING = 50_000
TARGET_STATE = 10_000


def market(mid: int, sym: str, sd: int, pd: int, tick: int, step: int, max_price: int) -> MarketConfig:
    return MarketConfig(
        market_id=mid,
        symbol=sym,
        size_decimals=sd,
        price_decimals=pd,
        tick_size=tick,
        step_size=step,
        min_order_size=step,
        initial_margin_ppm=50_000,
        maintenance_margin_ppm=30_000,
        max_price=max_price,
        open_interest_cap=min((1 << 72) // (max_price * 10 ** (6 - sd - pd)) - step, (1 << 48) - 1)
        // step
        * step,
        price_band_ppm=100_000,
        maker_fee_ppm=-100,
        taker_fee_ppm=500,
        liquidation_fee_ppm=10_000,
        funding_cap_ppb=1_000_000,
        oracle_max_move_ppm=25_000,
    )


MARKETS = (
    # id, symbol, size decimals, price decimals, tick, step, start price (units), max price
    market(0, "BTC-USD", 4, 2, 100, 10, 1_000_000_000),  # 50,000.00
    market(1, "ETH-USD", 3, 2, 10, 10, 100_000_000),  # 3,000.00
    market(2, "SOL-USD", 2, 3, 10, 10, 10_000_000),  # 150.000
    market(3, "DOGE-USD", 0, 5, 1, 10, 10_000_000),  # 0.10000
)
START = (5_000_000, 300_000, 150_000, 10_000)


@dataclass
class Flow:
    """A deterministic generator of the day's operations, in chunks."""

    n_orders: int
    seed: int
    config: ExchangeConfig
    domain: int
    oracles: list[Signer]
    sig: Any  # one real signature, carried by every order and cancel (see the module doc)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.mid = list(START)
        self.time = T0 + 10
        self.placed = 0
        self.order_ids = [0] * (1 + MAKERS + TAKERS + 1)
        self.to_cancel: deque[tuple[int, tuple[int, int]]] = deque()  # (due order count, (account, id))
        # the generator's view of live quotes: (account, id) -> (market, side, price, expiry)
        self.quotes: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        self.seconds_per_order = 86_400 / 1_000_000  # the full day's pace, whatever the run length
        self.last_funding = T0
        self.counts = {"orders": 0, "cancels": 0, "oracle": 0, "funding": 0}

    def maker_id(self, k: int) -> int:
        return 1 + k

    def taker_id(self, k: int) -> int:
        return 1 + MAKERS + k

    def oracle_ops(self) -> list[Any]:
        ops = []
        for m, mk in enumerate(MARKETS):
            price = max(mk.tick_size, self.mid[m] // mk.tick_size * mk.tick_size)
            ts = int(self.time)
            prices = []
            for i in (0, 1):
                msg = OraclePriceMessage(m, price, ts, ts + self.config.oracle_max_age_s)
                prices.append(SignedPrice(i, msg, self.oracles[i].sign(msg.hash(self.domain))))
            ops.append(OracleUpdate(ts, m, tuple(prices)))
        self.counts["oracle"] += len(ops)
        return ops

    def order(self, aid: int, m: int, side: int, price: int, size: int, tif: TimeInForce) -> PlaceOrder:
        self.order_ids[aid] += 1
        oid = self.order_ids[aid]
        msg = OrderMessage(aid, m, side, price, size, oid, int(self.time) + 600, make_flags(tif))
        self.placed += 1
        self.counts["orders"] += 1
        return PlaceOrder(int(self.time), msg, self.sig)

    def cancel(self, t: int, aid: int, oid: int) -> CancelOrder:
        self.counts["cancels"] += 1
        return CancelOrder(t, CancelMessage(aid, oid, t + 60), self.sig)

    def chunk(self, n: int) -> list[Any]:
        """The next n placed orders with the cancels, oracle updates and funding ticks between them."""
        rng, ops = self.rng, []
        quotes = self.quotes
        end = min(self.n_orders, self.placed + n)
        while self.placed < end:
            self.time += self.seconds_per_order
            t = int(self.time)
            while self.to_cancel and self.to_cancel[0][0] <= self.placed:
                _, key = self.to_cancel.popleft()
                if quotes.pop(key, None) is not None:
                    ops.append(self.cancel(t, *key))
            while quotes and next(iter(quotes.values()))[3] < t:  # expired on the exchange by now
                quotes.pop(next(iter(quotes)))
            if self.placed % 1_000 == 0:
                for m, mk in enumerate(MARKETS):  # random walk of the mids, 0.05% steps
                    self.mid[m] = max(
                        100 * mk.tick_size, self.mid[m] + int(self.mid[m] * rng.gauss(0, 0.0005))
                    )
                # makers pull the quotes the move left on the wrong side of the mid
                for key, (m, side, price, _) in list(quotes.items()):
                    mid_price = self.mid[m] // MARKETS[m].tick_size * MARKETS[m].tick_size
                    if (side == 0 and price >= mid_price) or (side == 1 and price <= mid_price):
                        del quotes[key]
                        ops.append(self.cancel(t, *key))
            if self.placed % 500 == 0:  # every 43 s: a price is stale after oracle_max_age_s (60 s)
                ops.extend(self.oracle_ops())
            if t - self.last_funding >= self.config.funding_interval_s:
                self.last_funding = t
                ops.append(FundingTick(t))
                self.counts["funding"] += 1
            m = rng.randrange(len(MARKETS))
            mk = MARKETS[m]
            tick, step = mk.tick_size, mk.step_size
            mid = self.mid[m] // tick
            if rng.random() < MAKER_SHARE:  # a market maker's post-only quote, most cancelled later
                aid = self.maker_id(rng.randrange(MAKERS))
                side = rng.randrange(2)
                dist = 1 + int(rng.expovariate(0.3))
                price = (mid - dist if side == 0 else mid + dist) * tick
                op = self.order(aid, m, side, price, step * rng.randint(5, 50), TimeInForce.POST_ONLY)
                key = (aid, op.msg.order_id)
                quotes[key] = (m, side, price, op.msg.expiry)
                if rng.random() < SCHEDULED_CANCELS:
                    self.to_cancel.append((self.placed + rng.randint(5, 400), key))
            else:  # a taker crossing the spread
                aid = self.taker_id(rng.randrange(TAKERS))
                side = rng.randrange(2)
                price = (mid + 4 if side == 0 else mid - 4) * tick
                op = self.order(aid, m, side, price, step * rng.randint(1, 10), TimeInForce.IOC)
            ops.append(op)
        return ops


def genesis(records: bool, config: ExchangeConfig, oracles: list[Signer]) -> tuple[Exchange, int]:
    ex = Exchange(config, records=records)
    q = 0
    for k in range(MAKERS + TAKERS):
        # distinct curve points (k+1)·Base8, without deriving 2,008 real private keys: account keys
        # only matter to signature checks, which this benchmark leaves to the node, but deposits
        # refuse a key that is not a usable BabyJubJub point (protocol.md 4.9)
        amount = 10**9 * USD if k < MAKERS else 20_000 * USD
        x, y = mul_base8(k + 1)
        assert ex.apply(Deposit(T0, q, 0x1000 + k, x, y, amount), verify=False).ok
        q += 1
    for op in Flow(1, 0, config, ex.domain, oracles, None).oracle_ops():
        assert ex.apply(op, verify=False).ok
    if records:
        ex.close_batch(witness=False)
    return ex, q


def run(
    records: bool,
    n_orders: int,
    chunk: int,
    batch_every: int,
    config: ExchangeConfig,
    oracles: list[Signer],
    sig: Any,
) -> dict[str, Any]:
    ex, _ = genesis(records, config, oracles)
    flow = Flow(n_orders, 1, config, ex.domain, oracles, sig)
    apply_s = close_s = 0.0
    n_ops = rejected = fills = 0
    since_batch = 0
    roots = []
    while flow.placed < n_orders:
        ops = flow.chunk(chunk)
        gc.collect()
        t = time.process_time()
        for op in ops:
            r = ex.apply(op, verify=False)
            if not r.ok:
                rejected += 1
            elif r.record is not None:
                fills += sum(1 for s in r.record.steps if s.kind == 5)
        apply_s += time.process_time() - t
        n_ops += len(ops)
        since_batch += chunk
        if records and since_batch >= batch_every:
            since_batch = 0
            t = time.process_time()
            roots.append(ex.close_batch(witness=False).new_root)
            close_s += time.process_time() - t
    if records and ex.pending:
        t = time.process_time()
        roots.append(ex.close_batch(witness=False).new_root)
        close_s += time.process_time() - t
    total = apply_s + close_s
    return {
        "orders": flow.counts["orders"],
        "ops": n_ops,
        "cancels": flow.counts["cancels"],
        "rejected": rejected,
        "fills": fills if records else None,
        "apply_s": round(apply_s, 3),
        "root_s": round(close_s, 3),
        "orders_per_s": round(flow.counts["orders"] / total),
        "ops_per_s": round(n_ops / total),
        "batches": len(roots),
        "exchange": ex,
    }


def witness_rate(config: ExchangeConfig, oracles: list[Signer], sig: Any, n_orders: int) -> dict[str, Any]:
    ex, _ = genesis(True, config, oracles)
    flow = Flow(max(n_orders, 1), 2, config, ex.domain, oracles, sig)
    for op in flow.chunk(n_orders):
        ex.apply(op, verify=False)
    steps = sum(len(r.steps) for r in ex.pending)
    leaves = sum(len(s.updates) for r in ex.pending for s in r.steps)
    t = time.process_time()
    ex.close_batch(witness=True)
    dt = time.process_time() - t
    return {
        "orders": n_orders,
        "steps": steps,
        "leaf_updates": leaves,
        "seconds": round(dt, 3),
        "steps_per_s": round(steps / dt),
        "leaf_updates_per_s": round(leaves / dt),
    }


def signature_rate(config: ExchangeConfig, n: int) -> dict[str, Any]:
    """Native batched verification of n real order signatures, as the node does before apply."""
    ex = Exchange(config, records=False)
    signers = [Signer(f"bench trader {i}".encode()) for i in range(16)]
    for i, s in enumerate(signers):
        assert ex.apply(Deposit(T0, i, 0x1000 + i, s.pub[0], s.pub[1], 10**6 * USD), verify=False).ok
    ops = []
    for k in range(n):
        i = k % len(signers)
        msg = OrderMessage(i + 1, 0, k % 2, 5_000_000, 10, k + 1, T0 + 3600, 0)
        ops.append(PlaceOrder(T0, msg, signers[i].sign(msg.hash(ex.domain))))
    t = time.process_time()
    ok = ex.verify_signatures(ops)
    dt = time.process_time() - t
    assert all(ok)
    return {"signatures": n, "seconds": round(dt, 3), "per_s": round(n / dt)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=200_000, help="placed orders (default 200,000)")
    ap.add_argument("--full", action="store_true", help="the full day: 1,000,000 orders")
    ap.add_argument("--witness-orders", type=int, default=5_000, help="orders in the witness slice")
    ap.add_argument("--signatures", type=int, default=2_000, help="signatures in the verification run")
    ap.add_argument("--json", action="store_true", help="print one JSON object last")
    args = ap.parse_args()
    n = 1_000_000 if args.full else args.orders
    lib.zk_set_num_threads(1)

    oracles = [Signer(f"bench oracle {i}".encode()) for i in range(3)]
    config = ExchangeConfig(
        chain_id=1,
        rollup_address=0xC0FFEE,
        markets=MARKETS,
        oracle_signers=tuple(o.pub for o in oracles),
        oracle_quorum=2,
        funding_interval_s=3600,
    )
    sig = Signer(b"bench").sign(1)
    print(
        f"synthetic day: {n:,} orders over {len(MARKETS)} markets, {MAKERS} makers, {TAKERS:,} takers, one core"
    )

    match = run(False, n, 20_000, 10**12, config, oracles, sig)
    ex = match.pop("exchange")
    print(
        f"matching:           {match['orders_per_s']:>9,} orders/s  {match['ops_per_s']:>9,} ops/s  "
        f"({match['ops']:,} ops, {match['cancels']:,} cancels, {match['rejected']:,} rejected; "
        f"{match['orders_per_s'] / TARGET_MATCHING:.2f}x the 50,000 target)"
    )
    del ex
    state = run(True, n, 10_000, 10_000, config, oracles, sig)
    ex = state.pop("exchange")
    print(
        f"with state updates: {state['orders_per_s']:>9,} orders/s  {state['ops_per_s']:>9,} ops/s  "
        f"({state['fills']:,} fills; apply {state['apply_s']} s + roots {state['root_s']} s over "
        f"{state['batches']} batches; {state['orders_per_s'] / TARGET_STATE:.2f}x the 10,000 target)"
    )
    del ex
    wit = witness_rate(config, oracles, sig, args.witness_orders)
    print(
        f"witness (paths):    {wit['steps_per_s']:>9,} steps/s   {wit['leaf_updates_per_s']:>9,} leaf updates/s "
        f"({wit['steps']:,} steps from {wit['orders']:,} orders in {wit['seconds']} s)"
    )
    sigs = signature_rate(config, args.signatures)
    print(
        f"signature checks:   {sigs['per_s']:>9,} /s (native batched EdDSA + message hashes, {sigs['signatures']:,})"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "bench": "exchange",
                    "orders": n,
                    "markets": len(MARKETS),
                    "threads": 1,
                    "matching": match,
                    "state": state,
                    "witness": wit,
                    "signatures": sigs,
                    "targets": {"matching_orders_per_s": TARGET_MATCHING, "state_orders_per_s": TARGET_STATE},
                    "ratios": {
                        "matching": round(match["orders_per_s"] / TARGET_MATCHING, 3),
                        "state": round(state["orders_per_s"] / TARGET_STATE, 3),
                    },
                }
            )
        )


if __name__ == "__main__":
    main()
