"""Native BabyJubJub and batched EdDSA-Poseidon verification against their pure-Python twins."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.primitives import babyjub as bj
from circuits.primitives import eddsa as ref
from circuits.primitives.field import R
from native import babyjub as nbj
from native import eddsa as nat
from tests.circuits.test_babyjub import torsion_points

VERIFIERS = [pytest.param(nat.verify, id="c"), pytest.param(ref.verify, id="py")]
MULS = [pytest.param(nbj.mul, id="c"), pytest.param(bj.mul, id="py")]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, bj.ORDER - 1), st.integers(0, 2**256 - 1))
def test_curve_ops_match_twin(a: int, k: int) -> None:
    p = bj.mul(bj.GENERATOR, a)
    assert nbj.mul(p, k) == bj.mul(p, k)
    assert nbj.mul_base8(k) == bj.mul(bj.BASE8, k)
    assert nbj.add(p, bj.BASE8) == bj.add(p, bj.BASE8)


def test_curve_edge_points() -> None:
    for t in torsion_points():
        assert nbj.add(t, t) == bj.add(t, t)
        assert nbj.mul(t, 3) == bj.mul(t, 3)
    assert nbj.mul(bj.BASE8, bj.SUBORDER) == bj.IDENTITY
    assert nbj.mul_base8(0) == bj.IDENTITY
    with pytest.raises(ValueError, match="p2"):
        nbj.add(bj.BASE8, (1, 2))
    with pytest.raises(ValueError):
        nbj.mul((bj.P, 1), 1)


def torsion_key_signature(prv: bytes, msg: int) -> tuple[Any, Any, Any]:
    """A valid signature under A + T (T of order 4): not small-order, so accepted, and the 8 in
    8*hm*A removes T; the C side multiplies 8A by the unreduced hm, which must agree."""
    s = ref.secret_scalar(prv)
    a_t = bj.add(ref.prv2pub(prv), torsion_points()[2])
    r = 1234567 + msg % 1000
    r8 = bj.mul(bj.BASE8, r)
    return (a_t, msg, ref.Signature(r8, (r + ref.message_hash(r8, a_t, msg) * s) % bj.SUBORDER))


def signed_cases(seed: int, n: int) -> list[tuple[Any, Any, Any]]:
    rng = random.Random(seed)
    cases: list[tuple[Any, Any, Any]] = []
    for _ in range(n):
        prv, msg = rng.randbytes(32), rng.randrange(R)
        pub, sig = ref.prv2pub(prv), ref.sign(prv, msg)
        cases += [
            (pub, msg, sig),
            (pub, (msg + 1) % R, sig),
            (pub, msg, ref.Signature(sig.R8, sig.S + bj.SUBORDER)),
            (pub, msg, ref.Signature(bj.add(sig.R8, torsion_points()[4]), sig.S)),
            (bj.add(pub, torsion_points()[2]), msg, sig),
            torsion_key_signature(prv, msg),
        ]
    return cases


def bad_cases() -> list[tuple[Any, Any, Any]]:
    prv = b"n" * 32
    pub, sig = ref.prv2pub(prv), ref.sign(prv, 9)
    s = 4242
    forged = [(t, 9, ref.Signature(bj.mul(bj.BASE8, s), s)) for t in torsion_points()]
    return [
        *forged,
        (pub, 9, ref.Signature(torsion_points()[1], sig.S)),
        (pub, R + 9, sig),
        (pub, -9, sig),
        (pub, 9, ref.Signature((sig.R8[0] + bj.P, sig.R8[1]), sig.S)),
        (pub, 9, ref.Signature((sig.R8[0], sig.R8[1] + 1), sig.S)),
        (pub, 9, ref.Signature(sig.R8, 2**256)),
        (pub, 9, (sig.R8,)),
        (pub, 9, None),
        ((pub[0],), 9, sig),
        ("pub", 9, sig),
        (pub, "9", sig),
        (pub, True, sig),
        ((pub[0], pub[1], 0), 9, sig),
    ]


@pytest.mark.parametrize("verify", VERIFIERS)
def test_verify_cases(verify: Any) -> None:
    for pub, msg, sig in signed_cases(21, 3) + bad_cases():
        assert verify(pub, msg, sig) == ref.verify(pub, msg, sig)
    assert (
        sum(ref.verify(*c) for c in signed_cases(21, 3)) == 6
    )  # per key: the plain and the torsion-key signature


def test_verify_many_matches_twin() -> None:
    cases = signed_cases(22, 6) + bad_cases()
    random.Random(0).shuffle(cases)
    pubs, msgs, sigs = (list(x) for x in zip(*cases, strict=True))
    assert nat.verify_many(pubs, msgs, sigs) == [ref.verify(*c) for c in cases]
    assert nat.verify_many([], [], []) == []
    with pytest.raises(ValueError, match="equal lengths"):
        nat.verify_many(pubs, msgs[:-1], sigs)


@settings(max_examples=10, deadline=None)
@given(st.binary(min_size=0, max_size=40), st.integers(0, R - 1), st.integers(0, R - 1))
def test_random_signatures(prv: bytes, msg: int, other: int) -> None:
    pub, sig = ref.prv2pub(prv), ref.sign(prv, msg)
    assert nat.verify(pub, msg, sig) and ref.verify(pub, msg, sig)
    assert nat.verify(pub, other, sig) == ref.verify(pub, other, sig) == (other == msg)


def edge_scalar_cases() -> list[tuple[Any, Any, Any]]:
    """Signatures whose S sits at the ends of its range, whose R8 or key is the identity or of
    low order, and keys/nonces that make the joint double-and-add start from the identity."""
    prv = b"e" * 32
    pub, sig = ref.prv2pub(prv), ref.sign(prv, 77)
    cases: list[tuple[Any, Any, Any]] = []
    for s in (0, 1, 2, bj.SUBORDER - 1, bj.SUBORDER, bj.SUBORDER + 1):
        cases.append((pub, 77, ref.Signature(sig.R8, s)))
        cases.append((pub, 77, ref.Signature(bj.BASE8, s)))
    cases += [
        (pub, 77, ref.Signature(bj.IDENTITY, sig.S)),
        (bj.IDENTITY, 77, sig),
        (bj.IDENTITY, 77, ref.Signature(bj.IDENTITY, 0)),
        (bj.BASE8, 0, ref.Signature(bj.BASE8, 0)),
        *[(pub, 77, ref.Signature(t, 0)) for t in torsion_points()],
    ]
    # key A = 5 * Base8: S * Base8 == R8 + 8 hm A holds for S = r + 40 hm mod l and R8 = r * Base8
    for r in (1, 2, bj.SUBORDER - 1):
        r8 = bj.mul(bj.BASE8, r)
        a = bj.mul(bj.BASE8, 5)
        hm = ref.message_hash(r8, a, 3)
        cases.append((a, 3, ref.Signature(r8, (r + 40 * hm) % bj.SUBORDER)))
    return cases


@pytest.mark.parametrize("verify", VERIFIERS)
def test_verify_edge_scalars(verify: Any) -> None:
    cases = edge_scalar_cases()
    assert [verify(*c) for c in cases] == [ref.verify(*c) for c in cases]
    assert sum(ref.verify(*c) for c in cases[-3:]) == 3


def test_verify_many_edges_match_twin() -> None:
    cases = edge_scalar_cases() + signed_cases(23, 2)
    pubs, msgs, sigs = (list(x) for x in zip(*cases, strict=True))
    assert nat.verify_many(pubs, msgs, sigs) == [ref.verify(*c) for c in cases]
