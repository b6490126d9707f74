"""ORACLE_UPDATE (protocol.md 4.7, 4.11, 4.12): one slot per signed price (ORACLE_PRICE), each
checking one signature by a configured signer over (timestamp, expiry, market, price) and adding the
entry to the scratch; the step's last slot applies the rule (circuits/batch/oracle_rule.py) to the
entries and writes the market.  Scratch: 0-6 signers, 7-13 prices, 14-20 timestamps, 21-27
expiries, 28 entries so far, 29 market id.

The rule runs in every slot; where no oracle step ends, its inputs are switched to a constant valid
update (`_gated_rule`) and its result is discarded, so none of its checks needs a gate of its own.

Cost: the message Poseidon(6) (339), signer and position selectors (~50), entry products (~35),
the input switch (~80), the signer flags (49) and the rule (2,424, see oracle_rule.py).
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx, select_onehot
from circuits.batch.oracle_rule import OracleEntry, configured_signers, oracle_rule
from circuits.batch.vars import MARKET_FIELDS, MarketConfigVars, MarketVars, ParamsVars
from circuits.dsl import LC, LCLike, as_lc, lc_sum
from circuits.gadgets.comparators import is_equal
from circuits.gadgets.poseidon import poseidon
from protocol.constants import MAX_ORACLE_SIGNERS, Tag
from protocol.slots import Role

ROLE = Role.ORACLE_PRICE
N = MAX_ORACLE_SIGNERS
SIGNER, PRICE, TIMESTAMP, EXPIRY = 0, N, 2 * N, 3 * N
COUNT, MARKET = 4 * N, 4 * N + 1


def rules(ctx: SlotCtx) -> None:
    cs, w, fx = ctx.cs, ctx.w, ctx.fx
    f = ctx.flag(ROLE)
    s = ctx.carry.scratch
    count = s[COUNT]
    continuing = 1 - is_equal(cs, count, 0, "first")
    cs.constrain(cs.mul(f, continuing, "cont"), ctx.market_id - s[MARKET], 0, "same_market")
    at = [is_equal(cs, count, i, f"at{i}") for i in range(N)]
    cs.constrain(f, 1 - lc_sum(at), 0, "at_most_seven")
    signer = [is_equal(cs, w["signer"], j, f"signer{j}") for j in range(N)]
    cs.constrain(f, 1 - lc_sum(signer), 0, "signer_index")
    params = ctx.static.params
    fx.oracle_key = (
        select_onehot(cs, signer, params.oracle_xs, "key_x"),
        select_onehot(cs, signer, params.oracle_ys, "key_y"),
    )
    row = [Tag.MSG_ORACLE_PRICE, ctx.static.domain, w["timestamp"], w["expiry"], ctx.market_id, w["price"]]
    fx.msg.append(cs.mul(f, poseidon(cs, row, "msg"), "msg_gate"))
    fx.sig_enabled.append(f)

    # the entries with this slot's price added at position `count`
    put = [cs.mul(f, a, f"put{i}") for i, a in enumerate(at)]
    fields = (w["signer"], w["price"], w["timestamp"], w["expiry"])
    bases = (SIGNER, PRICE, TIMESTAMP, EXPIRY)
    entries = [
        [
            s[b + i] + cs.mul(put[i], v, f"e{i}_{k}")
            for k, (b, v) in enumerate(zip(bases, fields, strict=True))
        ]
        for i in range(N)
    ]
    # entry i is present when i < the entries so far (count + this one)
    n_after = count + f
    eq = [is_equal(cs, n_after, k, f"n{k}") for k in range(N + 1)]
    present = [1 - lc_sum(eq[: i + 1]) for i in range(N)]
    last = cs.mul(f, w["last"], "last")
    cs.assert_bool(w["last"], "last_bool")
    new = _gated_rule(ctx, last, [OracleEntry(present[i], *entries[i]) for i in range(N)])
    for name in MARKET_FIELDS:
        fx.add_market(name, cs.mul(last, getattr(new, name) - getattr(ctx.market, name), f"set_{name}"))
    more = f - last
    fx.next_role.append(more * int(ROLE))
    for i in range(N):
        for base, v in zip(bases, entries[i], strict=True):
            fx.add_scratch(base + i, cs.mul(more, v, f"keep{base + i}"))
    fx.add_scratch(COUNT, cs.mul(more, n_after, "keep_count"))
    fx.add_scratch(MARKET, cs.mul(more, ctx.market_id, "keep_market"))


# A valid first update of a zero market: what the rule sees in every slot that does not apply one,
# so that its range checks hold without gating each (the inputs are switched, not the rule).
_DUMMY_MARKET = dict.fromkeys(MARKET_FIELDS, 0)
_DUMMY_CONFIG = {
    "max_price": (1 << 40) - 1,
    "price_band_ppm": 10_000,
    "oracle_max_move_ppm": 10_000,
    "oracle_move_ppm_per_s": 1_000,
    "breaker_move_ppm": 100_000,
    "breaker_window_s": 300,
    "cooldown_s": 300,
    "mark_window_s": 300,
}
_DUMMY_PARAMS = {"oracle_quorum": 1, "oracle_max_age_s": 60, "oracle_max_skew_s": 5, "recovery_quorum": 1}
_DUMMY_ENTRY = (1, 0, 1_000, 1_000, 1_060)  # present, signer, price, timestamp, expiry
_DUMMY_NOW = 1_000


def _gated_rule(ctx: SlotCtx, on: LC, entries: list[OracleEntry]) -> MarketVars:
    """oracle_rule on the slot's values when `on`, on the constant dummy update otherwise (one
    product per input)."""
    cs = ctx.cs

    def sw(value: LCLike, dummy: int, name: str) -> LC:
        return dummy + cs.mul(on, as_lc(value) - dummy, f"in_{name}")

    with cs.scope("inputs"):
        ents = []
        for i, e in enumerate(entries):
            d = _DUMMY_ENTRY if i == 0 else (0, 0, 0, 0, 0)
            vals = (e.present, e.signer, e.price, e.timestamp, e.expiry)
            ents.append(
                OracleEntry(*(sw(v, dv, f"e{i}_{k}") for k, (v, dv) in enumerate(zip(vals, d, strict=True))))
            )
        mk = MarketVars(**{n: sw(getattr(ctx.market, n), _DUMMY_MARKET[n], n) for n in MARKET_FIELDS})
        cfg_vals = {n: getattr(ctx.config, n) for n in MarketConfigVars.__dataclass_fields__}
        for n, dv in _DUMMY_CONFIG.items():
            cfg_vals[n] = sw(cfg_vals[n], dv, n)
        cfg = MarketConfigVars(**cfg_vals)
        p = ctx.static.params
        pv = {n: getattr(p, n) for n in ParamsVars.__dataclass_fields__}
        for n, dv in _DUMMY_PARAMS.items():
            pv[n] = sw(pv[n], dv, n)
        params = ParamsVars(**pv)
        configured = configured_signers(cs, p)
        configured = [sw(c, int(j == 0), f"configured{j}") for j, c in enumerate(configured)]
        now = sw(ctx.now, _DUMMY_NOW, "now")
        book = sw(ctx.w["book"], 1_000, "book")
        last_trade = sw(ctx.w["last_trade"], 1_000, "last_trade")
        recovery = cs.mul(on, ctx.w["recovery"], "in_recovery")
    return oracle_rule(
        cs, ents, mk, cfg, params, now, book, last_trade, recovery, "rule", configured=configured
    )
