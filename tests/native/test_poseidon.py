"""Native Poseidon against the reference twin and against circomlibjs (the definition in docs/protocol.md section 2)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.primitives import poseidon as ref
from circuits.primitives.field import R
from native import poseidon as nat
from tests.conftest import run_node_json

BACKENDS = [pytest.param(nat.poseidon, id="c"), pytest.param(ref.poseidon, id="py")]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, R - 1), min_size=1, max_size=16))
def test_native_matches_reference(xs: list[int]) -> None:
    assert nat.poseidon(xs) == ref.poseidon(xs)


def test_poseidon_many_matches_single() -> None:
    rng = random.Random(7)
    for arity in (1, 2, 5, 16):
        rows = [[rng.randrange(R) for _ in range(arity)] for _ in range(300)]
        assert nat.poseidon_many(rows) == [ref.poseidon(r) for r in rows]


def test_wide_sums_near_the_lazy_reduction_bound() -> None:
    """Inputs at and near r - 1 (and their Montgomery images) for every width push the unreduced
    512-bit dot products of the linear layers towards their bound (17 r^2)."""
    rows = [[R - 1 - (i % 3) for i in range(n)] for n in range(1, 17)]
    rows += [[(R - 1) * pow(2, -256, R) % R] * n for n in range(1, 17)]
    rows += [[R - 1 if i % 2 else 0 for i in range(n)] for n in range(1, 17)]
    for row in rows:
        assert nat.poseidon(row) == ref.poseidon(row)
    assert nat.poseidon_many([r for r in rows if len(r) == 11]) == [
        ref.poseidon(r) for r in rows if len(r) == 11
    ]


@pytest.mark.node
def test_matches_circomlibjs_for_every_width() -> None:
    rng = random.Random(2024)
    cases = [[rng.randrange(R) for _ in range(n)] for n in range(1, 17) for _ in range(3)]
    cases += [[0] * n for n in range(1, 17)] + [[R - 1] * n for n in (1, 2, 16)]
    script = """
      import { buildPoseidon } from 'circomlibjs';
      const cases = JSON.parse(process.argv[1]);
      const p = await buildPoseidon();
      console.log(JSON.stringify(cases.map(c => p.F.toString(p(c.map(BigInt))))));
    """
    expected = run_node_json(script, json.dumps([[str(x) for x in c] for c in cases]))
    for case, want in zip(cases, expected, strict=True):
        assert nat.poseidon(case) == int(want)
        assert ref.poseidon(case) == int(want)


@pytest.mark.parametrize("hash_fn", BACKENDS)
@pytest.mark.parametrize("bad", [[], list(range(17)), [R], [-1], [2**256]])
def test_bad_inputs_rejected(hash_fn, bad) -> None:
    with pytest.raises(ValueError):
        hash_fn(bad)


def test_poseidon_many_reports_bad_row() -> None:
    with pytest.raises(ValueError, match="row 1"):
        nat.poseidon_many([[1, 2], [3, R]])


DAG_BACKENDS = [pytest.param(nat.poseidon_dag, id="c"), pytest.param(ref.poseidon_dag, id="py")]


@pytest.mark.parametrize("dag", DAG_BACKENDS)
def test_poseidon_dag_is_each_row_hashed_with_earlier_rows_substituted(dag: Any) -> None:
    """A random DAG of rows of every width (inputs: field elements near both ends, or earlier
    rows' hashes) against hashing the rows one by one."""
    rng = random.Random(11)
    rows: list[list[int]] = []
    want: list[int] = []
    for i in range(120):
        row = []
        for _ in range(rng.randrange(1, 17)):
            if i and rng.random() < 0.4:
                k = rng.randrange(i)
                row.append(-k - 1)
            else:
                row.append(rng.choice([0, 1, R - 1, rng.randrange(R)]))
        rows.append(row)
        want.append(ref.poseidon([want[-v - 1] if v < 0 else v for v in row]))
    assert dag(rows) == want
    assert dag([]) == []


@pytest.mark.parametrize("dag", DAG_BACKENDS)
def test_poseidon_dag_refuses_a_reference_to_itself_or_a_later_row(dag: Any) -> None:
    with pytest.raises(ValueError):
        dag([[1, 2], [-2]])
    with pytest.raises(ValueError):
        dag([[1, -2], [3]])


@pytest.mark.parametrize("bad", [[[R]], [[1], [2, R]], [[]], [[1] * 17]])
def test_native_poseidon_dag_refuses_non_canonical_inputs_and_bad_widths(bad: list[list[int]]) -> None:
    with pytest.raises(ValueError):
        nat.poseidon_dag(bad)
