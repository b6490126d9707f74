"""native.groth16 (C) against its twin native.ref.groth16 (py_ecc): random inputs (hypothesis),
edge values (infinity, scalars 0, 1, -1), and bad input refused with the same errors."""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native import groth16 as C
from native.ref import groth16 as P
from native.ref.curve import G1, G2

R = P.R
GROUPS = [pytest.param("G1", G1, id="G1"), pytest.param("G2", G2, id="G2")]
EDGE_SCALARS = [0, 1, 2, R - 1, R - 2, (R - 1) // 2, (R + 1) // 2, 2**128, 2**253]


def points(curve, seeds: list[int]) -> bytes:
    """Seed 0 is infinity, others k*G (deterministic, so failures reproduce)."""
    return curve.to_lem_many([None if s == 0 else curve.mul(curve.generator, s) for s in seeds])


seed_lists = st.lists(st.integers(0, 2**64) | st.sampled_from([0, 1, R - 1]), min_size=1, max_size=6)
scalars = st.integers(0, R - 1) | st.sampled_from(EDGE_SCALARS)


@pytest.mark.parametrize(("group", "curve"), GROUPS)
@settings(max_examples=8, deadline=None)
@given(seeds=seed_lists, first=scalars, step=scalars)
def test_scale_powers(group, curve, seeds, first, step) -> None:
    pts = points(curve, seeds)
    assert C.points_scale_powers(group, pts, first, step) == P.points_scale_powers(group, pts, first, step)
    secret = bytearray(first.to_bytes(32, "little"))
    assert C.points_scale_powers(group, pts, secret, 1) == P.points_scale_powers(group, pts, first, 1)


@pytest.mark.parametrize(("group", "curve"), GROUPS)
@pytest.mark.parametrize("log_n", [0, 1, 2, 3])
def test_ifft_matches_and_inverts(group, curve, log_n) -> None:
    seeds = [(7 * i + 3) % 11 for i in range(1 << log_n)]
    pts = points(curve, seeds)
    out = C.points_ifft(group, pts)
    assert out == P.points_ifft(group, pts)
    # The Lagrange basis property: sum_j w^(ij) L_j = P_i when the input is any point vector.
    if log_n:
        from native.ref.ntt import root_of_unity

        w = root_of_unity(log_n)
        n = 1 << log_n
        back: list = [None] * n
        ls = curve.from_lem_many(bytes(out))
        for i in range(n):
            acc = None
            for j, pt in enumerate(ls):
                acc = curve.add(acc, curve.mul(pt, pow(w, i * j, R)) if pt is not None else None)
            back[i] = acc
        assert curve.to_lem_many(back) == pts


@pytest.mark.parametrize(("group", "curve"), GROUPS)
@settings(max_examples=6, deadline=None)
@given(a=seed_lists, data=st.data())
def test_sub_and_encodings(group, curve, a, data) -> None:
    b = data.draw(st.lists(st.integers(0, 2**64), min_size=len(a), max_size=len(a)))
    pa, pb = points(curve, a), points(curve, b)
    assert C.points_sub(group, pa, pb) == P.points_sub(group, pa, pb)
    assert C.points_sub(group, pa, pa) == bytes(len(pa))
    assert C.points_to_uncompressed(group, pa) == P.points_to_uncompressed(group, pa)
    assert C.points_to_compressed(group, pa) == P.points_to_compressed(group, pa)
    for i, raw in enumerate(curve.from_lem_many(pa)):
        size = curve.compressed_size
        assert curve.decompress(C.points_to_compressed(group, pa)[i * size : (i + 1) * size]) == raw


@pytest.mark.parametrize(("group", "curve"), GROUPS)
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_sparse_lincomb(group, curve, data) -> None:
    n_bases = data.draw(st.integers(1, 5))
    bases = points(curve, data.draw(st.lists(st.integers(0, 2**64), min_size=n_bases, max_size=n_bases)))
    rows = data.draw(
        st.lists(
            st.lists(st.tuples(st.integers(0, n_bases - 1), scalars), max_size=4), min_size=1, max_size=5
        )
    )
    offs = [0]
    scal, idx = b"", b""
    for row in rows:
        for i, k in row:
            idx += struct.pack("<I", i)
            scal += k.to_bytes(32, "little")
        offs.append(offs[-1] + len(row))
    off = struct.pack(f"<{len(offs)}Q", *offs)
    assert C.sparse_lincomb(group, bases, scal, idx, off) == P.sparse_lincomb(group, bases, scal, idx, off)


def test_sparse_lincomb_long_row_split_across_threads() -> None:
    bases = points(G1, [1, 2, 3])
    n = 3000  # one row longer than a thread's share, then short rows
    idx = struct.pack(f"<{n + 2}I", *([0, 1, 2] * (n // 3)), 1, 2)
    scal = b"".join(((i % 7) + 1).to_bytes(32, "little") for i in range(n + 2))
    off = struct.pack("<4Q", 0, n, n + 1, n + 2)
    assert C.sparse_lincomb("G1", bases, scal, idx, off) == P.sparse_lincomb("G1", bases, scal, idx, off)


def _coef_section(records: list[tuple[int, int, int, int]]) -> bytes:
    return struct.pack("<I", len(records)) + b"".join(
        struct.pack("<III", m, c, s) + v.to_bytes(32, "little") for m, c, s, v in records
    )


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_build_abc(data) -> None:
    n_vars = data.draw(st.integers(1, 6))
    domain = data.draw(st.sampled_from([1, 2, 4, 8]))
    recs = data.draw(
        st.lists(
            st.tuples(st.integers(0, 1), st.integers(0, domain - 1), st.integers(0, n_vars - 1), scalars),
            max_size=12,
        )
    )
    if data.draw(st.booleans()):
        recs.sort(key=lambda r: r[1])
    coefs = _coef_section(recs)
    witness = b"".join(data.draw(scalars).to_bytes(32, "little") for _ in range(n_vars))
    assert C.build_abc(coefs, witness, domain) == P.build_abc(coefs, witness, domain)


def test_build_abc_many_records_threaded() -> None:
    recs = [(k % 2, k // 5, k % 7, (k * 7919) % R) for k in range(20000)]
    coefs = _coef_section(recs)
    witness = b"".join((i * 31337 + 1).to_bytes(32, "little") for i in range(7))
    assert C.build_abc(coefs, witness, 4096) == P.build_abc(coefs, witness, 4096)


@pytest.mark.parametrize("threads", [1, 4])
def test_build_abc_checks_split_across_threads(threads) -> None:
    """200,000 records checked in four chunks of 50,000 (with 4 threads): the lowest bad record and
    the lowest bad witness value are reported whichever chunk holds them, and an out-of-order pair
    on a chunk seam still takes the unsorted path."""
    from native._lib import lib

    n = 200_000
    recs = [(k % 2, k // 50, k % 7, (k * 7919) % R) for k in range(n)]
    wbytes = b"".join((i * 31337 + 1).to_bytes(32, "little") for i in range(70_000))
    lib.zk_set_num_threads(threads)
    try:
        for bad in (n - 2, 100_001, 50_000, 49_999):
            broken = list(recs)
            broken[bad] = (0, 0, 70_000, 1)
            broken[n - 1] = (0, 0, 70_001, 1)  # a later bad record must not win
            with pytest.raises(ValueError, match=f"coefficient {bad}: signal 70000"):
                C.build_abc(_coef_section(broken), wbytes, 4096)
        bad_witness = bytearray(wbytes)
        bad_witness[32 * 69_999 : 32 * 70_000] = R.to_bytes(32, "little")
        bad_witness[32 * 50_001 : 32 * 50_002] = R.to_bytes(32, "little")
        with pytest.raises(ValueError, match="witness value 50001 is not canonical"):
            C.build_abc(_coef_section(recs), bytes(bad_witness), 4096)
        seam = list(recs)
        seam[50_000] = (seam[50_000][0], 0, seam[50_000][2], seam[50_000][3])  # below record 49,999's
        coefs = _coef_section(seam)
        assert C.build_abc(coefs, wbytes, 4096) == P.build_abc(coefs, wbytes, 4096)
    finally:
        lib.zk_set_num_threads(0)


@pytest.mark.parametrize("impl", [C, P], ids=["c", "py"])
def test_bad_input_refused(impl) -> None:
    good = points(G1, [1, 2])
    off_curve = bytearray(good)
    off_curve[64:96] = (5).to_bytes(32, "little")  # x = 5 (mont form) with y unchanged
    with pytest.raises(ValueError, match="point 1"):
        impl.points_scale_powers("G1", off_curve, 1, 2)
    with pytest.raises(ValueError, match="not canonical"):
        impl.points_scale_powers("G1", good, R, 2)
    with pytest.raises(ValueError, match="multiple of 64"):
        impl.points_to_compressed("G1", good[:-1])
    with pytest.raises(ValueError, match="group must be"):
        impl.points_sub("G3", good, good)
    with pytest.raises(ValueError, match="power of two"):
        impl.points_ifft("G1", good + points(G1, [3]))
    with pytest.raises(ValueError, match="coefficient 0: signal 9"):
        impl.build_abc(_coef_section([(0, 0, 9, 1)]), (1).to_bytes(32, "little"), 2)
    with pytest.raises(ValueError, match="coefficient 0: matrix 2"):
        impl.build_abc(_coef_section([(2, 0, 0, 1)]), (1).to_bytes(32, "little"), 2)
    with pytest.raises(ValueError, match="witness value 0 is not canonical"):
        impl.build_abc(_coef_section([(0, 0, 0, 1)]), R.to_bytes(32, "little"), 2)
    with pytest.raises(ValueError, match="base index"):
        impl.sparse_lincomb(
            "G1", good, (1).to_bytes(32, "little"), struct.pack("<I", 2), struct.pack("<2Q", 0, 1)
        )
    with pytest.raises(ZeroDivisionError):
        impl.fr_inv(bytes(32))


@pytest.mark.parametrize("impl", [C, P], ids=["c", "py"])
def test_secrets(impl) -> None:
    k = impl.random_scalar()
    assert len(k) == 32 and 0 < int.from_bytes(k, "little") < R
    assert int.from_bytes(impl.fr_mul(impl.fr_inv(k), k), "little") == 1
    impl.wipe(k)
    assert k == bytearray(32)


@settings(max_examples=20, deadline=None)
@given(data=st.binary(max_size=700), cut=st.integers(0, 700))
def test_blake2b_state(data, cut) -> None:
    sc, sp = C.blake2b_init(), P.blake2b_init()
    for impl, state in ((C, sc), (P, sp)):
        impl.blake2b_update(state, data[:cut])
        impl.blake2b_update(state, data[cut:])
    assert C.blake2b_final(sc) == P.blake2b_final(sp) == hashlib.blake2b(data, digest_size=64).digest()
    assert (
        sc[128:] == sp[128:]
    )  # chaining value and counters identical (the block buffer past pos may differ)
    bad = bytearray(sc)
    bad[200:208] = (129).to_bytes(8, "little")
    for impl in (C, P):
        with pytest.raises(ValueError, match="corrupt"):
            impl.blake2b_final(bad)


def test_generated_constants_are_current() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    proc = subprocess.run(
        [sys.executable, ROOT / "scripts" / "gen_groth16_constants.py", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(("group", "curve"), GROUPS)
def test_scalar_edges_through_the_glv_split(group, curve) -> None:
    # scalars whose GLV halves sit at their extremes, and points whose ladder meets exceptional sums
    pts = points(curve, [1, 2, 0, 3, 1])
    for k in [1, 2, 3, R - 1, R - 3, (R - 1) // 2, (R + 1) // 2, 2**127, 2**128 - 1, 2**129 + 5, R - 2**128]:
        assert C.points_scale_powers(group, pts, k, 1) == P.points_scale_powers(group, pts, k, 1), k
