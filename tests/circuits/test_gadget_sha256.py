"""SHA-256 gadget against hashlib, over one and two blocks, from bits and from bytes."""

from __future__ import annotations

import hashlib
import random
from functools import cache

import pytest

from circuits.dsl import Circuit
from circuits.gadgets.sha256 import digest_bytes, sha256_bits, sha256_bytes
from tests.circuits.helpers import solve_fails, solve_ok


@cache
def bits_program(n_bytes: int):
    cs = Circuit("sha")
    msg = cs.private_inputs("m", 8 * n_bytes)
    for i, b in enumerate(sha256_bits(cs, msg, "h")):
        cs.public_output(f"d[{i}]", b)
    return cs.compile()


def to_bits(data: bytes) -> list[int]:
    return [(data[i // 8] >> (7 - i % 8)) & 1 for i in range(8 * len(data))]


def digest_of(p, s) -> bytes:
    return digest_bytes([s.signal(f"d[{i}]") for i in range(256)])


@pytest.mark.parametrize("n_bytes", [0, 55, 56])
def test_matches_hashlib(n_bytes: int) -> None:
    p = bits_program(n_bytes)
    rng = random.Random(n_bytes)
    for k, data in enumerate([bytes(rng.randrange(256) for _ in range(n_bytes)), b"\xff" * n_bytes]):
        s = solve_ok(p, {"m": to_bits(data)}, mutation=(k == 0 and n_bytes == 55))
        assert digest_of(p, s) == hashlib.sha256(data).digest()


def test_bytes_input_is_range_checked() -> None:
    cs = Circuit("shab")
    data = cs.private_inputs("b", 3)
    for i, b in enumerate(sha256_bytes(cs, data, "h")):
        cs.public_output(f"d[{i}]", b)
    p = cs.compile()
    s = p.solve({"b": list(b"abc")})
    assert digest_of(p, s) == hashlib.sha256(b"abc").digest()
    solve_fails(p, {"b": [256, 0, 0]}, "h/byte0")


def test_wrong_digest_rejected() -> None:
    p = bits_program(4)
    w = p.solve({"m": to_bits(b"abcd")}).values()
    for k in (1, 100, 256):
        bad = list(w)
        bad[k] = 1 - bad[k]
        assert p.check(bad) is not None
