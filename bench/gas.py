"""L1 gas of the rollup's operations that need no batch proof (issue 16), on the in-process EVM
(py-evm via eth-tester; gas is the EVM's, independent of the machine):

    .venv/bin/python bench/gas.py [--json]

deposit (first and later, the transfer included), forced-withdrawal request, claim, freeze,
deposit reclaim, publishExitState (the exit prices, once per freeze) and escape (one account with
two positions, the exchange core's real state), and one Poseidon hash per width on chain. Gas
figures are transaction gas (21,000 base and calldata included). With --json the last line is
one JSON object of all figures. submitBatch needs a proof of a real batch (a proving key per
batch size): its gas is printed by `pytest -s tests/contracts/test_submit_batch.py` (protocol.md
7.12: ~317,700 rollup, ~327,000 validium, 8 slots); aggregation is not written yet.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from web3 import EthereumTesterProvider, Web3  # noqa: E402

from contracts.deploy import (  # noqa: E402
    RollupParams,
    deploy,
    deploy_hashers,
    deploy_rollup,
    hasher_addresses,
)
from contracts.exodus import exit_state, leaf_args  # noqa: E402
from protocol.pubdata.steps.deposit import pack_key  # noqa: E402
from protocol.signing import Signer  # noqa: E402
from tests.contracts.test_escape import config_row, world  # noqa: E402

DEADLINE = 7 * 86400


def main() -> None:
    ap = argparse.ArgumentParser(description="L1 gas of deposits, claims, freeze and escape")
    ap.add_argument("--json", action="store_true", help="print one JSON object last")
    args = ap.parse_args()

    w3: Any = Web3(EthereumTesterProvider())
    tester = w3.provider.ethereum_tester
    admin, seq, alice, bob = w3.eth.accounts[:4]
    out: dict[str, Any] = {}

    def tx(fn: Any, sender: str) -> int:
        rc = w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, "gas": 30_000_000}))
        assert rc["status"] == 1
        return int(rc["gasUsed"])

    hashers = deploy_hashers(w3, sender=admin)
    for n, h in sorted(hashers.items()):
        inputs = list(range(1, n + 1))
        fn = (
            h.functions.poseidon([x.to_bytes(32, "big") for x in inputs])
            if n <= 6
            else h.functions.hash(inputs)
        )
        out[f"poseidon_{n}_call"] = int(fn.estimate_gas()) - 21_000

    ex = world().ex
    token = deploy(w3, "TestToken", "t", "t", 10**15, sender=admin)
    params = RollupParams(
        token.address,
        31337,
        seq,
        admin,
        ex.state_root,
        forced_deadline=DEADLINE,
        upgrade_delay=2 * DEADLINE,
        hashers=hasher_addresses(hashers),
    )
    rollup = deploy_rollup(w3, params, name="RollupHarness", sender=admin)
    r = rollup.functions
    tx(token.functions.faucet(alice, 10**12), alice)
    tx(token.functions.approve(rollup.address, 2**256 - 1), alice)

    x, y = (int(v) for v in Signer(b"zkclear gas bench").pub)
    out["deposit_first"] = tx(r.deposit(x, y, 10**6), alice)
    out["deposit"] = tx(r.deposit(x, y, 10**6), alice)
    out["forced_withdrawal_request"] = tx(r.requestForcedWithdrawal(1, 10**6), bob)
    tx(r.testCreditWithdrawal(bob, 10**6), admin)
    out["claim"] = tx(r.claim(), bob)

    # L2 holds what the core's accounts, fund and pool add up to; the root stands for a proven batch
    g = ex.global_state()
    states = {a: ex.account_state(a) for a in ex.accounts}
    held = sum(s.collateral - sum(s.costs) for s in states.values()) + g.insurance_fund + g.fee_pool
    tx(token.functions.faucet(rollup.address, held), admin)
    now = w3.eth.get_block("latest")["timestamp"]
    tester.time_travel(now + DEADLINE + 1)
    tester.mine_blocks(1)
    out["freeze"] = tx(r.freeze(2), bob)
    out["reclaim_deposit"] = tx(r.reclaimDeposit(1, alice, pack_key(x, y), 10**6), bob)

    rows = [None if (mc := ex.config.markets_by_id.get(m)) is None else config_row(mc) for m in range(8)]
    first = min(states)
    p = ex.account_proof(first)
    out["publish_exit_state_2_markets"] = tx(
        r.publishExitState(exit_state(p.accounts_root, ex.config.params_hash(), rows, g)), bob
    )
    gases = []
    for a in sorted(states):
        p = ex.account_proof(a)
        assert p.state is not None
        npos = sum(1 for s in p.state.sizes if s)
        gases.append((npos, tx(r.escape(a, leaf_args(p.state, p.orders_root), list(p.siblings)), bob)))
    out["escape_by_positions"] = {str(n): g_ for n, g_ in sorted(dict(gases).items())}
    out["escape"] = max(g_ for _, g_ in gases)

    width = max(len(k) for k in out)
    for k, v in out.items():
        print(f"{k:<{width}}  {v}")
    if args.json:
        print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
