"""Account read tokens: how a client proves it holds an account's L2 key to read private data.

A token is `account.expiry.R8x.R8y.S` (decimal integers joined by dots), sent in the
`X-Zkclear-Auth` header (or as the `auth` field of a WebSocket subscription).  It is an EdDSA-
Poseidon signature by the account's key over

    Poseidon([TAG_READ_AUTH = 22, domain_hash, account, expiry])

and is valid until `expiry` (unix seconds), at most MAX_TOKEN_LIFETIME_S ahead of the node's clock.
It grants reading, never trading: every state change carries its own signature.  Verified tokens
are cached, so a client signs once per session and the node verifies once per token.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from native.eddsa import verify_many
from protocol.messages.read_auth import HEADER, MAX_TOKEN_LIFETIME_S, token_message
from sequencer.node.errors import ApiError


class TokenVerifier:
    def __init__(
        self, domain_hash: int, pubkey_of: Callable[[int], tuple[int, int] | None], cache_size: int = 100_000
    ):
        self.domain_hash = domain_hash
        self.pubkey_of = pubkey_of
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple[int, int, tuple[int, int]]] = OrderedDict()

    def check(self, token: str | None, now: int, account: int | None = None) -> int:
        """The account the token authenticates; ApiError('unauthorized' / 'expired') otherwise.
        With `account`, the token must be for that account."""
        if not token or not isinstance(token, str):
            raise ApiError("unauthorized", f"this route needs an account token in the {HEADER} header")
        hit = self._cache.get(token)
        if hit is None:
            acct, expiry, r8, s = _parse(token)
            pub = self.pubkey_of(acct)
            if pub is None:
                raise ApiError("unknown_account", f"no account {acct}")
            if not verify_many([pub], [token_message(self.domain_hash, acct, expiry)], [(r8, s)])[0]:
                raise ApiError("unauthorized", "the account token's signature does not verify")
            hit = (acct, expiry, pub)
            self._cache[token] = hit
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        acct, expiry, pub = hit
        if expiry <= now:
            raise ApiError("expired", f"the account token expired at {expiry}")
        if expiry > now + MAX_TOKEN_LIFETIME_S:
            raise ApiError("expired", f"an account token may live at most {MAX_TOKEN_LIFETIME_S} s")
        if self.pubkey_of(acct) != pub:  # the account's key changed since the token was cached
            self._cache.pop(token, None)
            raise ApiError("unauthorized", "the account token was signed by a key the account no longer has")
        if account is not None and acct != account:
            raise ApiError("unauthorized", f"the token is for account {acct}, not {account}")
        return acct


def _parse(token: str) -> tuple[int, int, tuple[int, int], int]:
    parts = token.split(".")
    # ASCII digits only: str.isdigit() also takes digits like '²' that int() refuses
    if len(parts) != 5 or not all(p.isascii() and p.isdigit() and len(p) <= 78 for p in parts):
        raise ApiError("unauthorized", "an account token is account.expiry.R8x.R8y.S in decimal")
    acct, expiry, x, y, s = (int(p) for p in parts)
    return acct, expiry, (x, y), s
