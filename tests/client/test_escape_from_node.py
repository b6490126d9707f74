"""`zkclear exit --from-node`'s input (client/escape.py `from_node`): a real node (in-process,
aiohttp on 127.0.0.1, SQLite journal) trades and closes a batch; its `GET /v1/accounts/{id}/proof`
and `GET /v1/params` answers for that batch give an exit proof whose leaf, path and global state
hash to the batch's root and whose escape value is the account's collateral plus its position at
the committed oracle price. A changed account field, global field, market config or a proof and
parameters of different batches are refused before anything is sent to L1."""

from __future__ import annotations

import asyncio
import copy
import time
from pathlib import Path
from typing import Any

import pytest

from client.escape import ExitDataError, from_node
from tests.node.harness import BTC, BTC_PRICE, SELL, USD, fund, run, running_node, set_price


def exp() -> int:
    return int(time.time()) + 3600


def _answers(tmp_path: Path) -> tuple[list[dict[str, Any]], list[int], dict[str, Any]]:
    async def main() -> tuple[list[dict[str, Any]], list[int], dict[str, Any]]:
        async with running_node(tmp_path, key_rate=0, address_rate=0) as r:
            c = r.client
            a, b, idle = await fund(c, 1), await fund(c, 2), await fund(c, 3, 7 * USD)
            await set_price(c, "BTC-USD", BTC_PRICE)
            while r.node.engine.ex.funding_time == 0:  # the operator's first funding tick
                await asyncio.sleep(0.05)
            sell = a.order(
                market_id=BTC, side=SELL, price=BTC_PRICE, size=10, order_id=a.next_order_id(), expiry=exp()
            )
            await c.place_order(sell)
            buy = b.order(
                market_id=BTC, side=0, price=BTC_PRICE, size=10, order_id=b.next_order_id(), expiry=exp()
            )
            assert (await c.place_order(buy))["fills"]
            await r.node.close_batch()
            ws = (a, b, idle)
            proofs = [await c.proof(w.account_id, w.read_token(exp() - 3000)) for w in ws]
            params = await c.params(proofs[0]["batch"])
            assert all(w.account_id is not None for w in ws)
            return proofs, [int(w.account_id or 0) for w in ws], params

    out: tuple[list[dict[str, Any]], list[int], dict[str, Any]] = run(main())
    return out


def test_exit_proof_from_the_nodes_answers(tmp_path: Path) -> None:
    proofs, ids, params = _answers(tmp_path)
    eps = [from_node(p, params, aid) for p, aid in zip(proofs, ids, strict=True)]
    for ep, p in zip(eps, proofs, strict=True):
        assert ep.state_root == int(p["root"]) and ep.accounts_root == int(p["accounts_root"])
        assert ep.batch == p["batch"] and len(ep.siblings) == 36
    # the idle account holds its deposit; the two traders' positions offset at the oracle price
    assert eps[2].value == 7 * USD
    g = eps[0].global_state
    held = 2 * 100_000 * USD + 7 * USD
    assert sum(ep.value for ep in eps) + g.insurance_fund + g.fee_pool == held
    assert eps[0].state.sizes[BTC] == -eps[1].state.sizes[BTC] != 0

    def refused(proof: dict[str, Any], prm: dict[str, Any], match: str) -> None:
        with pytest.raises(ExitDataError, match=match):
            from_node(proof, prm, ids[0])

    richer = copy.deepcopy(proofs[0])
    richer["account"]["collateral"] = str(int(richer["account"]["collateral"]) + 1)
    refused(richer, params, "leaf and path")
    fund_more = copy.deepcopy(params)
    fund_more["insurance_fund"] = str(int(fund_more["insurance_fund"]) + 1)
    refused(proofs[0], fund_more, "do not give batch")
    tick = copy.deepcopy(params)
    tick["markets"][BTC]["config"]["tick_size"] = "7"
    refused(proofs[0], tick, "config does not hash")
    refused(proofs[0], {**params, "batch": params["batch"] + 1}, "params of")
    refused({**proofs[0], "account": None}, params, "no leaf")
    refused({**proofs[0], "siblings": proofs[0]["siblings"][:-1]}, params, "leaf and path")
