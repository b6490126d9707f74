"""What both witness VMs share, kept free of the compiled extension: the tape's error and the call
of a Python hint.  The engines are native.witness (C) and circuits.dsl.vm (its pure-Python twin);
the opcode numbers are the generated native.witness_ops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from native.constants import R


class TapeError(ValueError):
    """A malformed tape (bad opcode, slot out of range, failing Python hint)."""


def run_py_hint(
    py_hints: Sequence[Callable[[list[int]], list[int]]], hint: int, ins: list[int], n_out: int
) -> list[int]:
    """Call a Python hint and check it returned n_out canonical values."""
    if not 0 <= hint < len(py_hints):
        raise TapeError(f"python hint {hint} does not exist")
    try:
        res = list(py_hints[hint](ins))
    except Exception as exc:
        raise TapeError(f"python hint {hint} failed: {exc}") from exc
    if len(res) != n_out or not all(isinstance(v, int) for v in res):
        raise TapeError(f"python hint {hint} must return {n_out} ints")
    return [v % R for v in res]
