"""Native MSM against the py_ecc twin (small sizes) and against known sums (larger sizes, C only)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native import curve as nc
from native import msm as nm
from native.fields import FR
from native.ref import curve as rc
from native.ref import msm as rm

R = rc.R
EDGE = [0, 1, 2, R - 1, R - 2, (R - 1) // 2, (R + 1) // 2, 2**64, R - 2**64]
BACKENDS = [pytest.param(nm, id="c"), pytest.param(rm, id="py")]
GROUPS = [pytest.param(nc.G1, "msm_g1", id="G1"), pytest.param(nc.G2, "msm_g2", id="G2")]

scalar = st.sampled_from(EDGE) | st.integers(0, R - 1) | st.integers(0, 2**20)


def enc(ks: list[int]) -> bytes:
    return b"".join(k.to_bytes(32, "little") for k in ks)


def points_for(g, seeds: list[int]) -> list:
    """Points k*G for the seeds; seed 0 is the point at infinity."""
    return [g.mul(g.generator, s) if s else None for s in seeds]


@settings(max_examples=12, deadline=None)
@given(data=st.data())
@pytest.mark.parametrize(("g", "fn"), GROUPS)
def test_native_matches_twin(g, fn, data) -> None:
    n = data.draw(st.integers(1, 12 if g.degree == 1 else 5))
    seeds = data.draw(st.lists(st.integers(0, 50), min_size=n, max_size=n))
    ks = data.draw(st.lists(scalar, min_size=n, max_size=n))
    pts = g.to_lem_many(points_for(g, seeds))
    assert getattr(nm, fn)(pts, enc(ks)) == getattr(rm, fn)(pts, enc(ks))


@pytest.mark.parametrize("mod", BACKENDS)
@pytest.mark.parametrize(("g", "fn"), GROUPS)
def test_edge_cases(mod, g, fn) -> None:
    msm = getattr(mod, fn)
    gen = g.generator
    assert msm(b"", b"") is None
    assert msm(g.to_lem(gen), enc([0])) is None
    assert msm(g.to_lem(None), enc([5])) is None
    assert msm(g.to_lem(gen), enc([1])) == gen
    assert msm(g.to_lem(gen), enc([R - 1])) == g.neg(gen)
    # P and -P cancel; equal points double
    pts = g.to_lem_many([gen, g.neg(gen), gen, gen])
    assert msm(pts, enc([3, 3, 1, 1])) == g.mul(gen, 2)
    # scalars in Montgomery form
    ks = [7, R - 3, 1]
    three = g.to_lem_many([gen, gen, g.double(gen)])
    assert msm(three, bytes(FR.vec_to_mont(enc(ks))), scalars_mont=True) == g.mul(gen, 7 - 3 + 2)


@pytest.mark.parametrize("mod", BACKENDS)
@pytest.mark.parametrize(("g", "fn"), GROUPS)
def test_bad_input(mod, g, fn) -> None:
    msm = getattr(mod, fn)
    gen = g.to_lem(g.generator)
    with pytest.raises(ValueError, match="as many scalars"):
        msm(gen + gen, enc([1]))
    with pytest.raises(ValueError, match="multiple"):
        msm(gen[:-1], enc([1]))
    with pytest.raises(ValueError, match="multiple of 32"):
        msm(gen, enc([1])[:-1])
    with pytest.raises(ValueError, match="scalar 1 is not canonical"):
        msm(gen + gen, enc([1, R]))
    off = g.to_lem((1, 3) if g.degree == 1 else ((1, 0), (1, 1)))
    with pytest.raises(ValueError, match="point 1 is not on the curve"):
        msm(gen + off, enc([1, 1]))
    assert msm(gen + off, enc([1, 0]), check_points=False) is not None  # trusted input: no check, no crash
    raw = bytearray(gen)
    raw[0:32] = rc.P.to_bytes(32, "little")
    with pytest.raises(ValueError, match="point 0: coordinate is not canonical"):
        msm(bytes(raw), enc([1]))
    with pytest.raises(TypeError):
        msm("points", enc([1]))


def test_buffer_kinds() -> None:
    """numpy arrays, memoryview slices and bytearrays are taken in place."""
    g = nc.G1
    pts = g.progression(g.generator, g.generator, 8)  # 1G .. 8G
    ks = enc(list(range(1, 9)))
    expect = g.mul(g.generator, sum(k * k for k in range(1, 9)))
    assert nm.msm_g1(np.frombuffer(pts, dtype=np.uint64), np.frombuffer(ks, dtype=np.uint8)) == expect
    assert nm.msm_g1(memoryview(pts)[64:], memoryview(ks)[32:]) == g.mul(
        g.generator, sum(k * k for k in range(2, 9))
    )
    assert nm.msm_g1(bytearray(pts), bytearray(ks)) == expect


def known_sum(g, n: int, ks: list[int], s: int, d: int, step_is_inf: bool = False) -> tuple[bytes, object]:
    start = g.mul(g.generator, s)
    step = None if step_is_inf else g.mul(g.generator, d)
    pts = g.progression(start, step, n)
    total = sum(k * ((s + (0 if step_is_inf else i * d)) % R) for i, k in enumerate(ks)) % R
    return pts, g.mul(g.generator, total)


@pytest.mark.parametrize(
    "kind", ["random", "witness", "repeated-scalar", "repeated-point", "small", "negative-small"]
)
def test_g1_larger_sizes_against_known_sums(kind: str) -> None:
    """Sizes where the batch-affine path, the queue and the Jacobian overflow all run."""
    rng = random.Random(kind)
    n = 6000
    ks = {
        "random": lambda: [rng.randrange(R) for _ in range(n)],
        "witness": lambda: [
            rng.choice([0, 0, 0, 1, 1, R - 1, 2, rng.randrange(2**32), rng.randrange(R)]) for _ in range(n)
        ],
        "repeated-scalar": lambda: [12345678901234567890123] * n,
        "repeated-point": lambda: [rng.randrange(R) for _ in range(n)],
        "small": lambda: [rng.randrange(2**16) for _ in range(n)],
        "negative-small": lambda: [R - rng.randrange(1, 2**16) for _ in range(n)],
    }[kind]()
    pts, expect = known_sum(nc.G1, n, ks, rng.randrange(R), rng.randrange(R), kind == "repeated-point")
    assert nm.msm_g1(pts, enc(ks)) == expect
    mont = FR.vec_to_mont(enc(ks))
    assert nm.msm_g1(pts, mont, scalars_mont=True) == expect


def test_g2_larger_size_against_known_sum() -> None:
    rng = random.Random(2)
    n = 3000
    ks = [rng.choice([0, 1, R - 1, rng.randrange(R), rng.randrange(R)]) for _ in range(n)]
    pts, expect = known_sum(nc.G2, n, ks, rng.randrange(R), rng.randrange(R))
    assert nm.msm_g2(pts, enc(ks)) == expect


@pytest.mark.slow
@pytest.mark.parametrize(("g", "fn", "n"), [(nc.G1, "msm_g1", 1 << 18), (nc.G2, "msm_g2", 1 << 16)])
def test_big_sizes_against_known_sums(g, fn, n) -> None:
    rng = random.Random(n)
    ks = [rng.randrange(R) for _ in range(n)]
    pts, expect = known_sum(g, n, ks, rng.randrange(R), rng.randrange(R))
    assert getattr(nm, fn)(pts, enc(ks)) == expect


def digit_pattern_scalars(c: int, rng: random.Random, n: int) -> list[int]:
    """Scalars whose c-bit windows sit on the recoding's edge cases: every window 2^(c-1) - 1 (the
    carry threshold), 2^(c-1), all ones, runs of ones crossing windows, and random ones."""
    half = 1 << (c - 1)
    thr = sum((half - 1) << (c * j) for j in range(256 // c + 1)) % (1 << 253)
    edge = sum(half << (c * j) for j in range(256 // c + 1)) % (1 << 253)
    specials = [thr, thr + 1, thr - 1, edge, edge - 1, (1 << 253) - 1, (1 << 200) - 1, (1 << (3 * c)) - 1]
    specials += [R - s for s in specials if 0 < s < R]
    return [rng.choice(specials) if rng.random() < 0.6 else rng.randrange(R) for _ in range(n)]


@pytest.mark.parametrize("c", [2, 3, 5, 8, 11, 12, 13, 16])
def test_every_window_size_against_known_sums(c, monkeypatch) -> None:
    """The signed-digit recoding (carry computed per window) for each window size c, on the
    Jacobian path (small n) and, for c >= 8, the batch-affine path."""
    monkeypatch.setenv("ZK_MSM_WINDOW", str(c))
    rng = random.Random(c)
    for n in (200, 2600) if c >= 8 else (200,):
        ks = digit_pattern_scalars(c, rng, n)
        pts, expect = known_sum(nc.G1, n, ks, rng.randrange(R), rng.randrange(R))
        assert nm.msm_g1(pts, enc(ks)) == expect
    ks = digit_pattern_scalars(c, rng, 64)
    pts, expect = known_sum(nc.G2, 64, ks, rng.randrange(R), rng.randrange(R))
    assert nm.msm_g2(pts, enc(ks)) == expect


@pytest.mark.parametrize("kind", ["digit-patterns", "repeated-point", "repeated-scalar"])
@pytest.mark.parametrize(("g", "fn", "n"), [(nc.G1, "msm_g1", 2600), (nc.G2, "msm_g2", 2100)])
def test_affine_bucket_reduction_against_known_sums(g, fn, n, kind, monkeypatch) -> None:
    """c = 13 (4,096 buckets): the lockstep affine bucket reduction, with the Jacobian overflow
    folded in (repeated scalars) and its doubling and opposite-point cases (repeated points)."""
    monkeypatch.setenv("ZK_MSM_WINDOW", "13")
    rng = random.Random(f"{kind}{n}")
    if kind == "repeated-scalar":
        ks = [rng.choice([12345678901234567890123, R - 98765]) for _ in range(n)]
    else:
        ks = digit_pattern_scalars(13, rng, n)
    pts, expect = known_sum(g, n, ks, rng.randrange(R), rng.randrange(R), kind == "repeated-point")
    assert getattr(nm, fn)(pts, enc(ks)) == expect


@pytest.mark.parametrize("threads", [1, 4])
def test_scalar_classification_across_chunks(threads) -> None:
    """n = 70,000 with 4 threads: the scalars are classified in four chunks of 17,500 whose classes
    are then closed up; zeros, +-1, points at infinity and a chunk of only trivial scalars around
    the seams must give the same sum as one chunk, and a bad scalar is reported by its lowest index."""
    from native._lib import lib

    g, n = nc.G1, 70000
    rng = random.Random(70000)
    ks = [rng.choice([0, 1, R - 1, rng.randrange(2**40), rng.randrange(R)]) for _ in range(n)]
    ks[17500 * 2 : 17500 * 3] = [rng.choice([0, 1, R - 1]) for _ in range(17500)]
    s, d = rng.randrange(R), rng.randrange(R)
    pts = bytearray(g.progression(g.mul(g.generator, s), g.mul(g.generator, d), n))
    inf = {0, 17499, 17500, 17501, 52499, 52500, n - 1} | set(rng.sample(range(n), 100))
    for i in inf:
        pts[64 * i : 64 * i + 64] = bytes(64)
    total = sum(k * (s + i * d) for i, k in enumerate(ks) if i not in inf) % R
    lib.zk_set_num_threads(threads)
    try:
        assert nm.msm_g1(pts, enc(ks)) == g.mul(g.generator, total)
        assert nm.msm_g1(pts, FR.vec_to_mont(enc(ks)), scalars_mont=True) == g.mul(g.generator, total)
        bad = list(ks)
        bad[60000] = R
        bad[40000] = R + 5
        with pytest.raises(ValueError, match="scalar 40000 is not canonical"):
            nm.msm_g1(pts, enc(bad))
    finally:
        lib.zk_set_num_threads(0)


@pytest.mark.parametrize("kind", ["random", "repeated-point", "repeated-scalar"])
@pytest.mark.parametrize(("c", "g", "fn", "n"), [(13, nc.G1, "msm_g1", 8300), (10, nc.G2, "msm_g2", 1100)])
def test_top_window_replicas_against_known_sums(c, g, fn, n, kind, monkeypatch) -> None:
    """The top window of 253-bit scalars reaches few buckets (64 of 4,096 at c = 13, 8 of 512 at
    c = 10): its additions are spread over replicas of those buckets and folded back; repeated
    points and scalars put equal and opposite points in the replicas being folded."""
    monkeypatch.setenv("ZK_MSM_WINDOW", str(c))
    rng = random.Random(f"replicas{c}{kind}")
    if kind == "repeated-scalar":
        ks = [rng.choice([(1 << 252) + 12345, R - (1 << 251) - 7]) for _ in range(n)]
    else:
        ks = [rng.randrange(R) for _ in range(n)]
    pts, expect = known_sum(g, n, ks, rng.randrange(R), rng.randrange(R), kind == "repeated-point")
    assert getattr(nm, fn)(pts, enc(ks)) == expect


def test_top_window_replicas_with_affine_reduction(monkeypatch) -> None:
    """c = 16: the top window reaches 8,192 of 32,768 buckets, so after folding its four replicas
    it still takes the lockstep affine reduction."""
    monkeypatch.setenv("ZK_MSM_WINDOW", "16")
    rng = random.Random(16)
    n = 1 << 16
    ks = [rng.randrange(R) for _ in range(n)]
    pts, expect = known_sum(nc.G1, n, ks, rng.randrange(R), rng.randrange(R))
    assert nm.msm_g1(pts, enc(ks)) == expect
