"""The embedded defaults `zkclear node` and the devnet start with: two markets (BTC-USD, ETH-USD),
the chain id and rollup address of a local anvil/eth-tester chain, and devnet oracle keys.

The devnet oracle keys are derived from public seeds: anyone can sign prices with them.  They
exist so a devnet has prices; a real deployment passes its own genesis file with real signers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from protocol.signing import Signer
from sequencer.config import ExchangeConfig, MarketConfig

DEVNET_CHAIN_ID = 31337  # anvil's and the embedded L1's chain id
# The address of the first contract the default anvil account deploys: where the embedded L1's
# rollup contract will live once it exists.
DEVNET_ROLLUP = 0x5FBDB2315678AFECB367F032D93F642F64180AA3
DEVNET_ORACLE_SIGNERS = 3
DEVNET_ORACLE_QUORUM = 2

BTC_USD = MarketConfig(
    market_id=0,
    symbol="BTC-USD",
    size_decimals=4,  # size unit 0.0001 BTC
    price_decimals=2,  # price unit 0.01 USD
    tick_size=100,  # 1 USD
    step_size=10,  # 0.001 BTC
    min_order_size=10,
    initial_margin_ppm=50_000,  # 5% (20x)
    maintenance_margin_ppm=30_000,
    max_price=1_000_000_000,  # 10M USD
    open_interest_cap=100_000_000,  # 10,000 BTC
    price_band_ppm=100_000,
    maker_fee_ppm=-100,
    taker_fee_ppm=500,
    liquidation_fee_ppm=10_000,
    funding_cap_ppb=1_000_000,
    oracle_max_move_ppm=25_000,
)
ETH_USD = MarketConfig(
    market_id=1,
    symbol="ETH-USD",
    size_decimals=3,  # 0.001 ETH
    price_decimals=2,
    tick_size=10,  # 0.1 USD
    step_size=10,  # 0.01 ETH
    min_order_size=10,
    initial_margin_ppm=100_000,  # 10%
    maintenance_margin_ppm=50_000,
    max_price=100_000_000,
    open_interest_cap=10_000_000,
    price_band_ppm=100_000,
    maker_fee_ppm=0,
    taker_fee_ppm=1_000,
    liquidation_fee_ppm=20_000,
    funding_cap_ppb=1_000_000,
    oracle_max_move_ppm=25_000,
)


def devnet_oracle_signer(i: int) -> Signer:
    return Signer(f"zkclear devnet oracle {i}".encode())


def devnet_config(**kw: Any) -> ExchangeConfig:
    return ExchangeConfig(
        chain_id=DEVNET_CHAIN_ID,
        rollup_address=DEVNET_ROLLUP,
        markets=(BTC_USD, ETH_USD),
        oracle_signers=tuple(devnet_oracle_signer(i).pub for i in range(DEVNET_ORACLE_SIGNERS)),
        oracle_quorum=DEVNET_ORACLE_QUORUM,
        **kw,
    )


def load_genesis(path: Path) -> ExchangeConfig:
    """A genesis file: JSON with the ExchangeConfig fields; `markets` a list of MarketConfig
    objects, `oracle_signers` a list of [x, y] decimal strings, `rollup_address` hex."""
    data = json.loads(Path(path).read_text())
    markets = tuple(MarketConfig(**m) for m in data.pop("markets"))
    signers = tuple((int(x), int(y)) for x, y in data.pop("oracle_signers"))
    rollup = data.pop("rollup_address")
    rollup = int(rollup, 16) if isinstance(rollup, str) else int(rollup)
    return ExchangeConfig(markets=markets, oracle_signers=signers, rollup_address=rollup, **data)
