"""An in-process EVM (py-evm through eth-tester and web3.py) with the collateral token and the
rollup's test harness deployed: a fresh chain per test, restored from one snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_tester.exceptions import TransactionFailed
from web3 import EthereumTesterProvider, Web3

from contracts.deploy import RollupParams, deploy, deploy_hashers, deploy_rollup, hasher_addresses

CHAIN_ID = 31337
DEADLINE = 7 * 86400
DELAY = 14 * 86400


@dataclass
class Chain:
    w3: Any
    tester: Any
    token: Any
    rollup: Any
    admin: str
    sequencer: str
    users: list[str]
    hashers: list[str]

    def params(self, genesis_root: int, token: str | None = None) -> RollupParams:
        return RollupParams(
            token or self.token.address,
            CHAIN_ID,
            self.sequencer,
            self.admin,
            genesis_root,
            forced_deadline=DEADLINE,
            upgrade_delay=DELAY,
            hashers=self.hashers,
        )

    def tx(self, fn: Any, sender: str, gas: int = 5_000_000) -> Any:
        """Send a transaction; returns its receipt (raises TransactionFailed on revert)."""
        rc = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender, "gas": gas}))
        if rc["status"] != 1:
            raise TransactionFailed(f"transaction reverted: {rc['transactionHash'].hex()}")
        return rc

    def time_travel(self, seconds: int) -> None:
        now = self.w3.eth.get_block("latest")["timestamp"]
        self.tester.time_travel(now + seconds)
        self.tester.mine_blocks(1)

    def fund(self, user: str, amount: int) -> None:
        self.tx(self.token.functions.faucet(user, amount), user)
        self.tx(self.token.functions.approve(self.rollup.address, 2**256 - 1), user)


def new_chain() -> Chain:
    """A fresh in-process EVM with the token, the hashers and a harness rollup deployed."""
    w3 = Web3(EthereumTesterProvider())
    tester = w3.provider.ethereum_tester
    accts = w3.eth.accounts
    admin, sequencer, users = accts[0], accts[1], list(accts[2:8])
    token = deploy(w3, "TestToken", "zkclear test USD", "tUSD", 10**15, sender=admin)
    hashers = hasher_addresses(deploy_hashers(w3, sender=admin))
    ch = Chain(w3, tester, token, None, admin, sequencer, users, hashers)
    ch.rollup = deploy_rollup(w3, ch.params(12345), name="RollupHarness", sender=admin)
    return ch


@pytest.fixture(scope="module")
def _chain() -> Chain:
    return new_chain()


@pytest.fixture
def chain(_chain: Chain) -> Iterator[Chain]:
    snap = _chain.tester.take_snapshot()
    yield _chain
    _chain.tester.revert_to_snapshot(snap)
