"""EdDSA-Poseidon twin against circomlibjs prv2pub / signPoseidon / verifyPoseidon, in both directions,
plus the checks circomlibjs leaves out (small-order keys, S >= l)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from circuits.primitives import babyjub as bj
from circuits.primitives import eddsa
from circuits.primitives.field import R
from tests.circuits.test_babyjub import torsion_points
from tests.conftest import run_node_json

VERIFY_JS = """
  import { buildEddsa } from 'circomlibjs';
  const e = await buildEddsa();
  const F = e.F;
  const pt = p => [F.e(BigInt(p[0])), F.e(BigInt(p[1]))];
  const str = p => [F.toObject(p[0]).toString(), F.toObject(p[1]).toString()];
  const { keys, sigs } = JSON.parse(process.argv[1]);
  const pubs = keys.map(k => str(e.prv2pub(Buffer.from(k.prv, 'hex'))));
  const signed = keys.map(k => {
    const s = e.signPoseidon(Buffer.from(k.prv, 'hex'), F.e(BigInt(k.msg)));
    return { R8: str(s.R8), S: s.S.toString() };
  });
  const verdicts = sigs.map(c => e.verifyPoseidon(F.e(BigInt(c.msg)), { R8: pt(c.R8), S: BigInt(c.S) }, pt(c.A)));
  console.log(JSON.stringify({ pubs, signed, verdicts }));
"""


def circomlibjs(keys: list[tuple[bytes, int]], sigs: list[tuple[Any, int, eddsa.Signature]]) -> dict:
    payload = {
        "keys": [{"prv": prv.hex(), "msg": str(msg)} for prv, msg in keys],
        "sigs": [
            {"A": [str(a[0]), str(a[1])], "msg": str(msg), "R8": [str(s.R8[0]), str(s.R8[1])], "S": str(s.S)}
            for a, msg, s in sigs
        ],
    }
    out = run_node_json(VERIFY_JS, json.dumps(payload))
    assert isinstance(out, dict)
    return out


def random_keys(seed: int, n: int) -> list[tuple[bytes, int]]:
    rng = random.Random(seed)
    keys = [(rng.randbytes(32), rng.randrange(R)) for _ in range(n)]
    # Odd key lengths and edge messages: BLAKE-512 takes any length, msg is any field element.
    return [*keys, (b"", 0), (b"\x01" * 100, R - 1), (bytes(32), 1)]


@pytest.mark.node
def test_prv2pub_and_sign_match_circomlibjs() -> None:
    keys = random_keys(11, 5)
    out = circomlibjs(keys, [])
    for (prv, msg), pub, sig in zip(keys, out["pubs"], out["signed"], strict=True):
        assert eddsa.prv2pub(prv) == (int(pub[0]), int(pub[1]))
        ours = eddsa.sign(prv, msg)
        assert ours == eddsa.Signature(R8=(int(sig["R8"][0]), int(sig["R8"][1])), S=int(sig["S"]))
        assert eddsa.verify(eddsa.prv2pub(prv), msg, ours)


@pytest.mark.node
def test_verify_agrees_with_circomlibjs_both_ways() -> None:
    keys = random_keys(12, 4)
    cases: list[tuple[Any, int, eddsa.Signature]] = []
    for prv, msg in keys:
        pub, sig = eddsa.prv2pub(prv), eddsa.sign(prv, msg)
        other_pub = eddsa.prv2pub(prv + b"x")
        cases += [
            (pub, msg, sig),  # valid
            (pub, (msg + 1) % R, sig),  # changed message
            (other_pub, msg, sig),  # wrong key
            (pub, msg, eddsa.Signature(sig.R8, (sig.S + 1) % bj.SUBORDER)),  # changed S
            (pub, msg, eddsa.Signature(bj.neg(sig.R8), sig.S)),  # changed R8
        ]
    out = circomlibjs([], cases)
    for (pub, msg, sig), verdict in zip(cases, out["verdicts"], strict=True):
        assert eddsa.verify(pub, msg, sig) == verdict


def small_order_forgeries() -> list[tuple[bj.Point, int, eddsa.Signature]]:
    # With A of small order, 8*hm*A vanishes: R8 = S*B8 "verifies" any message under circomlibjs.
    s = 12345
    return [(t, 42, eddsa.Signature(bj.mul(bj.BASE8, s), s)) for t in torsion_points()]


@pytest.mark.node
def test_extra_checks_reject_what_circomlibjs_accepts() -> None:
    prv, msg = b"k" * 32, 777
    pub, sig = eddsa.prv2pub(prv), eddsa.sign(prv, msg)
    # S + l satisfies the curve equation too; circomlibjs rejects it as well (S >= subOrder).
    malleated = eddsa.Signature(sig.R8, sig.S + bj.SUBORDER)
    # R8 + T (T of order 2) with a small-order A changes nothing in 8*hm*A but R8 itself is fine.
    forged = small_order_forgeries()
    out = circomlibjs([], [*forged, (pub, msg, malleated)])
    assert all(out["verdicts"][: len(forged)]), "circomlibjs accepts small-order keys"
    assert not out["verdicts"][-1]
    for a, m, s in forged:
        assert not eddsa.verify(a, m, s)
    assert not eddsa.verify(pub, msg, malleated)


def test_small_order_r8_rejected() -> None:
    prv = b"q" * 32
    pub = eddsa.prv2pub(prv)
    for t in torsion_points():
        assert not eddsa.verify(pub, 5, eddsa.Signature(t, 3))


@pytest.mark.parametrize(
    "bad",
    [
        None,
        (),
        (1, 2),
        ((1, 2), 3),
        ((bj.BASE8[0], bj.BASE8[1] + 1), 1),  # R8 off curve
        ((bj.BASE8[0] + bj.P, bj.BASE8[1]), 1),  # R8 not canonical
        (bj.BASE8, -1),
        (bj.BASE8, bj.SUBORDER),
        (bj.BASE8, 2**300),
        (bj.BASE8, 1.5),
        (bj.BASE8, True),
        ("R8", "S"),
        [bj.BASE8, 1],  # a list is not a signature
    ],
)
def test_verify_never_raises(bad: Any) -> None:
    pub = eddsa.prv2pub(b"z" * 32)
    assert eddsa.verify(pub, 1, bad) is False


@pytest.mark.parametrize("pub", [None, (1, 2), (0, 1), (0, R - 1), bj.BASE8[:1], "ab", (bj.BASE8[0], -5)])
@pytest.mark.parametrize("msg", [1, R, -1, None, 2.0])
def test_verify_bad_key_or_message(pub: Any, msg: Any) -> None:
    prv = b"w" * 32
    sig = eddsa.sign(prv, 1)
    assert eddsa.verify(pub, msg, sig) is False
    assert eddsa.verify(eddsa.prv2pub(prv), msg, sig) is (msg == 1 and not isinstance(msg, float))


def test_sign_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        eddsa.sign(b"k", R)
    with pytest.raises(TypeError):
        eddsa.sign("not bytes", 1)  # type: ignore[arg-type]


def test_signature_packing() -> None:
    prv = b"p" * 32
    sig = eddsa.sign(prv, 99)
    assert eddsa.unpack_signature(eddsa.pack_signature(sig)) == sig
    assert eddsa.unpack_signature(b"\x00" * 63) is None
