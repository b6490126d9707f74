"""The gadget instances whose constraint counts are pinned (tests/circuits/constraint_counts.json)
and compared with circomlib's (tests/circuits/circomlib_counts.json, measured with circom2 --O2).

Each entry builds the gadget the way circom's `component main = ...` would: inputs private, results
public outputs; the name is circomlib's template where there is one.
"""

from __future__ import annotations

from collections.abc import Callable

from circuits.dsl import Circuit
from circuits.gadgets import babyjub as gb
from circuits.gadgets import bits, comparators, eddsa, merkle, sha256
from circuits.gadgets.poseidon import poseidon_template


def _poseidon(n: int) -> Callable[[], int]:
    return lambda: poseidon_template(n).n_constraints


def _program(body: Callable[[Circuit], None]) -> Callable[[], int]:
    def count() -> int:
        cs = Circuit("count")
        body(cs)
        return cs.compile().n_constraints

    return count


def _outputs(cs: Circuit, name: str, values: list) -> None:
    for i, v in enumerate(values):
        cs.public_output(f"{name}[{i}]", v)


def _num2bits_strict(cs: Circuit) -> None:
    _outputs(cs, "out", bits.num2bits_strict(cs, cs.private_input("in")))


def _num2bits64(cs: Circuit) -> None:
    _outputs(cs, "out", bits.num2bits(cs, cs.private_input("in"), 64))


def _less_than(n: int) -> Callable[[Circuit], None]:
    def body(cs: Circuit) -> None:
        a, b = cs.private_inputs("in", 2)
        cs.public_output("out", comparators.less_than(cs, a, b, n))

    return body


def _is_zero(cs: Circuit) -> None:
    cs.public_output("out", comparators.is_zero(cs, cs.private_input("in")))


def _is_equal(cs: Circuit) -> None:
    a, b = cs.private_inputs("in", 2)
    cs.public_output("out", comparators.is_equal(cs, a, b))


def _mux1(cs: Circuit) -> None:
    c0, c1 = cs.private_inputs("c", 2)
    cs.public_output("out", comparators.select(cs, cs.private_input("s"), c0, c1))


def _baby_add(cs: Circuit) -> None:
    p, q = cs.private_inputs("p", 2), cs.private_inputs("q", 2)
    _outputs(cs, "out", list(gb.add(cs, (p[0], p[1]), (q[0], q[1]))))


def _baby_dbl(cs: Circuit) -> None:
    p = cs.private_inputs("p", 2)
    _outputs(cs, "out", list(gb.double(cs, (p[0], p[1]))))


def _baby_check(cs: Circuit) -> None:
    p = cs.private_inputs("p", 2)
    gb.on_curve(cs, (p[0], p[1]))


def _escalar_mul_any(cs: Circuit) -> None:
    e = cs.private_inputs("e", 254)
    p = cs.private_inputs("p", 2)
    _outputs(cs, "out", list(gb.scalar_mul_any(cs, e, (p[0], p[1]))))


def _eddsa(cs: Circuit) -> None:
    en = cs.private_input("enabled")
    ax, ay, s, r8x, r8y, m = (cs.private_input(n) for n in ["Ax", "Ay", "S", "R8x", "R8y", "M"])
    eddsa.verify(cs, (ax, ay), m, (r8x, r8y), s, enabled=en)


def _sha256_440(cs: Circuit) -> None:
    _outputs(cs, "out", sha256.sha256_bits(cs, cs.private_inputs("in", 440)))


def _merkle_update(depth: int) -> Callable[[Circuit], None]:
    def body(cs: Circuit) -> None:
        old_root, new_root, old_leaf, new_leaf, idx = cs.private_inputs("x", 5)
        sib = cs.private_inputs("sib", merkle.SIBLINGS * depth)
        merkle.verify_update(cs, old_root, new_root, old_leaf, new_leaf, idx, sib)

    return body


def _merkle_member(depth: int) -> Callable[[Circuit], None]:
    def body(cs: Circuit) -> None:
        root, leaf, idx = cs.private_inputs("x", 3)
        merkle.verify_membership(cs, root, leaf, idx, cs.private_inputs("sib", merkle.SIBLINGS * depth))

    return body


GADGETS: dict[str, Callable[[], int]] = {
    **{f"Poseidon({n})": _poseidon(n) for n in range(1, 17)},
    "Num2Bits(64)": _program(_num2bits64),
    "Num2Bits_strict": _program(_num2bits_strict),
    "LessThan(64)": _program(_less_than(64)),
    "LessThan(252)": _program(_less_than(251)),
    "IsZero": _program(_is_zero),
    "IsEqual": _program(_is_equal),
    "Mux1": _program(_mux1),
    "BabyAdd": _program(_baby_add),
    "BabyDbl": _program(_baby_dbl),
    "BabyCheck": _program(_baby_check),
    "EscalarMulAny(254)": _program(_escalar_mul_any),
    "EdDSAPoseidonVerifier": _program(_eddsa),
    "Sha256(440)": _program(_sha256_440),
    # 4-ary trees (protocol.md section 3): one level, then the account (12) and order-slot (5) paths
    "Merkle4Level": lambda: merkle.level_template().n_constraints,
    "Merkle4Membership(12)": _program(_merkle_member(12)),
    "Merkle4Update(12)": _program(_merkle_update(12)),
    "Merkle4Membership(5)": _program(_merkle_member(5)),
    "Merkle4Update(5)": _program(_merkle_update(5)),
}


def measure(names: list[str] | None = None) -> dict[str, int]:
    return {name: fn() for name, fn in GADGETS.items() if names is None or name in names}
