"""The devnet's embedded L1 (contracts/devchain.py) served over HTTP: another process deploys the
whole system (contracts.system.deploy_system) with web3.py over JSON-RPC, queues a deposit and
reads the rollup back; JSON-RPC batch arrays, reverts (web3's ContractLogicError with the reason),
anvil's evm_increaseTime/evm_mine and the configured chain id work as on any node; a restart from
the data dir reopens the same blocks, balances, rollup state and state root, and so does a kill -9
of the serving process (every answered transaction kept); a refused request changes nothing; a
data dir of another chain id stops the start."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

from contracts.devchain import DevChain, DevChainError, served_in_thread
from contracts.system import Deployment

ROOT = Path(__file__).resolve().parents[2]
CHAIN_ID = 31337
AMOUNT = 2_500 * 10**6

# A separate process: web3.py over HTTP deploys the system and a user deposits on it.
CLIENT = """
import json, sys
from web3 import Web3
from circuits.primitives.eddsa import prv2pub
from contracts.system import deploy_system
from protocol.pubdata.fields import Mode
from sequencer.batch_keys import SHAPES, committed_vk

url, out, amount = sys.argv[1], sys.argv[2], int(sys.argv[3])
w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
admin, sequencer, user = w3.eth.accounts[:3]
shape = next(s for s in SHAPES if s.mode is Mode.ROLLUP)
d = deploy_system(
    w3, vks={shape.slots: committed_vk(shape)}, mode=Mode.ROLLUP, sequencer=sequencer, admin=admin,
    genesis_root=12345, chain_id=w3.eth.chain_id,
)
d.save(out)
token, rollup = d.token_contract(w3), d.rollup_contract(w3)
for fn in (token.functions.faucet(user, amount), token.functions.approve(d.rollup, amount)):
    w3.eth.wait_for_transaction_receipt(fn.transact({"from": user}))
x, y = prv2pub(b"\\x07" * 32)
rc = w3.eth.wait_for_transaction_receipt(rollup.functions.deposit(int(x), int(y), amount).transact({"from": user}))
print(json.dumps({"status": rc["status"], "queue": rollup.functions.queueEnd().call()}))
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[DevChain, str]]:
    chain = DevChain(tmp_path / "l1", chain_id=CHAIN_ID)
    with served_in_thread(chain) as url:
        yield chain, url
    chain.close()


def rpc(url: str, body: Any) -> Any:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")


def snapshot(w3: Any, d: Deployment, user: str) -> dict[str, Any]:
    """What a restart must keep: the head block, the state root, balances and the rollup's state."""
    head = w3.eth.get_block("latest")
    rollup, token = d.rollup_contract(w3), d.token_contract(w3)
    return {
        "block": (head["number"], bytes(head["hash"]), bytes(head["stateRoot"]), head["timestamp"]),
        "eth": w3.eth.get_balance(user),
        "token": (token.functions.balanceOf(user).call(), token.functions.balanceOf(d.rollup).call()),
        "rollup": (
            rollup.functions.stateRoot().call(),
            rollup.functions.queueEnd().call(),
            rollup.functions.unconsumedDeposits().call(),
        ),
    }


def test_another_process_deploys_and_a_restart_keeps_the_chain(
    served: tuple[DevChain, str], tmp_path: Path
) -> None:
    chain, url = served
    out = tmp_path / "deployment.json"
    proc = subprocess.run(
        [sys.executable, "-c", CLIENT, url, str(out), str(AMOUNT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"status": 1, "queue": 1}
    d = Deployment.load(out)
    w3 = Web3(Web3.HTTPProvider(url))
    d.check(w3)
    user = w3.eth.accounts[2]
    assert d.token_contract(w3).functions.balanceOf(d.rollup).call() == AMOUNT
    # a revert comes back with its reason, as from geth or anvil
    with pytest.raises(ContractLogicError, match="faucet limit"):
        d.token_contract(w3).functions.faucet(user, 10**30).call()
    # anvil's time moves
    before = w3.eth.get_block("latest")["timestamp"]
    assert rpc(url, {"jsonrpc": "2.0", "id": 1, "method": "evm_increaseTime", "params": [86400]})[
        "result"
    ] == hex(86400)
    assert rpc(url, {"jsonrpc": "2.0", "id": 2, "method": "evm_mine", "params": []})["result"] == "0x0"
    assert w3.eth.get_block("latest")["timestamp"] >= before + 86400
    # a transaction signed here and sent raw (as a wallet does)
    signer = Account.from_key((4).to_bytes(32, "big"))  # eth-tester's account 3
    raw = signer.sign_transaction(
        {
            "to": user,
            "value": 777,
            "gas": 21_000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 1,
            "nonce": w3.eth.get_transaction_count(signer.address),
            "chainId": CHAIN_ID,
        }
    )
    rc = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw.raw_transaction))
    assert rc["status"] == 1 and signer.address == w3.eth.accounts[3]
    kept = snapshot(w3, d, user)
    chain.close()

    again = DevChain(tmp_path / "l1", chain_id=CHAIN_ID)
    assert snapshot(again.web3(), d, user) == kept
    d.check(again.web3())
    # later blocks keep the moved clock
    t = again.web3().eth
    t.wait_for_transaction_receipt(t.send_transaction({"from": t.accounts[0], "to": user, "value": 1}))
    assert t.get_block("latest")["timestamp"] >= time.time() + 86400 - 5
    again.close()


def test_json_rpc_shapes(served: tuple[DevChain, str]) -> None:
    _, url = served
    got = rpc(
        url,
        [
            {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            {"jsonrpc": "2.0", "id": "b", "method": "eth_blockNumber", "params": []},
            {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []},  # a notification: no answer
            {"jsonrpc": "2.0", "id": 3, "method": "eth_nope", "params": []},
            {"jsonrpc": "2.0", "id": 4, "method": "evm_snapshot", "params": []},
            {"jsonrpc": "2.0", "id": 5, "method": "eth_getBalance", "params": ["0x12", "latest"]},
            7,
        ],
    )
    assert [a["id"] for a in got] == [1, "b", 3, 4, 5, None]
    assert got[0]["result"] == hex(CHAIN_ID) and got[1]["result"] == "0x0"
    assert got[2]["error"]["code"] == -32601 and "eth_nope" in got[2]["error"]["message"]
    assert got[3]["error"]["code"] == -32601 and "only moves forward" in got[3]["error"]["message"]
    assert got[4]["error"]["code"] == -32000
    assert got[5]["error"]["code"] == -32600
    assert rpc(url, [])["error"]["code"] == -32600
    req = urllib.request.Request(url, b"{not json", {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert json.loads(r.read())["error"]["code"] == -32700
    w3 = Web3(Web3.HTTPProvider(url))
    assert w3.eth.chain_id == CHAIN_ID and w3.net.version == str(CHAIN_ID)
    a = w3.eth.accounts
    rc = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": a[0], "to": a[1], "value": 5}))
    assert rc["status"] == 1 and w3.eth.get_transaction(rc["transactionHash"])["chainId"] == CHAIN_ID
    # a transaction signed for another chain is refused and changes nothing
    signer = Account.from_key((5).to_bytes(32, "big"))
    tx = {"to": a[1], "value": 1, "gas": 21_000, "gasPrice": 10**10, "nonce": 0, "chainId": 1}
    with pytest.raises(Web3RPCError, match="chain"):
        w3.eth.send_raw_transaction(signer.sign_transaction(tx).raw_transaction)
    assert w3.eth.get_transaction_count(signer.address) == 0 and w3.eth.block_number == 1


SERVE = """
import sys, time
from contracts.devchain import DevChain, served_in_thread
chain = DevChain(sys.argv[1], chain_id=int(sys.argv[2]))
with served_in_thread(chain) as url:
    print(url, flush=True)
    time.sleep(600)
"""


def test_kill_9_keeps_every_answered_transaction(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(tmp_path), str(CHAIN_ID)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        w3 = Web3(Web3.HTTPProvider(proc.stdout.readline().strip()))
        a = w3.eth.accounts
        for i in range(5):
            w3.eth.wait_for_transaction_receipt(
                w3.eth.send_transaction({"from": a[0], "to": a[1], "value": i + 1})
            )
        assert rpc_result(w3, "evm_increaseTime", [3600]) == hex(3600)
        head = w3.eth.get_block("latest")
        balances = [w3.eth.get_balance(x) for x in a[:2]]
    finally:
        proc.kill()  # SIGKILL: no clean shutdown
        proc.wait()
    again = DevChain(tmp_path, chain_id=CHAIN_ID)
    t = again.web3()
    got = t.eth.get_block("latest")
    assert (got["number"], got["hash"], got["stateRoot"]) == (5, head["hash"], head["stateRoot"])
    assert [t.eth.get_balance(x) for x in a[:2]] == balances and again.offset == 3600
    again.close()


def rpc_result(w3: Any, method: str, params: list[Any]) -> Any:
    return w3.provider.make_request(method, params)["result"]


def test_refused_requests_change_nothing_and_a_foreign_data_dir_stops_the_start(tmp_path: Path) -> None:
    chain = DevChain(tmp_path, chain_id=CHAIN_ID)
    w3 = chain.web3()
    a = w3.eth.accounts
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": a[0], "to": a[1], "value": 5}))
    # more than the sender has, a negative time move: refused, the chain stays at block 1
    assert "error" in chain.request(
        "eth_sendTransaction", [{"from": a[2], "to": a[1], "value": hex(10**30), "gas": "0x5208"}]
    )
    assert "error" in chain.request("evm_increaseTime", [-5])
    assert w3.eth.block_number == 1 and chain.offset == 0
    chain.close()
    again = DevChain(tmp_path, chain_id=CHAIN_ID)
    assert again.web3().eth.block_number == 1
    again.close()
    with pytest.raises(DevChainError, match="chain id 31337"):
        DevChain(tmp_path, chain_id=1)
