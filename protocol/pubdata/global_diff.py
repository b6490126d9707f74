"""The global section (protocol.md section 7.6, rollup mode only): the whole mutable global state
after the batch, 546 bytes, fixed: configured-markets bitmap (1) | insurance_fund (10) |
fee_pool (10) | funding_time (5) | 8 x market (65 bytes; all zero where the market is not
configured).  params_hash and each market's config_hash are fixed at genesis (no step changes
them) and come from the genesis parameters, not from here."""

from __future__ import annotations

from protocol.constants import (
    COLLATERAL_BITS,
    FUNDING_INDEX_BITS,
    MAX_MARKETS,
    PREMIUM_BITS,
    PREMIUM_SAMPLES_BITS,
    PREMIUM_SUM_BITS,
    PRICE_BITS,
    SIZE_BITS,
    TIME_BITS,
)
from protocol.pubdata.fields import PubdataError, Reader, put_int, put_uint
from protocol.records import GlobalState, MarketState

MARKET_BYTES = 65
GLOBAL_BYTES = 1 + 10 + 10 + 5 + MAX_MARKETS * MARKET_BYTES  # 546


def _market(ms: MarketState, m: int) -> bytes:
    if ms.status not in (0, 1, 2):
        raise PubdataError(f"market {m} status {ms.status!r} is not 0, 1 or 2")
    out = b"".join(
        (
            put_uint(ms.oracle_price, 5, PRICE_BITS, f"market {m} oracle_price"),
            put_uint(ms.oracle_time, 5, TIME_BITS, f"market {m} oracle_time"),
            put_int(ms.funding_index, FUNDING_INDEX_BITS, f"market {m} funding_index"),
            put_uint(ms.open_interest, 6, SIZE_BITS, f"market {m} open_interest"),
            bytes([ms.status]),
            put_uint(ms.status_until, 5, TIME_BITS, f"market {m} status_until"),
            put_uint(ms.ref_price, 5, PRICE_BITS, f"market {m} ref_price"),
            put_uint(ms.ref_time, 5, TIME_BITS, f"market {m} ref_time"),
            put_uint(ms.mark_price, 5, PRICE_BITS, f"market {m} mark_price"),
            put_int(ms.premium_ema, PREMIUM_BITS, f"market {m} premium_ema"),
            put_int(ms.premium_sum, PREMIUM_SUM_BITS, f"market {m} premium_sum"),
            put_uint(ms.premium_samples, 4, PREMIUM_SAMPLES_BITS, f"market {m} premium_samples"),
        )
    )
    assert len(out) == MARKET_BYTES
    return out


def encode_section(g: GlobalState) -> bytes:
    if len(g.markets) != MAX_MARKETS:
        raise PubdataError(f"global state: {MAX_MARKETS} market entries expected, got {len(g.markets)}")
    bitmap = sum(1 << m for m, ms in enumerate(g.markets) if ms is not None)
    out = b"".join(
        (
            bytes([bitmap]),
            put_uint(g.insurance_fund, 10, COLLATERAL_BITS, "insurance_fund"),
            put_uint(g.fee_pool, 10, COLLATERAL_BITS, "fee_pool"),
            put_uint(g.funding_time, 5, TIME_BITS, "funding_time"),
            *(bytes(MARKET_BYTES) if ms is None else _market(ms, m) for m, ms in enumerate(g.markets)),
        )
    )
    assert len(out) == GLOBAL_BYTES
    return out


def decode_section(data: bytes) -> GlobalState:
    if len(data) != GLOBAL_BYTES:
        raise PubdataError(f"global section: {len(data)} bytes, expected {GLOBAL_BYTES}")
    r = Reader(data, "global section")
    bitmap = r.uint(1, 8, "configured markets")
    fund = r.uint(10, COLLATERAL_BITS, "insurance_fund")
    pool = r.uint(10, COLLATERAL_BITS, "fee_pool")
    ftime = r.uint(5, TIME_BITS, "funding_time")
    markets: list[MarketState | None] = []
    for m in range(MAX_MARKETS):
        if not bitmap >> m & 1:
            r.zeros(MARKET_BYTES, f"market {m} (not configured)")
            markets.append(None)
            continue
        ms = MarketState(
            oracle_price=r.uint(5, PRICE_BITS, f"market {m} oracle_price"),
            oracle_time=r.uint(5, TIME_BITS, f"market {m} oracle_time"),
            funding_index=r.sint(FUNDING_INDEX_BITS, f"market {m} funding_index"),
            open_interest=r.uint(6, SIZE_BITS, f"market {m} open_interest"),
            status=r.uint(1, 8, f"market {m} status"),
            status_until=r.uint(5, TIME_BITS, f"market {m} status_until"),
            ref_price=r.uint(5, PRICE_BITS, f"market {m} ref_price"),
            ref_time=r.uint(5, TIME_BITS, f"market {m} ref_time"),
            mark_price=r.uint(5, PRICE_BITS, f"market {m} mark_price"),
            premium_ema=r.sint(PREMIUM_BITS, f"market {m} premium_ema"),
            premium_sum=r.sint(PREMIUM_SUM_BITS, f"market {m} premium_sum"),
            premium_samples=r.uint(4, PREMIUM_SAMPLES_BITS, f"market {m} premium_samples"),
        )
        if ms.status > 2:
            raise r.fail(f"market {m} status {ms.status} is not 0, 1 or 2")
        markets.append(ms)
    r.end()
    return GlobalState(fund, pool, ftime, tuple(markets))
