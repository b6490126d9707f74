"""Compile contracts/src/*.sol, contracts/src/verifiers/*.sol and contracts/test/*.sol with the npm `solc` pinned in
package.json (standard JSON through node; optimizer on, 200 runs, EVM cancun, no metadata hash so
the bytecode depends on the sources and settings only) and write contracts/artifacts/<Name>.json
({"contractName", "sourceName", "abi", "bytecode", "deployedBytecode", "compiler", "settings"}; for
the contracts of KEEP_IMMUTABLES also "immutableReferences": immutable name -> [[offset, length], ...]
in the runtime code, where the deployed code holds the constructor's values instead of zeros).

    .venv/bin/python scripts/build_contracts.py            # write the artifacts
    .venv/bin/python scripts/build_contracts.py --check    # exit 1 if any artifact differs
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
ARTIFACTS = CONTRACTS / "artifacts"
SOLC_VERSION = "0.8.37"
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "metadata": {"bytecodeHash": "none", "appendCBOR": False},
    "outputSelection": {
        "*": {
            "": ["ast"],
            "*": [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "evm.deployedBytecode.immutableReferences",
            ],
        }
    },
}
# client/verify.py rebuilds these contracts' deployed code from a trusted key (the generic
# verifier's key lives in immutables), so their artifacts say where the immutables sit.
KEEP_IMMUTABLES = {"GenericBatchVerifier"}

_NODE = r"""
const solc = require("solc");
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify({version: solc.version(), output: JSON.parse(solc.compile(input))}));
});
"""


def sources() -> dict[str, dict[str, str]]:
    files = [
        *sorted((CONTRACTS / "src").glob("*.sol")),
        *sorted((CONTRACTS / "src" / "verifiers").glob("*.sol")),  # scripts/gen_batch_verifiers.py
        *sorted((CONTRACTS / "test").glob("*.sol")),
    ]
    return {f"{p.parent.name}/{p.name}": {"content": p.read_text()} for p in files}


def immutable_names(ast: dict[str, Any]) -> dict[str, str]:
    """AST id (as solc's immutableReferences keys it) -> name, of every immutable in a source."""
    out: dict[str, str] = {}
    stack: list[Any] = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("nodeType") == "VariableDeclaration" and node.get("mutability") == "immutable":
                out[str(node["id"])] = node["name"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


def compile_all() -> dict[str, str]:
    """Artifact file name -> its JSON text."""
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not on PATH (the npm solc compiler needs it)")
    std = {"language": "Solidity", "sources": sources(), "settings": SETTINGS}
    proc = subprocess.run(
        [node, "-e", _NODE], input=json.dumps(std), cwd=ROOT, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"solc failed:\n{proc.stderr[-4000:]}")
    res = json.loads(proc.stdout)
    if not res["version"].startswith(SOLC_VERSION + "+"):
        raise SystemExit(f"solc {res['version']} is not the pinned {SOLC_VERSION}")
    out = res["output"]
    errors = [e for e in out.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise SystemExit("\n".join(e["formattedMessage"] + str(e.get("sourceLocation", "")) for e in errors))
    arts: dict[str, str] = {}
    for src, contracts in sorted(out["contracts"].items()):
        for name, c in sorted(contracts.items()):
            if not c["abi"] or not c["evm"]["bytecode"]["object"]:
                continue  # interfaces, abstract contracts, libraries of internal functions
            art = {
                "contractName": name,
                "sourceName": src,
                "compiler": res["version"],
                "settings": {k: v for k, v in SETTINGS.items() if k != "outputSelection"},
                "abi": c["abi"],
                "bytecode": "0x" + c["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + c["evm"]["deployedBytecode"]["object"],
            }
            if name in KEEP_IMMUTABLES:
                ids = immutable_names(out["sources"][src]["ast"])
                refs = c["evm"]["deployedBytecode"]["immutableReferences"]
                art["immutableReferences"] = {
                    ids[i]: [[r["start"], r["length"]] for r in rs] for i, rs in sorted(refs.items())
                }
            arts[f"{name}.json"] = json.dumps(art, indent=1, sort_keys=True) + "\n"
    return arts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed artifacts")
    args = ap.parse_args()
    arts = compile_all()
    generated = {
        p.name
        for p in ARTIFACTS.glob("*.json")
        if not p.name.startswith(("Poseidon2", "Poseidon3", "Poseidon4", "Poseidon6", "PoseidonData"))
    }
    if args.check:
        bad = [n for n, t in arts.items() if not (ARTIFACTS / n).exists() or (ARTIFACTS / n).read_text() != t]
        bad += sorted(generated - set(arts))
        if bad:
            print("artifacts out of date: " + ", ".join(bad), file=sys.stderr)
            sys.exit(1)
        print(f"{len(arts)} artifacts up to date")
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in generated - set(arts):
        (ARTIFACTS / stale).unlink()
    for n, t in arts.items():
        (ARTIFACTS / n).write_text(t)
    print(f"wrote {len(arts)} artifacts: {', '.join(sorted(arts))}")


if __name__ == "__main__":
    main()
