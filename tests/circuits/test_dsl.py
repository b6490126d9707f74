"""The DSL core: layout, folding, templates, hints, names, errors, checker, file formats."""

from __future__ import annotations

import pytest

from circuits.dsl import LC, Circuit, CircuitError, Template, UnsatisfiableError, UnsatisfiedConstraint
from circuits.primitives.field import R
from native.witness_ops import OP_PY
from prover.formats.r1cs import read_r1cs
from prover.formats.wtns import read_wtns
from tests.circuits.helpers import build, solve_ok


def cube_circuit(cs: Circuit) -> None:
    x = cs.private_input("x")
    y = cs.public_input("y")
    with cs.scope("cube"):
        x2 = cs.mul(x, x, "x2")
        x3 = cs.mul(x2, x, "x3")
    cs.assert_equal(x3 + x + 5, y, "result")
    cs.public_output("x3", x3)


def test_layout_and_solve() -> None:
    p = build(cube_circuit)
    # circom order: 1, public outputs, public inputs, private inputs, internal.
    assert (p.n_pub_out, p.n_pub_in, p.n_prv_in) == (1, 1, 1)
    assert [p.wire_name(i) for i in range(4)] == ["one", "x3", "y", "x"]
    s = solve_ok(p, {"x": 3, "y": 35})
    assert s.values()[:4] == [1, 27, 35, 3]
    assert s.signal("x3") == 27
    # Folding spent the internal x3 on `result`; the output's equation has only inputs and
    # outputs left, so it stays as a linear constraint (as with circom -O2).
    assert p.n_constraints == 3
    r1cs = p.r1cs()
    assert [len(lc) for lc in r1cs.constraint(2)[:1]] == [1]
    assert r1cs.first_unsatisfied(s.values()) is None


def test_unsatisfied_reports_path() -> None:
    p = build(cube_circuit)
    with pytest.raises(UnsatisfiedConstraint) as info:
        p.solve({"x": 3, "y": 36})
    assert info.value.name.startswith("cube/")
    assert p.check(p.solve({"x": 3, "y": 36}, check=False)) == info.value.name
    assert p.first_unsatisfied(p.solve({"x": 3, "y": 35})) is None


def test_checker_finds_a_changed_wire() -> None:
    p = build(cube_circuit)
    w = p.solve({"x": 2, "y": 15}).values()
    w[4] = (w[4] + 1) % R
    assert p.first_unsatisfied(w) is not None


def test_input_errors() -> None:
    p = build(cube_circuit)
    with pytest.raises(ValueError, match="missing"):
        p.solve({"x": 1})
    with pytest.raises(ValueError, match="unknown"):
        p.solve({"x": 1, "y": 7, "z": 1})
    with pytest.raises(ValueError, match="range"):
        p.solve({"x": R, "y": 7})
    with pytest.raises(ValueError, match="int"):
        p.solve({"x": 1.5, "y": 7})
    # Negative inputs are signed values mod r; strings are parsed.
    assert p.solve({"x": -1, "y": "3"}).signal("x") == R - 1


def test_declaration_errors() -> None:
    cs = Circuit()
    cs.private_input("a")
    with pytest.raises(CircuitError, match="twice"):
        cs.public_input("a")
    with pytest.raises(CircuitError), cs.scope("a/b"):
        pass
    cs2 = Circuit()
    x = cs2.private_input("x")
    cs2.hint_div(1, x, "lonely")
    with pytest.raises(CircuitError, match="lonely"):
        cs2.compile()


def test_unsatisfiable_constant_constraint() -> None:
    cs = Circuit()
    cs.private_input("x")
    cs.assert_equal(1, 2, "one_is_two")
    with pytest.raises(UnsatisfiableError, match="one_is_two"):
        cs.compile()


def test_constant_products_are_free() -> None:
    cs = Circuit()
    x = cs.private_input("x")
    assert cs.mul(3, x, "k").t == {x.single_slot(): 3}
    assert cs.mul(2, 5, "c").constant_value() == 10
    with pytest.raises(TypeError):
        _ = x * x


def test_linear_elimination_choice() -> None:
    # y = x0 + ... + x9 kept as a signal by eliminating x9 instead: the product then uses y alone.
    cs = Circuit()
    xs = cs.private_inputs("x", 10)
    t = cs.mul(xs[0], xs[1], "t")
    s = cs.linear(t + sum(xs[2:], LC()), "s", eliminate=t)
    out = cs.mul(s, s, "sq")
    cs.public_output("out", out)
    p = cs.compile()
    assert p.n_constraints == 2
    r1cs = p.r1cs()
    # The square's A and B have one term each: s stayed a wire.
    a, b, _ = r1cs.constraint(1)
    assert len(a) == 1 and len(b) == 1
    vals = list(range(1, 11))
    tot = 1 * 2 + sum(vals[2:])
    assert p.solve({"x": vals}).signal("out") == tot * tot


def square_template() -> Template:
    def body(cs: Circuit, ins: list[LC]) -> list[LC]:
        a, b = ins
        return [cs.mul(a, b, "prod") + 7]

    return Template("Prod", ["a", "b"], body)


def test_template_matches_inline_and_names() -> None:
    t = square_template()
    cs = Circuit("tpl")
    a = cs.private_input("a")
    b = cs.private_input("b")
    with cs.scope("outer"):
        o1 = t(cs, [a, b + 1], "c1")[0]  # an LC input binds through a folded signal
        o2 = t(cs, [o1, o1], "c2")[0]  # the same signal twice
        o3 = t(cs, [o2, 5], "c3")[0]  # a constant input
    cs.public_output("out", o3)
    p = cs.compile()
    assert p.n_constraints == 2  # c3 multiplies by a constant: folded
    names = [p.constraint_name(i) for i in range(p.n_constraints)]
    assert names == ["outer/c1/prod", "outer/c2/prod"]
    v = (2 * 4 + 7) ** 2 + 7
    s = solve_ok(p, {"a": 2, "b": 3})
    assert s.signal("out") == (v * 5 + 7) % R
    with pytest.raises(CircuitError, match="takes 2 inputs"):
        t(cs, [a], "bad")


def test_nested_templates() -> None:
    inner = square_template()
    outer = Template("Outer", ["x"], lambda cs, ins: [inner(cs, [ins[0], ins[0]], "sq")[0] * 2])
    cs = Circuit()
    x = cs.private_input("x")
    y = outer(cs, [x], "o1")[0]
    z = outer(cs, [y], "o2")[0]
    cs.public_output("z", z)
    p = cs.compile()
    s = solve_ok(p, {"x": 3})
    y_val = (9 + 7) * 2
    assert s.signal("z") == (y_val * y_val + 7) * 2
    assert p.constraint_name(1) == "o2/sq/prod"


def test_python_hint() -> None:
    cs = Circuit()
    x = cs.private_input("x")
    (sq,) = cs.hint_py(lambda v: [v[0] * v[0] % R], [x + 1], 1, "square")
    cs.constrain(x + 1, x + 1, sq, "check")
    cs.public_output("sq", sq)
    p = cs.compile()
    assert OP_PY in set(p.compiled.tape_words.tolist())
    for engine in ("native", "python"):
        assert p.solve({"x": 4}, engine=engine).signal("sq") == 25


def test_r1cs_and_wtns_files_read_back(tmp_path) -> None:
    p = build(cube_circuit)
    s = p.solve({"x": 5, "y": 135})
    p.write_r1cs(tmp_path / "c.r1cs")
    s.write_wtns(tmp_path / "c.wtns")
    r = read_r1cs(tmp_path / "c.r1cs")
    assert (r.n_wires, r.n_constraints, r.n_pub_out, r.n_pub_in, r.n_prv_in) == (p.n_wires, 3, 1, 1, 1)
    w = read_wtns(tmp_path / "c.wtns")
    assert w.values() == s.values()
    assert r.first_unsatisfied(w.values()) is None
