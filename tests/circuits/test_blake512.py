"""BLAKE-512 twin against the spec's vectors and the `blake-hash` package circomlibjs uses."""

from __future__ import annotations

import json
import random

import pytest

from circuits.primitives.blake512 import blake512
from tests.conftest import run_node

# From the BLAKE submission (version 1.3), appendix: one zero byte and 144 zero bytes.
SPEC_VECTORS = [
    (
        bytes(1),
        "97961587f6d970faba6d2478045de6d1fabd09b61ae50932054d52bc29d31be4"
        "ff9102b9f69e2bbdb83be13d4b9c06091e5fa0b48bd081b634058be0ec49beb3",
    ),
    (
        bytes(144),
        "313717d608e9cf758dcb1eb0f0c3cf9fc150b2d500fb33f51c52afc99d358a2f"
        "1374b8a38bba7974e7f6ef79cab16f22ce1e649d6e01ad9589c213045d545dde",
    ),
]


@pytest.mark.parametrize(("data", "digest"), SPEC_VECTORS)
def test_spec_vectors(data: bytes, digest: str) -> None:
    assert blake512(data).hex() == digest


@pytest.mark.node
def test_matches_blake_hash_at_every_padding_boundary() -> None:
    rng = random.Random(5)
    # Lengths around the 111/112/128-byte padding edges, where the counter rules differ.
    lengths = [0, 1, 32, 64, 110, 111, 112, 113, 127, 128, 129, 239, 240, 256, 300]
    inputs = [bytes(rng.randrange(256) for _ in range(n)) for n in lengths]
    script = """
      import createBlakeHash from 'blake-hash';
      const xs = JSON.parse(process.argv[1]);
      console.log(JSON.stringify(xs.map(h => createBlakeHash('blake512').update(Buffer.from(h, 'hex')).digest('hex'))));
    """
    expected = json.loads(run_node(script, json.dumps([x.hex() for x in inputs])))
    assert [blake512(x).hex() for x in inputs] == expected
