"""The whole L1 side of one zkclear network deployed in one call (the collateral token, the
rollup's Poseidon hashers, one generic batch verifier per slot count holding its key, the rollup),
and the record of it (`Deployment`, saved as JSON) that the devnet reuses after a restart and the
node, the trader CLI and tests read addresses from."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import rlp
from eth_utils import keccak, to_checksum_address

from contracts.artifacts import artifact
from contracts.deploy import (
    MODE_ROLLUP,
    MODE_VALIDIUM,
    RollupParams,
    deploy,
    deploy_hashers,
    deploy_rollup,
    hasher_addresses,
)
from contracts.generic_verifier import deploy_generic_verifier
from protocol.pubdata.fields import Mode
from prover.formats.json_files import VerifyingKey

TOKEN_NAME, TOKEN_SYMBOL = "zkclear test USD", "tUSD"
FAUCET_LIMIT = 10**15  # one faucet call mints at most 10^9 tUSD (6 decimals)


def create_address(sender: str, nonce: int) -> str:
    """The address of the contract that `sender`'s transaction of `nonce` creates (CREATE)."""
    return str(to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:]))


class DeploymentError(ValueError):
    """A deployment record that cannot be read, or a chain that does not hold it."""


@dataclass
class Deployment:
    """Where one network's contracts live and what they were deployed with."""

    chain_id: int
    mode: str  # "rollup" | "validium"
    token: str
    rollup: str
    verifiers: dict[int, str]  # slot count -> generic verifier address
    hashers: list[str]  # Rollup.Params.hashers order
    sequencer: str
    admin: str
    genesis_root: int
    block: int  # the block of the rollup's deployment (logs start there)
    dac_members: list[str] = field(default_factory=list)
    dac_quorum: int = 0
    forced_deadline: int = 7 * 86400
    upgrade_delay: int = 14 * 86400

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["verifiers"] = {str(k): v for k, v in sorted(self.verifiers.items())}
        out["genesis_root"] = str(self.genesis_root)
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Deployment:
        try:
            d = dict(obj)
            d["verifiers"] = {int(k): str(v) for k, v in d["verifiers"].items()}
            d["genesis_root"] = int(d["genesis_root"])
            if d["mode"] not in ("rollup", "validium"):
                raise ValueError(f"mode {d['mode']!r}")
            return cls(**d)
        except (KeyError, TypeError, ValueError) as e:
            raise DeploymentError(f"not a deployment record: {e}") from e

    def save(self, path: str | Path) -> None:
        """Write the record atomically (a crash leaves the old file or the new one)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n")
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> Deployment:
        try:
            obj = json.loads(Path(path).read_text())
        except (OSError, ValueError) as e:
            raise DeploymentError(f"cannot read {path}: {e}") from e
        return cls.from_json(obj)

    def rollup_contract(self, w3: Any) -> Any:
        return w3.eth.contract(address=self.rollup, abi=artifact("Rollup")["abi"])

    def token_contract(self, w3: Any) -> Any:
        return w3.eth.contract(address=self.token, abi=artifact("TestToken")["abi"])

    def check(self, w3: Any) -> None:
        """The chain behind `w3` holds this deployment (code at every address, the same chain id)."""
        for what, addr in [("token", self.token), ("rollup", self.rollup), *self._verifier_items()]:
            if not w3.eth.get_code(addr):
                raise DeploymentError(f"no contract at the {what} address {addr} on this chain")
        got = int(self.rollup_contract(w3).functions.chainId().call())
        if got != self.chain_id:
            raise DeploymentError(f"the rollup's chain id is {got}, the record says {self.chain_id}")

    def _verifier_items(self) -> list[tuple[str, str]]:
        return [(f"verifier for {n} slots", a) for n, a in sorted(self.verifiers.items())]


def deploy_system(
    w3: Any,
    *,
    vks: dict[int, VerifyingKey],
    mode: Mode,
    sequencer: str,
    admin: str,
    genesis_root: int | Callable[[str], int],
    chain_id: int,
    dac_members: list[str] | None = None,
    dac_quorum: int = 0,
    forced_deadline: int = 7 * 86400,
    upgrade_delay: int = 14 * 86400,
    rollup_artifact: str = "Rollup",
) -> Deployment:
    """Deploy token, hashers, one generic verifier per slot count in `vks` and the rollup, all
    sent by `admin` (an unlocked account of the node behind `w3`, or web3's default signer);
    `genesis_root` may be a function of the rollup's address (predicted from the admin's nonce):
    the exchange's parameters, and so its genesis root, commit to the rollup's address.
    `rollup_artifact="RollupHarness"` for the tests' harness."""
    if not vks:
        raise ValueError("deploy_system needs at least one verification key")
    token = deploy(w3, "TestToken", TOKEN_NAME, TOKEN_SYMBOL, FAUCET_LIMIT, sender=admin)
    hashers = hasher_addresses(deploy_hashers(w3, sender=admin))
    verifiers = {n: deploy_generic_verifier(w3, vk, sender=admin).address for n, vk in sorted(vks.items())}
    if callable(genesis_root):
        at = create_address(admin, w3.eth.get_transaction_count(admin))
        genesis_root = genesis_root(at)
    else:
        at = None
    params = RollupParams(
        token.address,
        chain_id,
        sequencer,
        admin,
        genesis_root,
        mode=MODE_ROLLUP if mode is Mode.ROLLUP else MODE_VALIDIUM,
        forced_deadline=forced_deadline,
        upgrade_delay=upgrade_delay,
        dac_members=list(dac_members or []),
        dac_quorum=dac_quorum,
        hashers=hashers,
        verifiers=verifiers,
    )
    rollup = deploy_rollup(w3, params, name=rollup_artifact, sender=admin)
    if at is not None and rollup.address != at:
        raise RuntimeError(f"the rollup was deployed at {rollup.address}, not at the predicted {at}")
    return Deployment(
        chain_id=chain_id,
        mode=mode.name.lower(),
        token=token.address,
        rollup=rollup.address,
        verifiers=verifiers,
        hashers=hashers,
        sequencer=sequencer,
        admin=admin,
        genesis_root=genesis_root,
        block=int(w3.eth.block_number),
        dac_members=list(params.dac_members),
        dac_quorum=dac_quorum,
        forced_deadline=forced_deadline,
        upgrade_delay=upgrade_delay,
    )
