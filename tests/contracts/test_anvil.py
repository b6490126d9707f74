"""The same contracts through JSON-RPC on anvil (npm @foundry-rs/anvil, started on 127.0.0.1 at
a free port and stopped): deploy everything (EIP-170 enforced), a deposit whose queue entry and
hash chain match protocol.pubdata, a wide Poseidon equal to native, a key of small order refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_utils import keccak
from web3.exceptions import ContractLogicError

from contracts.deploy import RollupParams, deploy, deploy_hashers, deploy_rollup, hasher_addresses
from native.poseidon import poseidon
from protocol.constants import FIELD_MODULUS as R
from protocol.pubdata.queue import encode_entry
from protocol.pubdata.steps.deposit import DepositEntry
from protocol.signing import Signer
from tests.anvil import running_anvil

pytestmark = pytest.mark.node


@pytest.fixture(scope="module")
def w3() -> Iterator[Any]:
    with running_anvil() as (w3, _):
        yield w3


def test_rollup_on_anvil(w3: Any) -> None:
    admin, seq, user = w3.eth.accounts[:3]
    hashers = deploy_hashers(w3, sender=admin)
    inputs = list(range(3, 12))
    assert hashers[9].functions.hash(inputs).call() == poseidon(inputs)
    token = deploy(w3, "TestToken", "t", "t", 10**15, sender=admin)
    params = RollupParams(token.address, 31337, seq, admin, 1, hashers=hasher_addresses(hashers))
    rollup = deploy_rollup(w3, params, name="RollupHarness", sender=admin)
    r = rollup.functions
    for fn in (token.functions.faucet(user, 10**9), token.functions.approve(rollup.address, 10**9)):
        assert w3.eth.wait_for_transaction_receipt(fn.transact({"from": user}))["status"] == 1
    x, y = (int(v) for v in Signer(b"zkclear anvil").pub)
    rc = w3.eth.wait_for_transaction_receipt(r.deposit(x, y, 10**6).transact({"from": user}))
    assert rc["status"] == 1
    entry = encode_entry(DepositEntry(int(user, 16), x, y, 10**6))
    assert r.queueHash(1).call() == keccak(b"\0" * 32 + entry)
    with pytest.raises(ContractLogicError, match="small order"):
        r.deposit(0, R - 1, 1).call({"from": user})
