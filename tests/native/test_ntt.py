"""Native NTT against the pure-Python twin, ffjavascript's fft/ifft, and bad input."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native import ntt as cn
from native.fields import FR
from native.ref import ntt as pn
from tests.conftest import run_node_json

R = pn.R
BACKENDS = [pytest.param(cn, id="c"), pytest.param(pn, id="py")]
W28 = 19103219067921713944291392827692070036145651957329286315305642004821462161904  # ffjavascript Fr.w[28]


def enc(vals: list[int]) -> bytearray:
    return bytearray(b"".join(v.to_bytes(32, "little") for v in vals))


def dec(buf: bytes) -> list[int]:
    return [int.from_bytes(buf[i : i + 32], "little") for i in range(0, len(buf), 32)]


element = st.integers(0, R - 1) | st.sampled_from([0, 1, R - 1, 2**64, (R - 1) // 2])


@settings(max_examples=25, deadline=None)
@given(data=st.data(), log_n=st.integers(0, 7), shift=st.integers(1, R - 1))
def test_native_matches_twin(data, log_n, shift) -> None:
    vals = data.draw(st.lists(element, min_size=1 << log_n, max_size=1 << log_n))
    for op in ("ntt", "intt", "coset", "icoset"):
        a, b = enc(vals), enc(vals)
        for mod, buf in ((cn, a), (pn, b)):
            if op == "ntt":
                mod.ntt(buf)
            elif op == "intt":
                mod.ntt(buf, inverse=True)
            elif op == "coset":
                mod.coset_ntt(buf, shift)
            else:
                mod.coset_ntt(buf, shift, inverse=True)
        assert a == b, op


@settings(max_examples=10, deadline=None)
@given(data=st.data(), n=st.integers(1, 40), first=st.integers(0, R - 1), step=st.integers(0, R - 1))
def test_scale_powers_matches_twin(data, n, first, step) -> None:
    vals = data.draw(st.lists(element, min_size=n, max_size=n))
    a, b = enc(vals), enc(vals)
    cn.scale_powers(a, first, step)
    pn.scale_powers(b, first, step)
    assert a == b


@pytest.mark.parametrize("mod", BACKENDS)
def test_roots_and_shift(mod) -> None:
    assert mod.root_of_unity(28) == W28
    w = mod.root_of_unity(10)
    assert pow(w, 1 << 10, R) == 1 and pow(w, 1 << 9, R) == R - 1
    assert mod.odd_coset_shift(10) == mod.root_of_unity(11)
    assert mod.odd_coset_shift(28) == 25


@pytest.mark.parametrize("log_n", [14, 16])
def test_large_stages_against_direct_evaluation(log_n: int) -> None:
    """Sizes past the cache-blocked stages (2^13): a few outputs of the forward and coset
    transforms against sum_j a_j x^j computed directly."""
    rng = random.Random(log_n)
    n = 1 << log_n
    vals = [rng.randrange(R) for _ in range(n)]
    w, g = cn.root_of_unity(log_n), cn.odd_coset_shift(log_n)

    def evaluate(x: int) -> int:
        acc = 0
        for a in reversed(vals):
            acc = (acc * x + a) % R
        return acc

    picks = [0, 1, n // 2 - 1, n // 2, n - 1, rng.randrange(n)]
    buf = enc(vals)
    cn.ntt(buf)
    out = dec(buf)
    assert [out[i] for i in picks] == [evaluate(pow(w, i, R)) for i in picks]
    buf = enc(vals)
    cn.coset_ntt(buf, g)
    out = dec(buf)
    assert [out[i] for i in picks] == [evaluate(g * pow(w, i, R) % R) for i in picks]


def test_roundtrips_and_form_invariance() -> None:
    rng = random.Random(4)
    vals = [rng.randrange(R) for _ in range(1 << 14)]
    buf = enc(vals)
    cn.ntt(buf)
    forward = bytes(buf)
    cn.ntt(buf, inverse=True)
    assert dec(buf) == vals
    cn.coset_ntt(buf, cn.odd_coset_shift(14))
    cn.coset_ntt(buf, cn.odd_coset_shift(14), inverse=True)
    assert dec(buf) == vals
    # Montgomery-form input gives the Montgomery form of the same output
    mont = FR.vec_to_mont(enc(vals))
    cn.ntt(mont)
    assert bytes(FR.vec_from_mont(mont)) == forward
    # a numpy array works in place
    arr = np.frombuffer(enc(vals), dtype=np.uint64).copy()
    cn.ntt(arr)
    assert arr.tobytes() == forward


def test_evaluation_meaning() -> None:
    """A_i is the polynomial with coefficients a evaluated at w^i (and at shift*w^i on a coset)."""
    rng = random.Random(8)
    coeffs = [rng.randrange(R) for _ in range(16)]
    w = cn.root_of_unity(4)

    def evaluate(x: int) -> int:
        return sum(c * pow(x, j, R) for j, c in enumerate(coeffs)) % R

    buf = enc(coeffs)
    cn.ntt(buf)
    assert dec(buf) == [evaluate(pow(w, i, R)) for i in range(16)]
    buf = enc(coeffs)
    cn.coset_ntt(buf, 7)
    assert dec(buf) == [evaluate(7 * pow(w, i, R) % R) for i in range(16)]


@pytest.mark.parametrize("mod", BACKENDS)
def test_bad_input(mod) -> None:
    with pytest.raises(ValueError, match="power of two"):
        mod.ntt(bytearray(32 * 3))
    with pytest.raises(ValueError, match="power of two"):
        mod.ntt(bytearray())
    with pytest.raises(ValueError, match="writable"):
        mod.ntt(bytes(64))
    with pytest.raises(ValueError, match="multiple of 32"):
        mod.ntt(bytearray(33))
    buf = enc([1, 2, R, 4])
    before = bytes(buf)
    with pytest.raises(ValueError, match="element 2 is not canonical"):
        mod.ntt(buf)
    assert bytes(buf) == before
    with pytest.raises(ValueError, match="non-zero"):
        mod.coset_ntt(enc([1, 2]), 0)
    with pytest.raises(ValueError, match="canonical"):
        mod.coset_ntt(enc([1, 2]), R)
    with pytest.raises(TypeError):
        mod.scale_powers(enc([1]), 1.0, 2)
    with pytest.raises(ValueError):
        mod.root_of_unity(29)


@pytest.mark.node
def test_matches_ffjavascript() -> None:
    """ffjavascript's Fr.fft / Fr.ifft / batchApplyKey (what snarkjs's prover uses) on Montgomery buffers."""
    rng = random.Random(12)
    vals = [rng.randrange(R) for _ in range(32)]
    script = """
import {buildBn128} from "ffjavascript";
const c = await buildBn128(true);
const Fr = c.Fr;
const vals = JSON.parse(process.argv[1]);
const buf = new Uint8Array(32 * vals.length);
vals.forEach((v, i) => buf.set(Fr.e(v), 32 * i));
const dump = (b) => Array.from({length: vals.length}, (_, i) => Fr.toString(b.slice(32 * i, 32 * i + 32)));
const a = await Fr.fft(buf);
const b = await Fr.ifft(buf);
const k = await Fr.batchApplyKey(buf, Fr.e(1), Fr.w[6]);
console.log(JSON.stringify([dump(a), dump(b), dump(k)]));
process.exit(0);
"""
    fft, ifft, keyed = run_node_json(script, json.dumps([str(v) for v in vals]))
    buf = FR.vec_to_mont(enc(vals))
    cn.ntt(buf)
    assert dec(FR.vec_from_mont(buf)) == [int(x) for x in fft]
    buf = FR.vec_to_mont(enc(vals))
    cn.ntt(buf, inverse=True)
    assert dec(FR.vec_from_mont(buf)) == [int(x) for x in ifft]
    buf = enc(vals)
    cn.scale_powers(buf, 1, cn.root_of_unity(6))
    assert dec(buf) == [int(x) for x in keyed]
