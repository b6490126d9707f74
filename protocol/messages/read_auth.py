"""The account read token (protocol.md section 6): how a client proves it holds an account's L2 key to
read private data.

A token is `account.expiry.R8x.R8y.S` (decimal integers joined by dots), an EdDSA-Poseidon
signature by the account's key over Poseidon([TAG_READ_AUTH, domain_hash, account, expiry]).  The
client builds it (`make_token`); the node parses and verifies it (`sequencer.node.auth`).
"""

from __future__ import annotations

from collections.abc import Callable

from native.poseidon import poseidon
from protocol.constants import Tag

MAX_TOKEN_LIFETIME_S = 24 * 3600
HEADER = "X-Zkclear-Auth"


def token_message(domain_hash: int, account: int, expiry: int) -> int:
    return poseidon([Tag.READ_AUTH, domain_hash, account, expiry])


def make_token(
    sign: Callable[[int], tuple[tuple[int, int], int]], domain_hash: int, account: int, expiry: int
) -> str:
    """Build a token with `sign(msg) -> (R8, S)` (e.g. `Signer.sign`)."""
    r8, s = sign(token_message(domain_hash, account, expiry))
    return f"{account}.{expiry}.{r8[0]}.{r8[1]}.{s}"
