"""Signature checks of operations: one at a time (`check_signatures`, inside `Exchange.apply`) or
many at once (`verify_signatures`: message hashes and EdDSA both batched in native code)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from native.eddsa import verify_many
from native.poseidon import poseidon_many
from protocol.errors import ErrorCode, Rejected
from sequencer.state import State


def signed_parts(st: State, op: Any) -> list[tuple[Any, Any, Any]]:
    """(public key, message, signature) triples an operation must carry valid signatures for."""
    parts = getattr(op, "signed_parts", None)
    return [] if parts is None else parts(st)


def check_signatures(st: State, op: Any) -> None:
    parts = signed_parts(st, op)
    if not parts:
        return
    hashes = [msg.hash(st.domain) for _, msg, _ in parts]
    ok = verify_many([p for p, _, _ in parts], hashes, [s for _, _, s in parts])
    if not all(ok):
        raise Rejected(ErrorCode.BAD_SIGNATURE, "signature does not verify")


def verify_signatures(st: State, ops: Sequence[Any]) -> list[bool]:
    """True where every signature of the operation is valid.  An operation whose signer is unknown
    (no such account yet) reports False."""
    triples: list[tuple[int, Any, Any, Any]] = []
    ok = [True] * len(ops)
    for i, op in enumerate(ops):
        try:
            parts = signed_parts(st, op)
        except Rejected:
            ok[i] = False
            continue
        triples.extend((i, p, m, s) for p, m, s in parts)
    by_arity: dict[int, list[int]] = {}
    rows: list[list[int]] = []
    for k, (_, _, m, _) in enumerate(triples):
        row = m.hash_row(st.domain)  # what m.hash(domain) hashes
        rows.append(row)
        by_arity.setdefault(len(row), []).append(k)
    hashes = [0] * len(triples)
    for ks in by_arity.values():
        for k, h in zip(ks, poseidon_many([rows[k] for k in ks]), strict=True):
            hashes[k] = h
    good = verify_many([t[1] for t in triples], hashes, [t[3] for t in triples])
    for (i, _, _, _), g in zip(triples, good, strict=True):
        ok[i] = ok[i] and g
    return ok
