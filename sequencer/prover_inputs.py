"""What the batch circuit needs from the exchange: its committed parameters as plain integers
(`batch_config`) and a closed batch with the state before it (`batch_input`).  The circuit's
witness code (circuits/batch/witness.py) takes these and nothing from the node."""

from __future__ import annotations

from circuits.batch.witness import BatchConfig, BatchInput
from protocol.constants import FIELD_MODULUS as R
from protocol.constants import MAX_MARKETS, MAX_ORACLE_SIGNERS
from protocol.records import GlobalState
from sequencer.batches import Batch
from sequencer.config import ExchangeConfig, MarketConfig


def _market(m: MarketConfig) -> dict[str, int]:
    return {
        "size_decimals": m.size_decimals,
        "price_decimals": m.price_decimals,
        "tick_size": m.tick_size,
        "step_size": m.step_size,
        "min_order_size": m.min_order_size,
        "imf": m.initial_margin_ppm,
        "mmf": m.maintenance_margin_ppm,
        "max_price": m.max_price,
        "open_interest_cap": m.open_interest_cap,
        "price_band_ppm": m.price_band_ppm,
        "maker_fee_ppm": m.maker_fee_ppm % R,
        "taker_fee_ppm": m.taker_fee_ppm,
        "liquidation_fee_ppm": m.liquidation_fee_ppm,
        "funding_cap_ppb": m.funding_cap_ppb,
        "oracle_max_move_ppm": m.oracle_max_move_ppm,
        "oracle_move_ppm_per_s": m.oracle_move_ppm_per_s,
        "breaker_move_ppm": m.breaker_move_ppm,
        "breaker_window_s": m.breaker_window_s,
        "cooldown_s": m.cooldown_s,
        "mark_window_s": m.mark_window_s,
        "oi_fund_multiple": m.oi_fund_multiple,
        "configured": 1,
        "mult": m.multiplier,
    }


def batch_config(cfg: ExchangeConfig) -> BatchConfig:
    signers = list(cfg.oracle_signers) + [(0, 0)] * (MAX_ORACLE_SIGNERS - len(cfg.oracle_signers))
    params = {
        "oracle_xs": [x for x, _ in signers],
        "oracle_ys": [y for _, y in signers],
        "oracle_quorum": cfg.oracle_quorum,
        "oracle_max_age_s": cfg.oracle_max_age_s,
        "oracle_max_skew_s": cfg.oracle_max_skew_s,
        "funding_interval_s": cfg.funding_interval_s,
        "funding_premium_divisor": cfg.funding_premium_divisor,
        "recovery_quorum": cfg.recovery_quorum,
        "auction_duration_s": cfg.auction_duration_s,
    }
    markets = tuple(None if (m := cfg.market(i)) is None else _market(m) for i in range(MAX_MARKETS))
    return BatchConfig(cfg.chain_id, cfg.domain_hash(), markets, params)


def batch_input(batch: Batch, accounts_root: int, global_state: GlobalState) -> BatchInput:
    """`accounts_root` and `global_state`: the committed state before the batch."""
    if batch.witnesses is None:
        raise ValueError("the batch was closed without witnesses (close_batch(witness=True))")
    return BatchInput(
        batch.number,
        batch.queue_start,
        batch.time_start,
        batch.time_end,
        batch.old_root,
        batch.new_root,
        batch.records,
        batch.witnesses,
        accounts_root,
        global_state,
    )
