"""What the batch circuit needs from the exchange: its committed parameters as plain integers
(`batch_config`) and a closed batch with the state before it (`batch_input`).  The circuit's
witness code (circuits/batch/witness.py) takes these and nothing from the node."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from circuits.batch.batch import BatchShape
from circuits.batch.witness import BatchConfig, BatchInput, batch_assignment
from protocol.constants import FIELD_MODULUS as R
from protocol.constants import MAX_MARKETS, MAX_ORACLE_SIGNERS
from protocol.pubdata import collect
from protocol.pubdata.batch import encode_public_data, public_input
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
        **cfg.committed_params(),
    }
    markets = tuple(None if (m := cfg.market(i)) is None else _market(m) for i in range(MAX_MARKETS))
    return BatchConfig(cfg.chain_id, cfg.domain_hash(), markets, params)


@dataclass(frozen=True)
class CircuitInputs:
    """A closed batch ready for its circuit."""

    inputs: dict[str, Any]  # the circuit's named inputs (circuits.batch.witness.batch_assignment)
    public_input: int  # protocol.md 7.7, which the circuit recomputes and checks
    data: bytes  # the public data as the rollup contract receives it (7.2)


def circuit_inputs(
    cfg: ExchangeConfig, shape: BatchShape, batch: Batch, accounts_root: int, global_state: GlobalState
) -> CircuitInputs:
    """The public data, public input and circuit inputs of a batch closed with witnesses, for the
    shape (mode and slot count); `accounts_root` and `global_state`: the state before it."""
    inp = batch_input(batch, accounts_root, global_state)
    roots = collect.orders_roots(inp.witnesses)
    pd = collect.public_data(shape.mode, batch.records, roots, global_state, shape.slots)
    data = encode_public_data(pd)
    pi = public_input(shape.mode, batch.header(cfg.chain_id), data)
    return CircuitInputs(batch_assignment(shape, batch_config(cfg), inp, pi), pi, data)


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
