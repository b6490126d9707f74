"""Market and exchange configuration: validation and the committed config hashes."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from circuits.primitives.field import R
from circuits.primitives.poseidon import poseidon as ref_poseidon
from protocol.constants import Tag
from sequencer.config import ConfigError
from tests.sequencer.world import BTC_MARKET, ETH_MARKET, make_config


def test_units() -> None:
    assert BTC_MARKET.multiplier == 1 and ETH_MARKET.multiplier == 10
    assert BTC_MARKET.max_leverage == Fraction(20) and ETH_MARKET.max_leverage == Fraction(10)


@pytest.mark.parametrize(
    "change",
    [
        {"size_decimals": 5},  # 5 + 2 > 6
        {"size_decimals": -1},
        {"tick_size": 0},
        {"min_order_size": 15},  # not a multiple of the step
        {"maintenance_margin_ppm": 60_000},  # above initial
        {"initial_margin_ppm": 2_000_000},
        {"maker_fee_ppm": -600},  # rebate above the taker fee
        {"taker_fee_ppm": 200_000},
        {"liquidation_fee_ppm": 40_000},  # above maintenance
        {"open_interest_cap": 10**13},  # 10^13 * 10^9 > 2^72: notional bound
        {"max_price": 1 << 40},
        {"market_id": 8},
        {"funding_cap_ppb": 10**9},
        {"price_band_ppm": 0},
        {"tick_size": True},
    ],
)
def test_bad_market_configs(change: dict) -> None:
    with pytest.raises(ConfigError):
        replace(BTC_MARKET, **change)


def test_bad_exchange_configs() -> None:
    with pytest.raises(ConfigError):
        make_config(markets=(BTC_MARKET, replace(ETH_MARKET, market_id=0)))  # duplicate ids
    with pytest.raises(ConfigError):
        make_config(markets=())
    with pytest.raises(ConfigError):
        make_config(insurance_fund=-1)
    cfg = make_config()
    with pytest.raises(ConfigError):
        replace(cfg, oracle_quorum=1)  # not a majority of 3
    with pytest.raises(ConfigError):
        replace(cfg, oracle_signers=(*cfg.oracle_signers, cfg.oracle_signers[0]))


def test_config_hashes_match_the_reference() -> None:
    m = BTC_MARKET
    fields = [
        m.size_decimals, m.price_decimals, m.tick_size, m.step_size, m.min_order_size,
        m.initial_margin_ppm, m.maintenance_margin_ppm, m.max_price, m.open_interest_cap,
        m.price_band_ppm, m.maker_fee_ppm % R, m.taker_fee_ppm, m.liquidation_fee_ppm,
        m.funding_cap_ppb, m.oracle_max_move_ppm,
    ]  # fmt: skip
    assert m.config_hash() == ref_poseidon([Tag.MARKET_CONFIG, *fields])
    cfg = make_config()
    keys = [c for k in cfg.oracle_signers for c in k] + [0] * 8
    assert cfg.oracle_set_hash() == ref_poseidon([Tag.ORACLE_SET, *keys])
    assert cfg.params_hash() == ref_poseidon(
        [Tag.PARAMS, cfg.oracle_set_hash(), 2, cfg.oracle_max_age_s, cfg.oracle_max_skew_s, 3600, 8, 300]
    )
