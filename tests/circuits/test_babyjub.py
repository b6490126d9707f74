"""BabyJubJub twin: group law, subgroup, packing, against circomlibjs's babyjub."""

from __future__ import annotations

import json
import random

import pytest

from circuits.primitives import babyjub as bj
from tests.conftest import run_node_json

# The eight torsion points: (0, 1), (0, -1), (+-1/sqrt(a), 0) and four of order 8.
ORDER2 = (0, bj.P - 1)


def torsion_points() -> list[bj.Point]:
    # Any point times l lands in the torsion subgroup; the generator has order 8l, so l*G has order 8.
    t8 = bj.mul(bj.GENERATOR, bj.SUBORDER)
    return [bj.mul(t8, k) for k in range(8)]


def test_parameters() -> None:
    assert bj.on_curve(bj.GENERATOR) and bj.on_curve(bj.BASE8)
    assert bj.mul(bj.GENERATOR, 8) == bj.BASE8
    assert bj.mul(bj.BASE8, bj.SUBORDER) == bj.IDENTITY
    assert bj.mul(bj.GENERATOR, bj.SUBORDER) != bj.IDENTITY
    assert bj.in_subgroup(bj.BASE8) and not bj.in_subgroup(bj.GENERATOR)


def test_torsion() -> None:
    pts = torsion_points()
    assert len(set(pts)) == 8 and bj.IDENTITY in pts and ORDER2 in pts
    assert all(bj.on_curve(p) and bj.is_small_order(p) for p in pts)
    assert not bj.is_small_order(bj.BASE8) and not bj.is_small_order(bj.GENERATOR)


def test_group_law() -> None:
    rng = random.Random(1)
    for _ in range(5):
        a, b = rng.randrange(bj.SUBORDER), rng.randrange(bj.SUBORDER)
        pa, pb = bj.mul(bj.BASE8, a), bj.mul(bj.BASE8, b)
        assert bj.add(pa, pb) == bj.mul(bj.BASE8, (a + b) % bj.SUBORDER)
        assert bj.add(pa, bj.neg(pa)) == bj.IDENTITY
        assert bj.add(pa, bj.IDENTITY) == pa
        assert bj.mul(pa, 2) == bj.add(pa, pa)
    assert bj.mul(bj.BASE8, 0) == bj.IDENTITY


def test_on_curve_rejects_garbage() -> None:
    x, y = bj.BASE8
    for bad in [(x, y + 1), (x + bj.P, y), (x, y, 1), (x,), None, "xy", (x, float(y)), (True, 1), (-1, 1)]:
        assert not bj.on_curve(bad)


def test_pack_roundtrip_and_bad_encodings() -> None:
    rng = random.Random(2)
    for _ in range(10):
        p = bj.mul(bj.GENERATOR, rng.randrange(bj.ORDER))
        assert bj.unpack(bj.pack(p)) == p
    for p in torsion_points():
        assert bj.unpack(bj.pack(p)) == p
    assert bj.unpack(bj.P.to_bytes(32, "little")) is None  # y = p is not canonical
    assert bj.unpack(b"\x00" * 31) is None
    neg_zero = bytearray(bj.pack(bj.IDENTITY))
    neg_zero[31] |= 0x80
    assert bj.unpack(bytes(neg_zero)) is None  # x = 0 with the sign bit set
    # y = 2 has no x on the curve (1 - 4) / (a - 4d) is a non-square.
    assert any(bj.unpack(k.to_bytes(32, "little")) is None for k in range(2, 12))


@pytest.mark.node
def test_matches_circomlibjs() -> None:
    rng = random.Random(3)
    scalars = [rng.randrange(bj.ORDER) for _ in range(6)] + [0, 1, bj.SUBORDER, bj.SUBORDER - 1]
    pairs = [(rng.randrange(bj.ORDER), rng.randrange(bj.ORDER)) for _ in range(4)]
    script = """
      import { buildBabyjub } from 'circomlibjs';
      const bj = await buildBabyjub();
      const F = bj.F;
      const [scalars, pairs] = JSON.parse(process.argv[1]);
      const s = p => p === null ? null : [F.toObject(p[0]).toString(), F.toObject(p[1]).toString()];
      const muls = scalars.map(k => bj.mulPointEscalar(bj.Generator, BigInt(k)));
      const adds = pairs.map(([a, b]) => bj.addPoint(bj.mulPointEscalar(bj.Generator, BigInt(a)),
                                                     bj.mulPointEscalar(bj.Generator, BigInt(b))));
      const packed = muls.map(p => Buffer.from(bj.packPoint(p)).toString('hex'));
      const unpacked = packed.map(h => s(bj.unpackPoint(Buffer.from(h, 'hex'))));
      console.log(JSON.stringify({muls: muls.map(s), adds: adds.map(s), packed, unpacked,
                                  sub: muls.map(p => bj.inSubgroup(p))}));
    """
    out = run_node_json(script, json.dumps([[str(k) for k in scalars], [[str(a), str(b)] for a, b in pairs]]))
    assert isinstance(out, dict)
    for k, want, packed, unpacked, sub in zip(
        scalars, out["muls"], out["packed"], out["unpacked"], out["sub"], strict=True
    ):
        p = bj.mul(bj.GENERATOR, k)
        assert p == (int(want[0]), int(want[1]))
        assert bj.pack(p).hex() == packed
        if unpacked is None:
            # circomlibjs cannot unpack points with x = 0 (its square-root test fails on 0).
            assert p[0] == 0 and bj.unpack(bytes.fromhex(packed)) == p
        else:
            assert bj.unpack(bytes.fromhex(packed)) == (int(unpacked[0]), int(unpacked[1]))
        assert bj.in_subgroup(p) == sub
    for (a, b), want in zip(pairs, out["adds"], strict=True):
        assert bj.add(bj.mul(bj.GENERATOR, a), bj.mul(bj.GENERATOR, b)) == (int(want[0]), int(want[1]))
