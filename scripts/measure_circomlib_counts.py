"""Measure circomlib's constraint counts with circom2 (node_modules) for the gadgets we compare with.

Writes tests/circuits/circomlib_counts.json (generated, do not edit): for each entry, the circom
main component, and the non-linear + linear constraint counts circom2 --O2 reports.  Run it with
the project venv from the repository root: `.venv/bin/python scripts/measure_circomlib_counts.py`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "circuits" / "circomlib_counts.json"

# name -> (include, main component expression)
MAINS: dict[str, tuple[str, str]] = {
    **{f"Poseidon({n})": ("poseidon.circom", f"Poseidon({n})") for n in range(1, 17)},
    "Num2Bits(64)": ("bitify.circom", "Num2Bits(64)"),
    "Num2Bits(254)": ("bitify.circom", "Num2Bits(254)"),
    "Num2Bits_strict": ("bitify.circom", "Num2Bits_strict()"),
    "LessThan(64)": ("comparators.circom", "LessThan(64)"),
    "LessThan(252)": ("comparators.circom", "LessThan(252)"),
    "IsZero": ("comparators.circom", "IsZero()"),
    "IsEqual": ("comparators.circom", "IsEqual()"),
    "Mux1": ("mux1.circom", "Mux1()"),
    "BabyAdd": ("babyjub.circom", "BabyAdd()"),
    "BabyDbl": ("babyjub.circom", "BabyDbl()"),
    "BabyCheck": ("babyjub.circom", "BabyCheck()"),
    "EscalarMulAny(254)": ("escalarmulany.circom", "EscalarMulAny(254)"),
    "EdDSAPoseidonVerifier": ("eddsaposeidon.circom", "EdDSAPoseidonVerifier()"),
    # One 512-bit block: a 55-byte message (440 bits) pads to exactly one block.
    "Sha256(440)": ("sha256/sha256.circom", "Sha256(440)"),
}

COUNT = re.compile(r"(non-linear|linear) constraints: (\d+)")


def measure(name: str, include: str, main: str, work: Path) -> dict[str, int]:
    src = work / "main.circom"
    src.write_text(
        f'pragma circom 2.0.0;\ninclude "circomlib/circuits/{include}";\ncomponent main = {main};\n'
    )
    # circom2 runs under WASI with the working directory as its root: pass relative paths.
    proc = subprocess.run(
        [str(ROOT / "node_modules/.bin/circom2"), str(src.relative_to(ROOT)), "--r1cs", "--O2", "-l", "node_modules",
         "-o", str(work.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    found = dict((k, int(v)) for k, v in COUNT.findall(proc.stdout))
    if proc.returncode != 0 or len(found) != 2:
        raise SystemExit(f"circom2 failed on {name}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return {"non_linear": found["non-linear"], "linear": found["linear"], "total": sum(found.values())}


def main() -> None:
    only = set(sys.argv[1:])
    counts = json.loads(OUT.read_text())["counts"] if OUT.exists() else {}
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        for name, (include, main) in MAINS.items():
            if only and name not in only:
                continue
            counts[name] = measure(name, include, main, Path(tmp))
            print(f"{name:24s} {counts[name]}", flush=True)
    doc = {
        "_generated": "by scripts/measure_circomlib_counts.py (circom2 --O2 on node_modules/circomlib), do not edit",
        "counts": counts,
    }
    OUT.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
