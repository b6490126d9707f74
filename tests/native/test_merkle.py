"""Native Merkle path hashing against its pure-Python twin: random paths, edge values, bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.primitives import merkle as ref
from circuits.primitives.field import R
from circuits.primitives.poseidon import poseidon
from native import merkle as nat
from native._lib import ffi, ints_to_buffer, lib, new_u64

BACKENDS = [pytest.param(nat, id="c"), pytest.param(ref, id="py")]


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_native_matches_reference(data) -> None:
    depth = data.draw(st.integers(1, 24))
    index = data.draw(st.integers(0, (1 << depth) - 1))
    field = st.integers(0, R - 1) | st.sampled_from([0, 1, R - 1])
    leaf = data.draw(field)
    siblings = data.draw(st.lists(field, min_size=depth, max_size=depth))
    assert nat.merkle_path(leaf, siblings, index) == ref.merkle_path(leaf, siblings, index)


@pytest.mark.parametrize("impl", BACKENDS)
def test_worked_depth_two(impl) -> None:
    leaf, s0, s1 = 11, 22, 33
    # index 2 = 0b10: left child at height 0, right child at height 1
    n1 = poseidon([leaf, s0])
    n2 = poseidon([s1, n1])
    assert impl.merkle_path(leaf, [s0, s1], 2) == [n1, n2]
    assert impl.merkle_root(leaf, [s0, s1], 2) == n2


@pytest.mark.parametrize("impl", BACKENDS)
def test_empty_tree_root(impl) -> None:
    empty = [0]
    for _ in range(24):
        empty.append(poseidon([empty[-1], empty[-1]]))
    for index in (0, 1, (1 << 24) - 1):
        assert impl.merkle_root(0, empty[:24], index) == empty[24]


@pytest.mark.parametrize("impl", BACKENDS)
@pytest.mark.parametrize(
    ("leaf", "siblings", "index"),
    [
        (1, [], 0),  # no siblings
        (1, [0] * 65, 0),  # too deep
        (1, [0, 0], 4),  # index beyond 2^depth
        (1, [0, 0], -1),
        (R, [0, 0], 0),  # leaf not canonical
        (1, [0, R], 0),  # sibling not canonical
        (-1, [0], 0),
        (1, [2**256], 0),
        (True, [0], 0),
    ],
)
def test_bad_inputs_rejected(impl, leaf, siblings, index) -> None:
    with pytest.raises(ValueError):
        impl.merkle_path(leaf, siblings, index)


def test_c_validates_without_the_wrapper() -> None:
    """The C function itself refuses bad input (never reads past or hashes non-canonical data)."""
    out = new_u64(4)
    leaf = ffi.from_buffer("uint64_t[]", ints_to_buffer([5]))
    good = ffi.from_buffer("uint64_t[]", ints_to_buffer([1, 2, 3, 4]))
    bad = ffi.from_buffer("uint64_t[]", ints_to_buffer([1, 2, R, 4]))
    assert lib.zk_merkle_path(out, leaf, good, 3, 4) == -1
    assert lib.zk_merkle_path(out, leaf, bad, 3, 4) == 3
    assert lib.zk_merkle_path(out, leaf, good, 16, 4) == -2
    assert lib.zk_merkle_path(out, leaf, good, 0, 0) == -2
    assert lib.zk_merkle_path(out, ffi.from_buffer("uint64_t[]", ints_to_buffer([R])), good, 0, 4) == 0
