"""Signature checks of operations: the one implementation the exchange and the node's pipeline share.

A check is (signer key, Poseidon input row of the signed message, signature).  `check_all` hashes
every row (one native `poseidon_many` call per row width) and verifies every signature (one native
`verify_many` call).  Both native calls release the GIL, so the node runs it in a worker thread
while its loop thread keeps serving; `Exchange.verify_signatures` (many operations at once) and
`Exchange.apply(verify=True)` (`check_signatures`, one operation) run it inline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from circuits.primitives.eddsa import Signature
from native.eddsa import verify_many
from native.poseidon import poseidon_many
from protocol.errors import ErrorCode, Rejected
from sequencer.state import State


@dataclass(frozen=True, slots=True)
class SigCheck:
    """One signature to check: the signer's key, the Poseidon input row of the signed message
    (`msg.hash_row(domain)`) and the signature."""

    pub: tuple[int, int]
    row: list[int]
    sig: Signature


def check_all(checks: Sequence[SigCheck]) -> list[bool]:
    """True where the signature verifies against its key and the Poseidon hash of its row."""
    if not checks:
        return []
    by_width: dict[int, list[int]] = {}
    for k, c in enumerate(checks):
        by_width.setdefault(len(c.row), []).append(k)
    hashes = [0] * len(checks)
    for ks in by_width.values():
        for k, h in zip(ks, poseidon_many([checks[k].row for k in ks]), strict=True):
            hashes[k] = h
    return verify_many([c.pub for c in checks], hashes, [c.sig for c in checks])


def signed_parts(st: State, op: Any) -> list[tuple[Any, Any, Any]]:
    """(public key, message, signature) triples an operation must carry valid signatures for."""
    parts = getattr(op, "signed_parts", None)
    return [] if parts is None else parts(st)


def check_signatures(st: State, op: Any) -> None:
    parts = signed_parts(st, op)
    if parts and not all(check_all([SigCheck(p, m.hash_row(st.domain), s) for p, m, s in parts])):
        raise Rejected(ErrorCode.BAD_SIGNATURE, "signature does not verify")


def verify_signatures(st: State, ops: Sequence[Any]) -> list[bool]:
    """True where every signature of the operation is valid.  An operation whose signer is unknown
    (no such account yet) reports False."""
    ok = [True] * len(ops)
    owners: list[int] = []
    checks: list[SigCheck] = []
    for i, op in enumerate(ops):
        try:
            parts = signed_parts(st, op)
        except Rejected:
            ok[i] = False
            continue
        for p, m, s in parts:
            owners.append(i)
            checks.append(SigCheck(p, m.hash_row(st.domain), s))
    for i, good in zip(owners, check_all(checks), strict=True):
        ok[i] = ok[i] and good
    return ok
