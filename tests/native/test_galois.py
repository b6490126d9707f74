"""galois as an independent reference: Fr/Fq arithmetic, the NTT and a small circuit's QAP.

Both backends (native and native.ref) are checked against galois, which shares no code with
either.  galois's prime fields are built with the multiplicative generator given
(`primitive_element=..., verify=False`): left to itself, galois factors p - 1 to find one, which
takes minutes for a 254-bit prime (that is also why the NTT is checked through galois's
`np.fft.fft` / `np.fft.ifft` on a GF(r) array, the routine `galois.ntt` calls, rather than
`galois.ntt(x, modulus=r)`, which builds GF(r) without a generator).  Sizes stay small: galois
computes a 254-bit field through Python ints.
"""

from __future__ import annotations

import random

import galois
import numpy as np
import pytest

from circuits.dsl import Circuit
from native import fields as native_fields
from native import ntt as native_ntt
from native.base import odd_coset_shift, root_of_unity
from native.constants import FQ_NONRESIDUE, FR_GENERATOR, Q, R
from native.ref import fields as ref_fields
from native.ref import ntt as ref_ntt

# 5 generates Fr* (the NTT domains are its powers).  For Fq only the arithmetic is used, which does
# not depend on the generator galois is told; the non-residue 3 stands in for it.
GF_R = galois.GF(R, primitive_element=FR_GENERATOR, verify=False)
GF_Q = galois.GF(Q, primitive_element=FQ_NONRESIDUE, verify=False)

FIELDS = [
    pytest.param(native_fields.FR, GF_R, id="native-Fr"),
    pytest.param(native_fields.FQ, GF_Q, id="native-Fq"),
    pytest.param(ref_fields.FR, GF_R, id="ref-Fr"),
    pytest.param(ref_fields.FQ, GF_Q, id="ref-Fq"),
]
NTTS = [pytest.param(native_ntt, id="native"), pytest.param(ref_ntt, id="ref")]


def _values(rng: random.Random, p: int, n: int) -> list[int]:
    edge = [0, 1, 2, p - 1, p - 2, (p - 1) // 2, 2**64, 2**128 + 1]
    return edge + [rng.randrange(p) for _ in range(n)]


@pytest.mark.parametrize(("field", "gf"), FIELDS)
def test_field_arithmetic_matches_galois(field, gf) -> None:
    rng = random.Random(f"galois-{field.name}")
    xs = _values(rng, field.modulus, 24)
    ys = list(reversed(_values(rng, field.modulus, 24)))
    for x, y in zip(xs, ys, strict=True):
        gx, gy = gf(x), gf(y)
        assert field.add(x, y) == int(gx + gy)
        assert field.sub(x, y) == int(gx - gy)
        assert field.mul(x, y) == int(gx * gy)
        e = rng.randrange(1 << 256)
        assert field.pow(x, e) == int(gx**e)
        if x:
            assert field.inv(x) == int(gx**-1)
            assert field.batch_inv([x, y or 1]) == [int(gx**-1), int(gf(y or 1) ** -1)]


def _enc(vals: list[int]) -> bytearray:
    return bytearray(b"".join(v.to_bytes(32, "little") for v in vals))


def _dec(buf: bytes) -> list[int]:
    return [int.from_bytes(buf[i : i + 32], "little") for i in range(0, len(buf), 32)]


@pytest.mark.parametrize("mod", NTTS)
@pytest.mark.parametrize("log_n", [0, 1, 3, 5])
def test_ntt_matches_galois(mod, log_n: int) -> None:
    n = 1 << log_n
    rng = random.Random(f"ntt-{log_n}")
    vals = [rng.randrange(R) for _ in range(n)]
    # galois's omega_n is generator^((r-1)/n): ffjavascript's Fr.w[log_n], the domain ours use.
    assert GF_R.primitive_element ** ((R - 1) // n) == GF_R(root_of_unity(log_n))
    forward = [int(v) for v in np.fft.fft(GF_R(vals))]  # X_k = sum_j x_j w^(jk), natural order
    buf = _enc(vals)
    mod.ntt(buf)
    assert _dec(buf) == forward
    mod.ntt(buf, inverse=True)  # scaled by 1/n, as galois's ifft
    assert _dec(buf) == vals
    assert [int(v) for v in np.fft.ifft(GF_R(forward))] == vals
    # coset: A_i = sum_j a_j (g w^i)^j = NTT of (a_j g^j)
    g = rng.randrange(1, R)
    scaled = GF_R(vals) * GF_R(g) ** np.arange(n)
    buf = _enc(vals)
    mod.coset_ntt(buf, g)
    assert _dec(buf) == [int(v) for v in np.fft.fft(scaled)]


def _tiny_circuit() -> Circuit:
    """x^3 + x + 5 = y (the textbook QAP example), plus a product of two inputs."""
    cs = Circuit("qap")
    x = cs.private_input("x")
    z = cs.private_input("z")
    y = cs.public_input("y")
    x2 = cs.mul(x, x, "x2")
    x3 = cs.mul(x2, x, "x3")
    cs.assert_equal(x3 + x + 5, y, "y")
    xz = cs.mul(x, z, "xz")
    cs.constrain(xz, 1, xz, "xz_again")
    return cs


@pytest.mark.parametrize("mod", NTTS)
def test_qap_matches_galois(mod) -> None:
    program = _tiny_circuit().compile()
    solved = program.solve({"x": 3, "z": 11, "y": 35}, engine="python")
    w = solved.slot_values  # every slot's value (the Python VM's list)
    block = program.compiled.block
    m = block.n_rows
    log_n = max(1, (m - 1).bit_length())
    n = 1 << log_n
    ev: list[list[int]] = [[0] * n for _ in range(3)]  # A.w, B.w, C.w per constraint, 0 past m
    for i in range(m):
        for k, lc in enumerate(block.row(i)):
            ev[k][i] = sum(c * w[s] for s, c in lc.items()) % R
    assert all((a * b - c) % R == 0 for a, b, c in zip(*ev, strict=True))

    # Interpolate over the domain <w_n> with galois and check Z = x^n - 1 divides A B - C.
    domain = GF_R(root_of_unity(log_n)) ** np.arange(n)
    A, B, C = (galois.lagrange_poly(domain, GF_R(e)) for e in ev)
    Z = galois.Poly.Degrees([n, 0], coeffs=[1, -1], field=GF_R)
    H, rem = divmod(A * B - C, Z)
    assert rem == galois.Poly.Zero(GF_R)

    # The prover's h: A, B, C interpolated by inverse NTTs and evaluated on the odd coset g<w_n>
    # by coset NTTs, h = A B - C there (Z is the constant g^n - 1 on that coset).
    g = odd_coset_shift(log_n)
    on_coset = []
    for e, poly in zip(ev, (A, B, C), strict=True):
        buf = _enc(e)
        mod.ntt(buf, inverse=True)  # the coefficients, lowest first
        assert _dec(buf) == [int(c) for c in poly.coefficients(n, order="asc")]
        mod.coset_ntt(buf, g)
        on_coset.append(_dec(buf))
    h = [(a * b - c) % R for a, b, c in zip(*on_coset, strict=True)]
    coset = GF_R(g) * domain
    assert h == [int(v) for v in (H * Z)(coset)]
    assert h == [int(v) for v in H(coset) * (GF_R(g) ** n - GF_R(1))]
