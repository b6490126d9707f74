"""The whole batch circuit (protocol.md 7.13): the state root before, a fixed number of universal
slots (circuits/batch/slot.py) chained through their Carry, the state root after, and the one
public input of 7.7 over the header and the public data (circuits/batch/pubdata.py).

Per batch, not per slot: the market configs and the params are hashed once (they are witnesses
bound to the root, so a new market needs no new key), each market's multiplier is derived from its
decimals, the global state is hashed at the start and at the end only, and the queue and
withdrawal sections are hashed once at their capacities.

Time (7.1, 7.13): the first slot's carried time is the header's `time_start` (the previous batch's
`time_end`, which L1 supplies from its storage), so every slot's `monotonic` check puts every
operation at or after it; the last slot's time is the header's `time_end` (L1 bounds it by the
block time).  `time_start` and `time_end` are range-checked to 64 bits by the header's encoding.

Inputs: one public input, `public_input`; every other value is private: `header.*`, `static.*`
(slot_io.static_spec), `start.*` (the accounts root and global state before, slot_io.CARRY_SPEC
minus the per-batch counters) and `slot{i}.*` (slot_io.SLOT_SPEC).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from circuits.batch import state as st
from circuits.batch.pubdata import (
    HeaderVars,
    QueueRecordVars,
    WithdrawalVars,
    public_input_rollup,
    public_input_validium,
)
from circuits.batch.slot import slot_template
from circuits.batch.slot_io import (
    CARRY_SPEC,
    RECORD_SPEC,
    SCRATCH,
    SLOT_SPEC,
    Carry,
    Static,
    spec_names,
    spec_size,
    static_spec,
    unpack,
)
from circuits.batch.vars import MarketConfigVars
from circuits.dsl import LC, Circuit, Program, as_lc, lc_sum
from circuits.gadgets.bits import num2bits
from circuits.gadgets.comparators import is_equal
from protocol.pubdata.fields import Mode
from protocol.slots import default_capacity

HEADER_FIELDS = ("old_root", "new_root", "batch_number", "chain_id", "queue_start", "time_start", "time_end")
START_FIELDS = tuple(
    n
    for n in spec_names(CARRY_SPEC)
    if n not in ("time", "next_role", "queue_count", "withdrawal_count") and not n.startswith("scratch")
)
MAX_DECIMALS = 6  # size_decimals + price_decimals <= 6: mult = 10^(6 - both)


@dataclass(frozen=True)
class BatchShape:
    """A batch size: its slots, the capacities of its queue and withdrawal sections and the data
    mode (each shape has its own circuit and key)."""

    slots: int
    queue: int
    withdrawals: int
    mode: Mode = Mode.VALIDIUM

    @classmethod
    def default(cls, slots: int, mode: Mode = Mode.VALIDIUM) -> BatchShape:
        """protocol.slots.default_capacity: a queue record and a withdrawal per eight slots."""
        cap = default_capacity(slots)
        return cls(slots, cap.queue, cap.withdrawals, mode)

    @property
    def name(self) -> str:
        return f"batch_s{self.slots}_q{self.queue}_w{self.withdrawals}_{self.mode.name.lower()}"


def _inputs(cs: Circuit, prefix: str, names: list[str]) -> list[LC]:
    return [cs.private_input(f"{prefix}.{n}") for n in names]


def _derive_config(cs: Circuit, c: MarketConfigVars, m: int) -> None:
    """configured is boolean; an unconfigured market has every field 0; mult = 10^(6 - decimals)."""
    with cs.scope(f"config{m}"):
        cs.assert_bool(c.configured, "configured")
        for name in MarketConfigVars.__dataclass_fields__:
            if name not in ("configured", "mult"):
                cs.constrain(1 - c.configured, getattr(c, name), 0, f"unconfigured_{name}")
        e = c.size_decimals + c.price_decimals
        num2bits(cs, e, 3, "decimals")
        at = [is_equal(cs, e, k, f"decimals{k}") for k in range(MAX_DECIMALS + 1)]
        cs.constrain(c.configured, 1 - lc_sum(at), 0, "decimals_at_most_6")
        cs.assert_equal(
            c.mult,
            lc_sum(cs.mul(c.configured, a, f"mult{k}") * 10 ** (MAX_DECIMALS - k) for k, a in enumerate(at)),
            "mult",
        )


class BatchCircuit:
    def __init__(self, shape: BatchShape) -> None:
        self.shape = shape

    @cached_property
    def program(self) -> Program:
        shape = self.shape
        cs = Circuit(shape.name)
        public_input = cs.public_input("public_input")
        header = {n: cs.private_input(f"header.{n}") for n in HEADER_FIELDS}
        s_spec = static_spec(shape.queue, shape.withdrawals)
        static_vals = _inputs(cs, "static", spec_names(s_spec))
        static = Static.of(unpack(s_spec, static_vals), shape.queue, shape.withdrawals)
        start = dict(zip(START_FIELDS, _inputs(cs, "start", list(START_FIELDS)), strict=True))
        carry_in = {
            **start,
            "time": header["time_start"],  # no operation before the previous batch's last one
            "next_role": as_lc(0),
            "queue_count": as_lc(0),
            "withdrawal_count": as_lc(0),
            "scratch": [as_lc(0)] * SCRATCH,
        }
        carry = Carry.of(carry_in)

        with cs.scope("start"):
            for m, c in enumerate(static.configs):
                _derive_config(cs, c, m)
            config_hs = [st.config_hash(cs, c, f"config{m}") for m, c in enumerate(static.configs)]
            params_h = st.params_hash(cs, static.params, static.domain)
            configured = [c.configured for c in static.configs]
            gh = st.global_hash(cs, params_h, config_hs, configured, carry.g, "global")
            cs.assert_equal(st.state_root(cs, carry.accounts_root, gh), header["old_root"], "old_root")

        template = slot_template(shape.queue, shape.withdrawals)
        flat = carry.flat()
        n_carry = spec_size(CARRY_SPEC)
        records = []  # each slot's RECORD_SPEC values (hashed in rollup mode only)
        for i in range(shape.slots):
            slot_vals = _inputs(cs, f"slot{i}", spec_names(SLOT_SPEC))
            outs = template(cs, [*static_vals, *flat, *slot_vals], f"slot{i}")
            flat, rec = outs[:n_carry], outs[n_carry:]
            assert len(rec) == spec_size(RECORD_SPEC)
            records.append(rec)
        end = Carry.of(unpack(CARRY_SPEC, flat))

        with cs.scope("end"):
            cs.assert_zero(end.next_role, "no_step_unfinished")
            cs.assert_equal(end.time, header["time_end"], "time_end")
            gh_end = st.global_hash(cs, params_h, config_hs, configured, end.g, "global")
            cs.assert_equal(st.state_root(cs, end.accounts_root, gh_end), header["new_root"], "new_root")

        with cs.scope("public_data"):
            queue = [QueueRecordVars(**r) for r in static.queue]
            wds = [WithdrawalVars(**r) for r in static.withdrawals]
            head = HeaderVars(
                header["old_root"],
                header["new_root"],
                header["batch_number"],
                header["chain_id"],
                header["queue_start"],
                header["queue_start"] + end.queue_count,
                header["time_start"],
                header["time_end"],
            )
            if shape.mode == Mode.ROLLUP:
                commitment = public_input_rollup(
                    cs,
                    head,
                    queue,
                    end.queue_count,
                    wds,
                    end.withdrawal_count,
                    end.g,
                    configured,
                    records,
                )
            else:
                commitment, _, _ = public_input_validium(
                    cs, head, queue, end.queue_count, wds, end.withdrawal_count
                )
            cs.assert_equal(commitment, public_input, "public_input")
        return cs.compile()
