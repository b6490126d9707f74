"""Client-side signing: builds the exchange's signed messages for one account and encodes them as
the node's JSON bodies (docs/protocol.md, HTTP API), plus account read tokens.

    wallet = Wallet(Signer(l2_private_key), account_id, domain_hash)
    client.place_order(wallet.order(market_id=0, side=BUY, price=5_000_000, size=10, order_id=..., expiry=...))
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Set as AbstractSet
from typing import Any

from client.http import NodeError
from protocol.messages.cancel import CancelMessage
from protocol.messages.cancel_all import CancelAllMessage
from protocol.messages.order import OrderMessage, TimeInForce, make_flags
from protocol.messages.read_auth import make_token
from protocol.messages.transfer import TransferMessage
from protocol.messages.withdraw import WithdrawMessage
from protocol.signing import Signer

ORDER_SLOTS = 1024
# Amount-like fields travel as decimal strings (docs/protocol.md section 1); ids and times as numbers;
# Ethereum addresses as 0x hex, the encoding the node answers with.
STRING_FIELDS = {"price", "size", "amount"}
ADDRESS_FIELDS = {"recipient", "owner"}
ADDRESS_LIMIT = 1 << 160
_HEX40 = re.compile(r"0[xX][0-9a-fA-F]{40}")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,48}")


def parse_address(value: int | str) -> int:
    """An Ethereum address from an integer, a decimal string or `0x` and 40 hex digits (the forms
    the node accepts, docs/protocol.md section 11); ValueError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        v = value
    elif isinstance(value, str) and _HEX40.fullmatch(value):
        v = int(value, 16)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value):
        v = int(value)
    else:
        raise ValueError(f"{value!r} is not an Ethereum address (0x and 40 hex digits, or a decimal integer)")
    if not 0 <= v < ADDRESS_LIMIT:
        raise ValueError(f"{value!r} is not below 2^160")
    return v


def address_hex(v: int) -> str:
    return f"{v:#042x}"


def body_of(msg: Any, sig: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(msg):
        v = getattr(msg, f.name)
        if f.name in STRING_FIELDS:
            v = str(v)
        elif f.name in ADDRESS_FIELDS:
            v = address_hex(v)
        out[f.name] = v
    out["sig"] = {"R8": [str(sig.R8[0]), str(sig.R8[1])], "S": str(sig.S)}
    return out


class Wallet:
    def __init__(self, signer: Signer, account_id: int | None, domain: int) -> None:
        self.signer = signer
        self.account_id = account_id
        self.domain = domain
        self._last_order_id = 0

    @property
    def public_key(self) -> tuple[int, int]:
        return self.signer.pub

    @classmethod
    def from_keystore(cls, ks: Any, password: str, client: Any) -> Wallet:
        """Unlock a keystore, read the signing domain from the node, find the account id."""
        key = ks.unlock(password)
        info = client.info()
        if int(info["chain_id"]) != ks.chain_id or int(info["rollup_address"], 16) != int(ks.rollup, 16):
            raise NodeError(
                "wrong_domain",
                f"the keystore is for chain {ks.chain_id} / {ks.rollup}, the node serves "
                f"{info['chain_id']} / {info['rollup_address']}",
            )
        account_id = ks.account_id
        if account_id is None:
            account_id = int(client.account_by_key(key.public_key)["account_id"])
            ks.account_id = account_id
            if ks.path is not None:
                ks.save()
        return cls(Signer(key.private_key), account_id, int(info["domain_hash"]))

    def _need_account(self) -> int:
        if self.account_id is None:
            raise ValueError("this wallet has no account id yet (deposit first)")
        return self.account_id

    def _sign(self, msg: Any) -> dict[str, Any]:
        return body_of(msg, self.signer.sign(msg.hash(self.domain)))

    def next_order_id(self, busy_slots: AbstractSet[int] = frozenset()) -> int:
        """A fresh order id: consecutive after the first (so slots, id mod 1024, are used in turn),
        the first time-based (so a restarted client starts above its earlier ids), in a slot not
        held by a live order."""
        oid = self._last_order_id + 1 if self._last_order_id else int(time.time() * 1000) * 16
        while oid % ORDER_SLOTS in busy_slots:
            oid += 1
        self._last_order_id = oid
        return oid

    def order(
        self, *, market_id: int, side: int, price: int, size: int, order_id: int, expiry: int, flags: int = 0
    ) -> dict[str, Any]:
        self._last_order_id = max(self._last_order_id, order_id)
        msg = OrderMessage(self._need_account(), market_id, side, price, size, order_id, expiry, flags)
        return self._sign(msg)

    def takeover(
        self,
        *,
        account_id: int,
        market_id: int,
        side: int,
        price: int,
        size: int,
        order_id: int,
        expiry: int,
    ) -> dict[str, Any]:
        """The body of POST /v1/liquidations/takeover: take up to `size` of account `account_id`'s
        position in its liquidation auction with a signed IOC order on the other side (`side`; a
        limit `price` no worse than the oracle price), at the oracle price plus the auction discount
        (protocol.md 4.8)."""
        order = self.order(
            market_id=market_id,
            side=side,
            price=price,
            size=size,
            order_id=order_id,
            expiry=expiry,
            flags=make_flags(TimeInForce.IOC),
        )
        return {"account_id": account_id, "market_id": market_id, "size": size, "order": order}

    def cancel(self, *, order_id: int, expiry: int) -> dict[str, Any]:
        return self._sign(CancelMessage(self._need_account(), order_id, expiry))

    def cancel_all(self, *, market_id: int, nonce: int, expiry: int) -> dict[str, Any]:
        return self._sign(CancelAllMessage(self._need_account(), market_id, nonce, expiry))

    def withdraw(self, *, amount: int, recipient: int | str, nonce: int, expiry: int) -> dict[str, Any]:
        to = parse_address(recipient)
        return self._sign(WithdrawMessage(self._need_account(), amount, to, nonce, expiry))

    def transfer(self, *, to_id: int, amount: int, nonce: int, expiry: int) -> dict[str, Any]:
        return self._sign(TransferMessage(self._need_account(), to_id, amount, nonce, expiry))

    def read_token(self, expiry: int) -> str:
        return make_token(self.signer.sign, self.domain, self._need_account(), expiry)

    def deposit_body(self, amount: int, owner: int | str = 0) -> dict[str, Any]:
        """Body of the devnet faucet (POST /v1/devnet/deposit)."""
        return {
            "pub_x": str(self.public_key[0]),
            "pub_y": str(self.public_key[1]),
            "amount": str(amount),
            "owner": address_hex(parse_address(owner)),
        }
