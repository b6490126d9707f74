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
from functools import cache
from types import ModuleType
from typing import Any

__all__ = ["Engine", "get_engine"]

_MODULES = ("curve", "msm", "ntt", "pairing", "fields", "groth16", "fixed_base")


class Engine:
    """The core's modules, each imported on first use (a prover that never touches the pairing
    module never imports it)."""

    def __init__(self, choice: str) -> None:
        self.choice = choice  # "native", "ref" or "auto" (native module if built, else its twin)
        self._mods: dict[str, ModuleType] = {}

    def _module(self, name: str) -> ModuleType:
        mod = self._mods.get(name)
        if mod is None:
            if self.choice == "ref":
                mod = importlib.import_module(f"native.ref.{name}")
            elif self.choice == "native":
                mod = importlib.import_module(f"native.{name}")
            else:
                try:
                    mod = importlib.import_module(f"native.{name}")
                except ImportError:
                    mod = importlib.import_module(f"native.ref.{name}")
            self._mods[name] = mod
        return mod

    @property
    def name(self) -> str:
        """ "native" when every module is native, "ref" when all are twins, else "mixed"."""
        kinds = {self._module(m).__name__.startswith("native.ref.") for m in _MODULES}
        return "ref" if kinds == {True} else "native" if kinds == {False} else "mixed"

    curve = property(lambda self: self._module("curve"))
    msm = property(lambda self: self._module("msm"))
    ntt = property(lambda self: self._module("ntt"))
    pairing = property(lambda self: self._module("pairing"))
    fields = property(lambda self: self._module("fields"))
    groth16 = property(lambda self: self._module("groth16"))
    fixed_base = property(lambda self: self._module("fixed_base"))

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


@cache
def get_engine(name: str | None = None) -> Engine:
    """The named engine, else $ZKCLEAR_ENGINE, else "auto": each module native when built, its
    reference twin otherwise."""
    choice = name or os.environ.get("ZKCLEAR_ENGINE") or "auto"
    if choice not in ("native", "ref", "auto"):
        raise ValueError(f"unknown engine {choice!r} (use 'native' or 'ref')")
    return Engine(choice)
