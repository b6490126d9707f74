"""The rollup contract through web3.py: from `--l1-rpc URL` (any Ethereum JSON-RPC node) or an
injected `Web3` (the in-process EVM), and the start-up check that the contract is this node's
(chain id, rollup address, genesis root or the node's own batches, mode, verifier, sequencer)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from eth_utils import to_checksum_address
from web3 import HTTPProvider, Web3

from circuits.batch.batch import BatchShape
from contracts.artifacts import artifact
from protocol.pubdata.fields import Mode
from sequencer.config import ExchangeConfig
from sequencer.exchange import Exchange
from sequencer.journal.store import Store
from sequencer.l1.errors import L1Error

T = TypeVar("T")
RPC_TIMEOUT_S = 15.0
ZERO_ADDRESS = "0x" + "00" * 20


class Connection:
    """The L1 node and the rollup contract on it.  web3.py is synchronous: `call` runs a call on a
    worker thread for an RPC URL, and inline for an injected in-process EVM (not thread-safe, and
    its calls are in-memory)."""

    def __init__(self, w3: Any, rollup: str, rpc: str, *, inline: bool) -> None:
        self.w3 = w3
        self.rpc = rpc
        self.inline = inline
        self.address = to_checksum_address(rollup)
        self.rollup = w3.eth.contract(address=self.address, abi=artifact("Rollup")["abi"])
        self.chain_id = 0  # the RPC's (eth_chainId), read by `load`
        self.token = ZERO_ADDRESS

    @classmethod
    def open(cls, rpc: str | None, rollup: str | None, w3: Any = None) -> Connection:
        if rollup is None:
            raise L1Error("l1_config", "--rollup ADDRESS is required with an L1")
        if w3 is not None:
            return cls(w3, rollup, rpc or "in-process", inline=True)
        if not rpc:
            raise L1Error("l1_config", "--l1-rpc URL is required with an L1")
        w3 = Web3(HTTPProvider(rpc, request_kwargs={"timeout": RPC_TIMEOUT_S}))
        return cls(w3, rollup, rpc, inline=False)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """A blocking web3 call; errors reaching the node become L1Error(l1_unreachable)."""
        try:
            if self.inline:
                return fn(*args)
            return await asyncio.to_thread(fn, *args)
        except L1Error:
            raise
        except (OSError, TimeoutError) as exc:  # requests' ConnectionError is an OSError
            raise L1Error("l1_unreachable", f"{self.rpc}: {exc}") from exc

    def load(self) -> None:
        """Reads the chain id and the rollup's token (blocking)."""
        try:
            code = self.w3.eth.get_code(self.address)
            if not code:
                raise L1Error("l1_mismatch", f"no contract at {self.address} on {self.rpc}")
            self.chain_id = int(self.w3.eth.chain_id)
            self.token = str(self.rollup.functions.token().call())
        except L1Error:
            raise
        except OSError as exc:
            raise L1Error("l1_unreachable", f"{self.rpc}: {exc}") from exc

    def check(self, cfg: ExchangeConfig, shape: BatchShape, store: Store, submitter: str | None) -> None:
        """The contract is the one this node's genesis names, in its mode, with a verifier for its
        batch size and (when it submits) this node's key as the sequencer; and the batches it holds
        are this node's.  Blocking; raises L1Error(l1_mismatch) naming what differs."""
        f = self.rollup.functions
        if int(self.address, 16) != cfg.rollup_address:
            raise L1Error(
                "l1_mismatch",
                f"--rollup {self.address} is not the genesis's rollup address {cfg.rollup_address:#042x}",
            )
        if self.chain_id != cfg.chain_id:
            raise L1Error(
                "l1_mismatch", f"{self.rpc} is chain {self.chain_id}, the genesis says {cfg.chain_id}"
            )
        if int(f.chainId().call()) != cfg.chain_id:
            raise L1Error("l1_mismatch", f"the rollup's chain id {f.chainId().call()} is not {cfg.chain_id}")
        mode = Mode(int(f.mode().call()))
        if mode is not shape.mode:
            raise L1Error(
                "l1_mismatch",
                f"the rollup is in {mode.name.lower()} mode, this node in {shape.mode.name.lower()}",
            )
        if str(f.verifiers(shape.slots).call()) == ZERO_ADDRESS:
            raise L1Error("l1_mismatch", f"the rollup has no verifier for {shape.slots}-slot batches")
        if submitter is not None and int(str(f.sequencer().call()), 16) != int(submitter, 16):
            raise L1Error(
                "l1_mismatch",
                f"the rollup's sequencer is {f.sequencer().call()}, this node's key is {submitter}",
            )
        count = int(f.batchNumber().call())
        root = int.from_bytes(f.stateRoot().call(), "big")
        if count == 0:
            want = Exchange(cfg).state_root
            if root != want:
                raise L1Error("l1_mismatch", f"the rollup's genesis root {root} is not this node's {want}")
            return
        row = store.batch(count - 1)
        if row is None:
            raise L1Error(
                "l1_mismatch",
                f"the rollup holds {count} batches; this node's journal has no batch {count - 1}",
            )
        if int(row.new_root) != root:
            raise L1Error(
                "l1_reorg",
                f"the rollup's root after batch {count - 1} is {root}, this node's is {row.new_root}",
            )
