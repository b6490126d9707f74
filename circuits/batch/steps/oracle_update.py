"""ORACLE_UPDATE (protocol.md 4.7, 4.11, 4.12): one slot per signed price (ORACLE_PRICE), each
checking one signature by a configured signer over (timestamp, expiry, market, price) and adding the
entry to the scratch; the step's last slot applies the rule (circuits/batch/oracle_rule.py) to the
entries and writes the market.  Scratch: 0-6 signers, 7-13 prices, 14-20 timestamps, 21-27
expiries, 28 entries so far, 29 market id.

Cost: the message Poseidon(6) (339), signer and position selectors (~50), entry products (~35),
and the rule (see oracle_rule.py).
"""

from __future__ import annotations

from circuits.batch.context import SlotCtx, select_onehot
from circuits.batch.oracle_rule import OracleEntry, oracle_rule
from circuits.batch.vars import MARKET_FIELDS
from circuits.dsl import lc_sum
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
        [s[b + i] + cs.mul(put[i], v, f"e{i}_{k}") for k, (b, v) in enumerate(zip(bases, fields, strict=True))]
        for i in range(N)
    ]
    # entry i is present when i < the entries so far (count + this one)
    n_after = count + f
    eq = [is_equal(cs, n_after, k, f"n{k}") for k in range(N + 1)]
    present = [1 - lc_sum(eq[: i + 1]) for i in range(N)]
    last = cs.mul(f, w["last"], "last")
    cs.assert_bool(w["last"], "last_bool")
    new = oracle_rule(
        cs,
        [OracleEntry(present[i], *entries[i]) for i in range(N)],
        ctx.market,
        ctx.config,
        params,
        ctx.now,
        w["book"],
        w["last_trade"],
        w["recovery"],
        last,
        "rule",
    )
    for name in MARKET_FIELDS:
        fx.add_market(name, cs.mul(last, getattr(new, name) - getattr(ctx.market, name), f"set_{name}"))
    more = f - last
    fx.next_role.append(more * int(ROLE))
    for i in range(N):
        for base, v in zip(bases, entries[i], strict=True):
            fx.add_scratch(base + i, cs.mul(more, v, f"keep{base + i}"))
    fx.add_scratch(COUNT, cs.mul(more, n_after, "keep_count"))
    fx.add_scratch(MARKET, cs.mul(more, ctx.market_id, "keep_market"))
