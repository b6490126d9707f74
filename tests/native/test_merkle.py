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
    depth = data.draw(st.integers(1, 12))
    index = data.draw(st.integers(0, 4**depth - 1) | st.sampled_from([0, 4**depth - 1]))
    field = st.integers(0, R - 1) | st.sampled_from([0, 1, R - 1])
    leaf = data.draw(field)
    siblings = data.draw(st.lists(field, min_size=3 * depth, max_size=3 * depth))
    assert nat.merkle_path(leaf, siblings, index) == ref.merkle_path(leaf, siblings, index)


@pytest.mark.parametrize("impl", BACKENDS)
def test_worked_depth_two(impl) -> None:
    leaf = 11
    sibs = [21, 22, 23, 31, 32, 33]
    # index 9 = 0b10_01: child 1 at height 0, child 2 at height 1
    n1 = poseidon([21, leaf, 22, 23])
    n2 = poseidon([31, 32, n1, 33])
    assert impl.merkle_path(leaf, sibs, 9) == [n1, n2]
    assert impl.merkle_root(leaf, sibs, 9) == n2


@pytest.mark.parametrize("impl", BACKENDS)
@pytest.mark.parametrize("pos", range(4))
def test_each_child_position(impl, pos) -> None:
    """One level: the path node takes child position pos, the siblings keep their order around it."""
    want = poseidon([*[7, 8, 9][:pos], 5, *[7, 8, 9][pos:]])
    assert impl.merkle_path(5, [7, 8, 9], pos) == [want]


@pytest.mark.parametrize("impl", BACKENDS)
def test_empty_tree_root(impl) -> None:
    empty = [0]
    for _ in range(12):
        empty.append(poseidon([empty[-1]] * 4))
    siblings = [e for e in empty[:12] for _ in range(3)]
    for index in (0, 1, 2, 3, (1 << 24) - 1):
        assert impl.merkle_root(0, siblings, index) == empty[12]


@pytest.mark.parametrize("impl", BACKENDS)
@pytest.mark.parametrize(
    ("leaf", "siblings", "index"),
    [
        (1, [], 0),  # no siblings
        (1, [0] * 99, 0),  # too deep (33 levels)
        (1, [0, 0], 0),  # not 3 siblings per level
        (1, [0] * 4, 0),
        (1, [0] * 6, 16),  # index beyond 4^depth
        (1, [0] * 6, -1),
        (1, [0] * 3, True),
        (R, [0] * 6, 0),  # leaf not canonical
        (1, [0, 0, 0, 0, R, 0], 0),  # sibling not canonical
        (-1, [0] * 3, 0),
        (1, [0, 0, 2**256], 0),
        (True, [0] * 3, 0),
    ],
)
def test_bad_inputs_rejected(impl, leaf, siblings, index) -> None:
    with pytest.raises(ValueError):
        impl.merkle_path(leaf, siblings, index)


def test_c_validates_without_the_wrapper() -> None:
    """The C function itself refuses bad input (never reads past or hashes non-canonical data)."""
    out = new_u64(2)
    leaf = ffi.from_buffer("uint64_t[]", ints_to_buffer([5]))
    good = ffi.from_buffer("uint64_t[]", ints_to_buffer([1, 2, 3, 4, 5, 6]))
    bad = ffi.from_buffer("uint64_t[]", ints_to_buffer([1, 2, 3, 4, R, 6]))
    assert lib.zk_merkle_path(out, leaf, good, 15, 2) == -1
    assert lib.zk_merkle_path(out, leaf, bad, 15, 2) == 5
    assert lib.zk_merkle_path(out, leaf, good, 16, 2) == -2
    assert lib.zk_merkle_path(out, leaf, good, 0, 0) == -2
    assert lib.zk_merkle_path(out, leaf, good, 0, 33) == -2
    assert lib.zk_merkle_path(out, ffi.from_buffer("uint64_t[]", ints_to_buffer([R])), good, 0, 2) == 0
