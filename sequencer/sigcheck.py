"""Signature checking, the one implementation the exchange and the node's pipeline share.

A check is (signer key, Poseidon input row of the signed message, signature).  `check_all`
hashes every row (one native `poseidon_many` call per row width) and verifies every signature
(one native `verify_many` call).  Both native calls release the GIL, so the node runs it in a
worker thread while its loop thread keeps serving; `Exchange.verify_signatures` and
`Exchange.apply(verify=True)` run it inline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from circuits.primitives.eddsa import Signature
from native.eddsa import verify_many
from native.poseidon import poseidon_many


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
