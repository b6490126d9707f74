"""Compile and run an exported Solidity verifier: solc from node_modules (npm `solc`, pinned in
package.json) and the in-process EVM (py-evm via eth-tester and web3).  Used by the tests and by
bench/groth16.py to measure the verifier's gas; the installed prover never needs it."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.formats.json_files import Proof

__all__ = ["DeployedVerifier", "compile_solidity", "deploy_verifier", "proof_calldata"]

ROOT = Path(__file__).resolve().parent.parent

_SOLC_SCRIPT = r"""
import solc from "solc";
import fs from "fs";
const [path, name] = process.argv.slice(1);
const input = {
  language: "Solidity",
  sources: {"Verifier.sol": {content: fs.readFileSync(path, "utf8")}},
  settings: {optimizer: {enabled: true, runs: 200}, outputSelection: {"*": {"*": ["abi", "evm.bytecode.object"]}}},
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === "error");
if (errors.length) { console.error(errors.map((e) => e.formattedMessage).join("\n")); process.exit(1); }
const c = out.contracts["Verifier.sol"][name];
console.log(JSON.stringify({abi: c.abi, bytecode: c.evm.bytecode.object, version: solc.version()}));
"""


def compile_solidity(path: str | Path, contract: str) -> dict[str, Any]:
    """{"abi", "bytecode", "version"} of `contract` in the file, compiled by the pinned npm solc."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH (needed for the npm solc compiler)")
    proc = subprocess.run(
        [node, "--input-type=module", "-e", _SOLC_SCRIPT, str(Path(path).resolve()), contract],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"solc failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def proof_calldata(
    proof: Proof, public: list[int]
) -> tuple[list[int], list[list[int]], list[int], list[int]]:
    """verifyProof's arguments: B in EIP-197 order (x.c1, x.c0), as snarkjs's generatecall."""
    (bx0, bx1), (by0, by1) = proof.b
    return [proof.a[0], proof.a[1]], [[bx1, bx0], [by1, by0]], [proof.c[0], proof.c[1]], list(public)


@dataclass
class DeployedVerifier:
    w3: Any
    contract: Any
    account: str

    def verify(self, proof: Proof, public: list[int]) -> bool:
        return bool(self.contract.functions.verifyProof(*proof_calldata(proof, public)).call())

    def gas_used(self, proof: Proof, public: list[int]) -> int:
        """Gas of a verifyProof transaction (including the 21000 base and calldata)."""
        tx = self.contract.functions.verifyProof(*proof_calldata(proof, public)).transact(
            {"from": self.account, "gas": 3_000_000}
        )
        return int(self.w3.eth.wait_for_transaction_receipt(tx).gasUsed)


def deploy_verifier(artifact: dict[str, Any]) -> DeployedVerifier:
    from web3 import EthereumTesterProvider, Web3

    w3 = Web3(EthereumTesterProvider())
    account = w3.eth.accounts[0]
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor().transact({"from": account}))
    return DeployedVerifier(
        w3, w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"]), account
    )
