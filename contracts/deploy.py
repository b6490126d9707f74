"""Deploy the contracts with web3.py (any provider: the in-process EVM, anvil, a real node) and
the call shapes they take."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contracts.artifacts import POSEIDON_WIDTHS, artifact

MODE_ROLLUP = 0
MODE_VALIDIUM = 1
ZERO_ADDRESS = "0x" + "00" * 20


def deploy(w3: Any, name: str, *args: Any, sender: str | None = None, gas: int = 15_000_000) -> Any:
    """Deploy artifact `name` with constructor `args`; returns the web3 contract object."""
    art = artifact(name)
    sender = sender or w3.eth.accounts[0]
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    tx = factory.constructor(*args).transact({"from": sender, "gas": gas})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    if receipt["status"] != 1:
        raise RuntimeError(f"deploying {name} failed")
    return w3.eth.contract(address=receipt["contractAddress"], abi=art["abi"])


def deploy_poseidon(w3: Any, sender: str | None = None) -> dict[int, Any]:
    """The circomlibjs Poseidon contracts, width (number of inputs) -> contract."""
    return {n: deploy(w3, f"Poseidon{n}", sender=sender) for n in POSEIDON_WIDTHS}


@dataclass
class RollupParams:
    """The rollup's constructor parameters (Rollup.Params)."""

    token: str
    chain_id: int
    sequencer: str
    admin: str
    genesis_root: int
    mode: int = MODE_ROLLUP
    forced_deadline: int = 7 * 86400
    upgrade_delay: int = 14 * 86400
    dac_members: list[str] = field(default_factory=list)
    dac_quorum: int = 0
    hashers: list[str] = field(default_factory=lambda: [ZERO_ADDRESS] * 7)  # see hasher_addresses
    verifiers: dict[int, str] = field(default_factory=dict)  # slot count -> batch verifier address

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.token,
            self.chain_id,
            self.mode,
            self.sequencer,
            self.admin,
            self.genesis_root.to_bytes(32, "big"),
            self.forced_deadline,
            self.upgrade_delay,
            list(self.dac_members),
            self.dac_quorum,
            list(self.hashers),
            sorted(self.verifiers),
            [self.verifiers[n] for n in sorted(self.verifiers)],
        )


def deploy_rollup(w3: Any, params: RollupParams, *, name: str = "Rollup", sender: str | None = None) -> Any:
    """Deploy the rollup (name="RollupHarness" for the tests' harness)."""
    return deploy(w3, name, params.as_tuple(), sender=sender)


WIDE_WIDTHS = (9, 14, 16)


def deploy_poseidon_wide(w3: Any, n: int, sender: str | None = None) -> Any:
    """PoseidonWide for n inputs: its data contracts (PoseidonData<n>), then the hasher."""
    data = artifact(f"PoseidonData{n}")
    sender = sender or w3.eth.accounts[0]
    chunks = []
    for code in data["chunks"]:
        tx = w3.eth.send_transaction({"from": sender, "data": code, "gas": 6_000_000})
        receipt = w3.eth.wait_for_transaction_receipt(tx)
        if receipt["status"] != 1:
            raise RuntimeError(f"deploying PoseidonData{n} failed")
        chunks.append(receipt["contractAddress"])
    return deploy(w3, "PoseidonWide", data["t"], data["roundsP"], chunks, sender=sender)


def deploy_hashers(w3: Any, sender: str | None = None) -> dict[int, Any]:
    """Every Poseidon the rollup calls, inputs -> contract: circomlibjs's for 2, 3, 4, 6 inputs,
    PoseidonWide for 9, 14, 16."""
    out = deploy_poseidon(w3, sender)
    out.update({n: deploy_poseidon_wide(w3, n, sender) for n in WIDE_WIDTHS})
    return out


def hasher_addresses(hashers: dict[int, Any]) -> list[str]:
    """Rollup.Params.hashers: Poseidon with 2, 3, 4, 6, 9, 14, 16 inputs, in that order."""
    return [hashers[n].address for n in (2, 3, 4, 6, 9, 14, 16)]
