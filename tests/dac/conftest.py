"""The in-process EVM of the contract tests (a fresh chain per test from one snapshot)."""

from tests.contracts.conftest import _chain, chain

__all__ = ["_chain", "chain"]
