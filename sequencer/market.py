"""A market's live state: its parameters (flattened for the hot path), oracle price, funding index,
open interest and order book."""

from __future__ import annotations

from protocol.constants import PPM
from protocol.fixedpoint import cdiv, fdiv
from protocol.records import MarketState
from sequencer.book import OrderBook
from sequencer.config import MarketConfig


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
        "liq_fee",
        "maker_fee",
        "max_price",
        "min_size",
        "mmf",
        "mstate",
        "mult",
        "oi_cap",
        "open_interest",
        "oracle_price",
        "oracle_time",
        "step",
        "taker_fee",
        "tick",
    )

    def __init__(self, cfg: MarketConfig) -> None:
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
        self.max_price = cfg.max_price
        self.config_hash = cfg.config_hash()
        self.oracle_price = 0
        self.oracle_time = 0
        self.funding_index = 0
        self.open_interest = 0
        self.band_lo = 0
        self.band_hi = 0
        self.mstate = MarketState(0, 0, 0, 0)  # cache of state(), checked against the fields
        self.book = OrderBook(cfg.market_id)

    def set_oracle(self, price: int, timestamp: int) -> None:
        self.oracle_price = price
        self.oracle_time = timestamp
        self.band_lo, self.band_hi = band_limits(price, self.band)

    def state(self) -> MarketState:
        st = self.mstate
        # the fields are set in several places (and restored by the undo log): compare, not invalidate
        if (
            st.open_interest != self.open_interest
            or st.oracle_price != self.oracle_price
            or st.funding_index != self.funding_index
            or st.oracle_time != self.oracle_time
        ):
            st = self.mstate = MarketState(
                self.oracle_price, self.oracle_time, self.funding_index, self.open_interest
            )
        return st


def band_limits(oracle_price: int, band_ppm: int) -> tuple[int, int]:
    """[ceil(P * (1 - band)), floor(P * (1 + band))]: the prices an order or a fill may have."""
    return cdiv(oracle_price * (PPM - band_ppm), PPM), fdiv(oracle_price * (PPM + band_ppm), PPM)
