"""Native Fq/Fr against the pure-Python twin: random values (hypothesis), edge values, bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from native import fields as cf
from native.ref import fields as pf

PAIRS = [pytest.param(cf.FQ, pf.FQ, id="Fq"), pytest.param(cf.FR, pf.FR, id="Fr")]
BACKENDS = [
    pytest.param(f, id=f"{side}-{f.name}") for side, mod in (("c", cf), ("py", pf)) for f in (mod.FQ, mod.FR)
]


def edge_values(m: int) -> list[int]:
    return [0, 1, 2, m - 1, m - 2, (m - 1) // 2, (m + 1) // 2, 2**64 - 1, 2**64, 2**128, 2**192 + 5]


@pytest.mark.parametrize(("native", "ref"), PAIRS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_binary_ops_match(native, ref, data) -> None:
    m = native.modulus
    a = data.draw(st.integers(0, m - 1) | st.sampled_from(edge_values(m)))
    b = data.draw(st.integers(0, m - 1) | st.sampled_from(edge_values(m)))
    assert native.add(a, b) == ref.add(a, b)
    assert native.sub(a, b) == ref.sub(a, b)
    assert native.mul(a, b) == ref.mul(a, b)
    assert native.sqr(a) == ref.sqr(a)
    assert native.neg(a) == ref.neg(a)
    assert native.pow(a, b) == ref.pow(a, b)


@pytest.mark.parametrize(("native", "ref"), PAIRS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_inverse_and_sqrt_match(native, ref, data) -> None:
    m = native.modulus
    a = data.draw(st.integers(1, m - 1))
    assert native.inv(a) == ref.inv(a)
    assert native.mul(a, native.inv(a)) == 1
    root_c, root_py = native.sqrt(a), ref.sqrt(a)
    assert (root_c is None) == (root_py is None)
    if root_c is not None:
        assert root_c * root_c % m == a
        assert root_c in (root_py, m - root_py)
    sq = a * a % m
    assert native.sqrt(sq) in (a, m - a)


@pytest.mark.parametrize(("native", "ref"), PAIRS)
def test_batch_inverse(native, ref) -> None:
    m = native.modulus
    values = [1, 2, m - 1, *range(3, 200, 7)]
    assert native.batch_inv(values) == ref.batch_inv(values)
    assert native.batch_inv([]) == []


@pytest.mark.parametrize("field", BACKENDS)
def test_inverse_of_zero_is_an_error(field) -> None:
    with pytest.raises(ZeroDivisionError, match="index 2"):
        field.batch_inv([1, 2, 0, 4])
    with pytest.raises(ZeroDivisionError):
        field.inv(0)


@pytest.mark.parametrize("field", BACKENDS)
@pytest.mark.parametrize("bad", [-1, "m", "m+1", "2^256-1"])
def test_non_canonical_input_rejected(field, bad) -> None:
    m = field.modulus
    value = {"m": m, "m+1": m + 1, "2^256-1": 2**256 - 1}.get(bad, bad)
    with pytest.raises(ValueError, match="canonical"):
        field.mul(value, 1)
    with pytest.raises(ValueError, match="canonical"):
        field.batch_inv([1, value])


@pytest.mark.parametrize("field", BACKENDS)
def test_non_squares(field) -> None:
    nqr = 3 if field.name == "Fq" else 5
    assert field.sqrt(nqr) is None
    assert field.sqrt(0) == 0


@pytest.mark.parametrize("op", ["mul", "add", "sub", "sqr"])
@pytest.mark.parametrize("prefix", ["fq", "fr"])
def test_portable_and_assembly_agree(prefix, op) -> None:
    """The assembly (when built) and the portable C must agree, edge values included."""
    import random

    from native._lib import ffi, ints_to_buffer, lib

    m = cf.FQ.modulus if prefix == "fq" else cf.FR.modulus
    rng = random.Random(7)
    vals = edge_values(m) + [rng.randrange(m) for _ in range(2000)]
    a = vals + vals[::-1]
    b = [rng.randrange(m) for _ in range(len(vals))] + vals
    n = len(a)
    buf_a = ffi.from_buffer("uint64_t[]", ints_to_buffer(a))
    buf_b = ffi.from_buffer("uint64_t[]", ints_to_buffer(b))
    out1, out2 = ffi.new("uint64_t[]", 4 * n), ffi.new("uint64_t[]", 4 * n)
    if op == "sqr":  # the dedicated squaring against the portable product a*a
        b = a
        lib_sqr = getattr(lib, f"zk_{prefix}_sqr")
        lib_sqr(out1, buf_a, n)
        getattr(lib, f"zk_{prefix}_mul_portable")(out2, buf_a, buf_a, n)
    else:
        getattr(lib, f"zk_{prefix}_{op}")(out1, buf_a, buf_b, n)
        getattr(lib, f"zk_{prefix}_{op}_portable")(out2, buf_a, buf_b, n)
    assert bytes(ffi.buffer(out1)) == bytes(ffi.buffer(out2))
    inv_r = pow(2**256, -1, m)
    expect = {
        "mul": lambda x, y: x * y * inv_r % m,
        "add": lambda x, y: (x + y) % m,
        "sub": lambda x, y: (x - y) % m,
        "sqr": lambda x, y: x * y * inv_r % m,
    }[op]
    got = [int.from_bytes(bytes(ffi.buffer(out1))[32 * i : 32 * i + 32], "little") for i in range(n)]
    assert got == [expect(x, y) for x, y in zip(a, b, strict=True)]


@pytest.mark.parametrize(("native", "ref"), PAIRS)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_vector_ops_match(native, ref, data) -> None:
    m = native.modulus
    n = data.draw(st.integers(0, 20))
    elem = st.integers(0, m - 1) | st.sampled_from([0, 1, m - 1])
    a = b"".join(x.to_bytes(32, "little") for x in data.draw(st.lists(elem, min_size=n, max_size=n)))
    b = b"".join(x.to_bytes(32, "little") for x in data.draw(st.lists(elem, min_size=n, max_size=n)))
    for op in ("vec_add", "vec_sub", "vec_mul"):
        assert getattr(native, op)(a, b) == getattr(ref, op)(a, b)
    assert native.vec_to_mont(a) == ref.vec_to_mont(a)
    assert native.vec_from_mont(a) == ref.vec_from_mont(a)
    assert native.vec_from_mont(native.vec_to_mont(a)) == a


@pytest.mark.parametrize("field", BACKENDS)
def test_vector_ops_in_place_and_errors(field) -> None:
    m = field.modulus
    a = bytearray(b"".join(x.to_bytes(32, "little") for x in (1, 2, 3)))
    b = b"".join(x.to_bytes(32, "little") for x in (m - 1, 5, 6))
    out = field.vec_add(a, b, out=a)
    assert out is a and a[:32] == bytes(32)
    with pytest.raises(ValueError, match="3 elements"):
        field.vec_mul(a, b[:64])
    with pytest.raises(ValueError, match="multiple of 32"):
        field.vec_to_mont(b[:-1])
    with pytest.raises(ValueError, match="element 1 is not canonical"):
        field.vec_sub(a, b[:32] + m.to_bytes(32, "little") + b[64:])
    with pytest.raises(ValueError, match="writable"):
        field.vec_add(a, b, out=bytes(96))
    with pytest.raises(TypeError):
        field.vec_add("abc", b)


def inversion_edge_values(m: int) -> list[int]:
    """Inputs that stress the safegcd's sign, carry and length-shrinking paths."""
    vals = [0, 1, 2, 3, m - 1, m - 2, m - 3, (m - 1) // 2, (m + 1) // 2, 2**254 % m, 2**255 % m, 2**256 % m]
    vals += [2**k % m for k in range(256)] + [(m - 2**k) % m for k in range(254)]
    vals += [m - 1 - k for k in range(64)] + [(2**k + 1) % m for k in range(256)]
    vals += [(2**k - 1) % m for k in range(1, 256)]  # runs of ones
    vals += [(2 ** (62 * j)) * 0x3FFFFFFFFFFFFFFF % m for j in range(5)]  # a full 62-bit limb
    vals += [(1 << k) | (1 << (k // 2)) for k in range(1, 254)]  # two bits, a long zero run between
    vals += [pow(5, -1, m), pow(3, -1, m), pow(2**62, -1, m)]  # inverses of small numbers
    return vals


def _limb_bytes(values: list[int]) -> bytes:
    return b"".join(v.to_bytes(32, "little") for v in values)


@pytest.mark.parametrize(("native", "ref"), PAIRS)
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_inv_var_matches(native, ref, data) -> None:
    m = native.modulus
    a = data.draw(st.integers(0, m - 1) | st.sampled_from(inversion_edge_values(m)))
    got = native.inv_var(a)
    assert got == ref.inv_var(a)
    assert native.mul(a, got) == (1 if a else 0)


@pytest.mark.parametrize(("native", "ref"), PAIRS)
def test_inv_var_edge_values(native, ref) -> None:
    m = native.modulus
    vals = inversion_edge_values(m)
    buf = _limb_bytes(vals)
    assert native.vec_inv_var(buf) == ref.vec_inv_var(buf)
    # in std form through the int interface: a * inv(a) == 1, inv(inv(a)) == a, and 0 -> 0
    assert [native.inv_var(v) for v in vals] == [ref.inv_var(v) for v in vals]
    assert native.inv_var(0) == 0 == ref.inv_var(0)
    for v in vals[:40]:
        assert native.inv_var(native.inv_var(v)) == v


@pytest.mark.parametrize("field", BACKENDS)
def test_inv_var_bad_input(field) -> None:
    m = field.modulus
    for value in (m, m + 1, 2**256 - 1, -1):
        with pytest.raises(ValueError, match="canonical"):
            field.inv_var(value)
    with pytest.raises(TypeError):
        field.inv_var("1")
    buf = bytearray(_limb_bytes([1, 2, m, 3]))
    with pytest.raises(ValueError, match="element 2 is not canonical"):
        field.vec_inv_var(buf)
    with pytest.raises(ValueError, match="multiple of 32"):
        field.vec_inv_var(bytes(33))
    with pytest.raises(ValueError, match="writable"):
        field.vec_inv_var(_limb_bytes([1]), out=bytes(32))
    out = field.vec_inv_var(buf[:64], out=buf[:64])
    assert field.vec_inv_var(out) == _limb_bytes([1, 2])


@pytest.mark.parametrize("prefix", ["fq", "fr"])
def test_inv_var_c_rejects_non_canonical_and_writes_nothing(prefix) -> None:
    """The C entry validates the whole buffer before writing (out may alias the input)."""
    from native._lib import ffi, lib

    m = cf.FQ.modulus if prefix == "fq" else cf.FR.modulus
    src = bytearray(_limb_bytes([5, 7, m + 5, 9]))
    before = bytes(src)
    ptr = ffi.from_buffer("uint64_t[]", src)
    assert getattr(lib, f"zk_{prefix}_inv_var")(ptr, ptr, 4) == 2
    assert bytes(src) == before
    assert getattr(lib, f"zk_{prefix}_inv_var")(ptr, ptr, 0) == -1


@pytest.mark.parametrize(("native", "ref"), PAIRS)
def test_inv_var_many_random(native, ref) -> None:
    """100,000 inversions in one C call against Python's pow, to catch rare carry/sign slips in
    the divstep matrices; a quarter of the inputs are sparse (long zero runs) or near m."""
    import random

    m = native.modulus
    rng = random.Random(20240 + m % 1000)
    vals = []
    for i in range(100_000):
        kind = i % 8
        if kind == 0:  # random bits cleared: long runs of zeros
            v = rng.randrange(m) & rng.getrandbits(254) & rng.getrandbits(254)
        elif kind == 1:  # just below the modulus
            v = m - 1 - rng.getrandbits(rng.randrange(1, 200))
        else:
            v = rng.randrange(m)
        vals.append(v % m)
    out = native.vec_inv_var(_limb_bytes(vals))
    r2 = pow(2, 512, m)
    mv = memoryview(out)
    for i, x in enumerate(vals):
        got = int.from_bytes(mv[32 * i : 32 * i + 32], "little")
        assert got == (pow(x, -1, m) * r2 % m if x else 0), f"{native.name} Montgomery input {x:#x}"


@pytest.mark.parametrize(("native", "ref"), [(cf.FQ, pf.FQ), (cf.FR, pf.FR)], ids=["Fq", "Fr"])
def test_vec_batch_inv_matches_twin(native, ref) -> None:
    m = native.modulus
    vals = [v for v in inversion_edge_values(m) if v % m]
    buf = _limb_bytes(vals)
    ours = native.vec_batch_inv(buf)
    assert ours == ref.vec_batch_inv(buf) == native.vec_inv_var(buf)
    assert native.vec_batch_inv(b"") == ref.vec_batch_inv(b"") == bytearray()
    for field in (native, ref):
        with pytest.raises(ZeroDivisionError, match="index 2"):
            field.vec_batch_inv(_limb_bytes([1, 2, 0, 3]))
        with pytest.raises(ValueError, match="element 1 is not canonical"):
            field.vec_batch_inv(_limb_bytes([1, m]))
        inplace = bytearray(buf)
        assert field.vec_batch_inv(inplace, out=inplace) == ours
