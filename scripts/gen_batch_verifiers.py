"""Write the committed batch verifiers: for each shape of sequencer.batch_keys.SHAPES, its
deterministic TEST key's verification key (contracts/keys/<shape>/verification_key.json) and the
Groth16 verifier of that key (contracts/src/verifiers/BatchVerifier<slots>_<mode>.sol, generated
by prover/solidity.py: "GENERATED FILE - DO NOT EDIT"), and the pairing library they carry as a source
of its own for GenericBatchVerifier (contracts/src/Groth16Pairing.sol, from
prover/templates/Groth16Pairing.sol). Then run scripts/build_contracts.py.

    .venv/bin/python scripts/gen_batch_verifiers.py            # write (a setup per shape: ~30 s)
    .venv/bin/python scripts/gen_batch_verifiers.py --check    # exit 1 if a committed file differs

The keys' toxic waste is public (sequencer/batch_keys.py): these verifiers are for tests and
devnets that use the test keys, never for a deployment holding value.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from prover.formats.json_files import dump_json, vk_to_json
from prover.setup.phase2 import export_vk
from prover.solidity import render_pairing_library, render_verifier
from sequencer.batch_keys import SHAPES, fixed_zkey, verifier_name, verifier_path, vk_path

PAIRING_LIBRARY = Path(__file__).resolve().parent.parent / "contracts" / "src" / "Groth16Pairing.sol"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed files")
    args = ap.parse_args()
    bad = []
    files = {PAIRING_LIBRARY: render_pairing_library()}
    for shape in SHAPES:
        vk = export_vk(fixed_zkey(shape))
        files |= {
            vk_path(shape): dump_json(vk_to_json(vk)),
            verifier_path(shape): render_verifier(vk, verifier_name(shape)),
        }
    for path, text in files.items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                bad.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    if bad:
        print("out of date: " + ", ".join(bad), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
