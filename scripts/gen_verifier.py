"""Generate a Solidity Groth16 verifier from a verification key (the committed generated verifiers
come from here): python scripts/gen_verifier.py VK.json OUT.sol [--contract NAME].

Same as `zkclear groth16 export-solidity`; the output carries a "generated, do not edit" header.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prover.formats.json_files import load_json, vk_from_json
from prover.solidity import render_verifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vk", type=Path, help="verification_key.json (snarkjs format)")
    parser.add_argument("out", type=Path, help="Solidity file to write")
    parser.add_argument("--contract", default="Groth16Verifier")
    args = parser.parse_args()
    vk = vk_from_json(load_json(args.vk, "verification key"))
    args.out.write_text(render_verifier(vk, args.contract))


if __name__ == "__main__":
    main()
