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
        {"oracle_move_ppm_per_s": 0},
        {"breaker_move_ppm": 1_000_000},
        {"cooldown_s": 0},
        {"oi_fund_multiple": -1},
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
        m.funding_cap_ppb,
    ]  # fmt: skip
    risk = [
        m.oracle_max_move_ppm, m.oracle_move_ppm_per_s, m.breaker_move_ppm, m.breaker_window_s,
        m.cooldown_s, m.mark_window_s, m.oi_fund_multiple,
    ]  # fmt: skip
    assert m.risk_hash() == ref_poseidon([Tag.MARKET_RISK, *risk])
    assert m.config_hash() == ref_poseidon([Tag.MARKET_CONFIG, *fields, m.risk_hash()])
    cfg = make_config()
    keys = [c for k in cfg.oracle_signers for c in k] + [0] * 8
    assert cfg.oracle_set_hash() == ref_poseidon([Tag.ORACLE_SET, *keys])
    assert cfg.params_hash() == ref_poseidon(
        [
            Tag.PARAMS,
            cfg.oracle_set_hash(),
            2,
            cfg.oracle_max_age_s,
            cfg.oracle_max_skew_s,
            3600,
            8,
            3,
            300,
            cfg.domain_hash(),
        ]
    )  # the recovery quorum (0 in the config: every signer, 3), the auction duration, the domain


def test_a_funding_cap_that_bankrupts_a_levered_long_in_one_tick_is_rejected() -> None:
    # issue 13: a 10%-per-interval funding cap was accepted; a 19x long (5.26% margin) is bankrupt
    # after one tick at the cap
    with pytest.raises(ConfigError, match="funding cap"):
        replace(BTC_MARKET, funding_cap_ppb=100_000_000)
    # f * 10^3 < mmf * (10^6 - band): 2.7% at 3% maintenance and a 10% band
    with pytest.raises(ConfigError, match="maintenance margin \\* \\(10\\^6 - band\\)"):
        replace(BTC_MARKET, funding_cap_ppb=27_000_000, oracle_max_move_ppm=1)
    assert (
        replace(BTC_MARKET, funding_cap_ppb=26_999_999, oracle_max_move_ppm=1).funding_cap_ppb == 26_999_999
    )
    # with a 2.5% move first: f * 1.025 < (5% - 2.5%) * 0.9, so f < 2.195%
    with pytest.raises(ConfigError, match="initial margin - max move"):
        replace(BTC_MARKET, funding_cap_ppb=21_952_000)
    assert replace(BTC_MARKET, funding_cap_ppb=21_951_219).funding_cap_ppb == 21_951_219


def test_an_oracle_move_above_the_maintenance_margin_is_rejected() -> None:
    # issue 13: a 20% move per update on a 3% maintenance margin was accepted: an account at
    # maintenance went bankrupt in one update, before any liquidation could run
    with pytest.raises(ConfigError, match="oracle max move < maintenance"):
        replace(BTC_MARKET, oracle_max_move_ppm=200_000)
    with pytest.raises(ConfigError, match="oracle max move < maintenance"):
        replace(BTC_MARKET, oracle_max_move_ppm=30_000)
    assert replace(BTC_MARKET, oracle_max_move_ppm=29_999).oracle_max_move_ppm == 29_999
    # a move and a tick together must stay below the initial margin
    with pytest.raises(ConfigError, match="initial margin - max move"):
        replace(BTC_MARKET, initial_margin_ppm=35_000, oracle_max_move_ppm=29_000, funding_cap_ppb=20_000_000)


def test_recovery_quorum() -> None:
    cfg = make_config()
    assert cfg.recovery_quorum == 3
    assert replace(cfg, oracle_recovery_quorum=2).recovery_quorum == 2
    with pytest.raises(ConfigError):
        replace(cfg, oracle_recovery_quorum=1)  # below the quorum
    with pytest.raises(ConfigError):
        replace(cfg, oracle_recovery_quorum=4)
