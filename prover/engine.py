"""Which implementation of the BN254 core the prover runs on: the native C core (`native.*`, the
default) or its pure-Python twins (`native.ref.*`, py_ecc-based: the slow reference, used by the
twin tests and on a machine where the C extension lacks a module).

`ZKCLEAR_ENGINE=ref` (or `native`) overrides the choice; `get_engine("ref")` picks one explicitly.
Both expose the same functions, so every prover and setup routine takes an engine and the tests
run them on both and compare.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

__all__ = ["Engine", "get_engine"]

_MODULES = ("curve", "msm", "ntt", "pairing", "fields", "groth16")


@dataclass(frozen=True)
class Engine:
    name: str
    curve: ModuleType
    msm: ModuleType
    ntt: ModuleType
    pairing: ModuleType
    fields: ModuleType
    groth16: ModuleType

    @property
    def G1(self) -> Any:
        return self.curve.G1

    @property
    def G2(self) -> Any:
        return self.curve.G2

    @property
    def FR(self) -> Any:
        return self.fields.FR

    def group(self, name: str) -> Any:
        if name == "G1":
            return self.curve.G1
        if name == "G2":
            return self.curve.G2
        raise ValueError(f"unknown group {name!r}")


def _load(package: str) -> Engine:
    mods = {m: importlib.import_module(f"{package}.{m}") for m in _MODULES}
    return Engine(name="ref" if package.endswith("ref") else "native", **mods)


@cache
def get_engine(name: str | None = None) -> Engine:
    """The named engine, else $ZKCLEAR_ENGINE, else "auto": each module native when built, its
    reference twin otherwise (engine name "native" when all are native, else "mixed")."""
    choice = name or os.environ.get("ZKCLEAR_ENGINE") or "auto"
    if choice == "ref":
        return _load("native.ref")
    if choice == "native":
        return _load("native")
    if choice != "auto":
        raise ValueError(f"unknown engine {choice!r} (use 'native' or 'ref')")
    # Module by module, so a partly built core (a new module not compiled yet) still runs.
    mods: dict[str, ModuleType] = {}
    for m in _MODULES:
        try:
            mods[m] = importlib.import_module(f"native.{m}")
        except ImportError:
            mods[m] = importlib.import_module(f"native.ref.{m}")
    native = all(not mod.__name__.startswith("native.ref.") for mod in mods.values())
    return Engine(name="native" if native else "mixed", **mods)
