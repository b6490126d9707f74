"""A market's live state: its parameters (flattened for the hot path), oracle price, funding index,
open interest, the risk state the oracle rules keep (status, breaker reference, mark price, book
premium averages; protocol.md 4.7, 4.11, 4.12) and order book."""

from __future__ import annotations

from operator import attrgetter

from protocol import constants as C
from protocol.constants import PPM
from protocol.fixedpoint import cdiv, fdiv
from protocol.records import MarketState
from sequencer.book import OrderBook
from sequencer.config import MarketConfig

_DIRTY = MarketState(-1, -1, 0, 0)  # never equal to a market's fields: state() rebuilds


RISK_FIELDS = (
    "status",
    "status_until",
    "ref_price",
    "ref_time",
    "mark_price",
    "premium_ema",
    "premium_sum",
    "premium_samples",
)
_get_risk_fields = attrgetter(*RISK_FIELDS)


class Market:
    __slots__ = (
        "band",
        "band_hi",
        "band_lo",
        "book",
        "cfg",
        "config_hash",
        "funding_index",
        "id",
        "imf",
        "last_trade",
        "liq_fee",
        "maker_fee",
        "mark_price",
        "max_age",
        "max_price",
        "min_size",
        "mmf",
        "mstate",
        "mult",
        "oi_cap",
        "oi_fund_k",
        "open_interest",
        "oracle_price",
        "oracle_time",
        "premium_ema",
        "premium_samples",
        "premium_sum",
        "ref_price",
        "ref_time",
        "status",
        "status_until",
        "step",
        "taker_fee",
        "tick",
    )

    def __init__(self, cfg: MarketConfig, max_age: int) -> None:
        self.cfg = cfg
        self.id = cfg.market_id
        self.mult = cfg.multiplier
        self.step = cfg.step_size
        self.tick = cfg.tick_size
        self.min_size = cfg.min_order_size
        self.imf = cfg.initial_margin_ppm
        self.mmf = cfg.maintenance_margin_ppm
        self.band = cfg.price_band_ppm
        self.maker_fee = cfg.maker_fee_ppm
        self.taker_fee = cfg.taker_fee_ppm
        self.liq_fee = cfg.liquidation_fee_ppm
        self.oi_cap = cfg.open_interest_cap
        self.oi_fund_k = cfg.oi_fund_multiple
        self.max_price = cfg.max_price
        self.config_hash = cfg.config_hash()
        self.oracle_price = 0
        self.oracle_time = 0
        self.funding_index = 0
        self.open_interest = 0
        self.band_lo = 0
        self.band_hi = 0
        self.max_age = max_age  # the exchange's oracle_max_age_s: the price is stale after it
        self.status = self.status_until = self.ref_price = self.ref_time = 0
        self.mark_price = self.premium_ema = self.premium_sum = self.premium_samples = 0
        self.last_trade = 0  # price of the last fill (sequencer input of the mark price, not committed)
        self.mstate = MarketState(0, 0, 0, 0)  # cache of state(), checked against the fields
        self.book = OrderBook(cfg.market_id)

    def set_oracle(self, price: int, timestamp: int) -> None:
        self.oracle_price = price
        self.oracle_time = timestamp
        self.band_lo, self.band_hi = band_limits(price, self.band)

    def risk_fields(self) -> tuple[int, ...]:
        """(status, status_until, ref_price, ref_time, mark_price, premium_ema, premium_sum,
        premium_samples): the committed risk state, changed only by oracle updates and funding
        ticks (`set_risk_fields`)."""
        fields: tuple[int, ...] = _get_risk_fields(self)
        return fields

    def set_risk_fields(self, fields: tuple[int, ...]) -> None:
        for name, value in zip(RISK_FIELDS, fields, strict=True):
            setattr(self, name, value)
        self.mstate = _DIRTY  # rebuilt by the next state()

    def stale(self, now: int) -> bool:
        """The oracle price is too old to be used (protocol.md 4.7): now > oracle_time + max age."""
        return now > self.oracle_time + self.max_age

    def halted(self, now: int) -> bool:
        return self.status == C.STATUS_HALTED and now < self.status_until

    def reduce_only(self, now: int) -> bool:
        """Orders must be reduce-only: a tripped breaker's cool-down, a halt, or a stale price."""
        return (self.status != C.STATUS_NORMAL and now < self.status_until) or self.stale(now)

    def state(self) -> MarketState:
        st = self.mstate
        # the fields are set in several places (and restored by the undo log): compare, not
        # invalidate; the risk fields change only through set_risk_fields, which resets the cache
        if (
            st.open_interest != self.open_interest
            or st.oracle_price != self.oracle_price
            or st.funding_index != self.funding_index
            or st.oracle_time != self.oracle_time
        ):
            st = self.mstate = MarketState(
                self.oracle_price,
                self.oracle_time,
                self.funding_index,
                self.open_interest,
                *self.risk_fields(),
            )
        return st


def band_limits(oracle_price: int, band_ppm: int) -> tuple[int, int]:
    """[ceil(P * (1 - band)), floor(P * (1 + band))]: the prices an order or a fill may have."""
    return cdiv(oracle_price * (PPM - band_ppm), PPM), fdiv(oracle_price * (PPM + band_ppm), PPM)
