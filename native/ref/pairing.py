"""Reference optimal ate pairing on BN254 (py_ecc): the twin of native.pairing.

pairing(P, Q) = e(P, Q) for P in G1 and Q in G2 (affine std-int points, None = infinity), as
py_ecc's FQ12 (py_ecc.fields.bn128_FQ12), equal to py_ecc.bn128.pairing(Q, P).
pairing_check(pairs) tells whether prod e(P_i, Q_i) == 1, with one final exponentiation: the
Groth16 verification equation.  Both validate every point (on the curve, in the subgroup) and
raise ValueError naming the bad pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from py_ecc import optimized_bn128 as ob
from py_ecc.fields import bn128_FQ12 as PyFQ12

from native.base import G1Point, G2Point, Pair, pair_list
from native.ref.curve import G1, G2, _to_opt


def check_pairs(pairs: Sequence[Pair]) -> list[tuple[Any, Any]]:
    """The pairs with each point validated: on the curve, G2 in the subgroup."""
    return [
        (G1.check(p, f"pair {i}: G1 point"), G2.check(q, f"pair {i}: G2 point"))
        for i, (p, q) in enumerate(pair_list(pairs))
    ]


def _miller(p: G1Point, q: G2Point) -> Any:
    if p is None or q is None:
        return ob.FQ12.one()
    return ob.pairing(_to_opt(q), _to_opt(p), final_exponentiate=False)


def _to_py(f: Any) -> PyFQ12:
    return PyFQ12([int(c) for c in f.coeffs])


def pairing(p: G1Point, q: G2Point) -> PyFQ12:
    ((p, q),) = check_pairs([(p, q)])
    return _to_py(ob.final_exponentiate(_miller(p, q)))


def pairing_check(pairs: Sequence[Pair]) -> bool:
    checked = check_pairs(pairs)
    f = ob.FQ12.one()
    for p, q in checked:
        f = f * _miller(p, q)
    return ob.final_exponentiate(f) == ob.FQ12.one()
