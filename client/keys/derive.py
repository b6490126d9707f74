"""Deterministic L2 (BabyJubJub) key from an Ethereum key, through an EIP-712 signature.

The user's Ethereum key signs a fixed typed message whose domain holds the chain id and the
rollup contract address; the 32-byte L2 private key is keccak256 of a label and the signature's
(r, s).  Ethereum signatures here are deterministic (RFC 6979, low s), so the same Ethereum key
always gives the same L2 key, and another chain id, rollup address or key index gives another.
Any wallet that can sign EIP-712 data can therefore recover the L2 key without a backup.
docs/protocol.md section 6 gives the exact message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_utils import keccak, to_checksum_address

DOMAIN_NAME = "zkclear"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "DeriveL2Key"
PURPOSE = (
    "Sign to derive your zkclear L2 trading key. Anyone holding this signature can trade and "
    "withdraw from your zkclear account: sign it only in software you trust."
)
KEY_LABEL = b"zkclear/l2-key/v1"

# secp256k1 group order: a high-s signature (allowed by some signers) is folded to low s first.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    PRIMARY_TYPE: [
        {"name": "purpose", "type": "string"},
        {"name": "owner", "type": "address"},
        {"name": "keyIndex", "type": "uint32"},
    ],
}


def derivation_typed_data(owner: str, chain_id: int, rollup: str, key_index: int = 0) -> dict[str, Any]:
    """The full EIP-712 message (as for eth_signTypedData_v4) that derives the L2 key."""
    if not 0 <= key_index < 2**32:
        raise ValueError("key_index must fit in uint32")
    if chain_id <= 0:
        raise ValueError("chain_id must be positive")
    return {
        "types": TYPES,
        "primaryType": PRIMARY_TYPE,
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(rollup),
        },
        "message": {"purpose": PURPOSE, "owner": to_checksum_address(owner), "keyIndex": key_index},
    }


def l2_private_key_from_signature(signature: bytes) -> bytes:
    """keccak256(KEY_LABEL || r || s) with s folded to the low half; v is ignored (wallets encode it
    as 0/1 or 27/28)."""
    if len(signature) != 65:
        raise ValueError(f"an Ethereum signature is 65 bytes (r, s, v), got {len(signature)}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
        raise ValueError("signature r or s out of range")
    if s > SECP256K1_N // 2:
        s = SECP256K1_N - s
    return keccak(KEY_LABEL + r.to_bytes(32, "big") + s.to_bytes(32, "big"))


@dataclass(frozen=True)
class L2Key:
    """An L2 private key (32 bytes, circomlibjs format) and where it belongs."""

    private_key: bytes
    owner: str
    chain_id: int
    rollup: str
    key_index: int = 0

    @property
    def public_key(self) -> tuple[int, int]:
        from circuits.primitives.eddsa import prv2pub

        return prv2pub(self.private_key)


def derive_l2_key(eth_private_key: bytes | str, chain_id: int, rollup: str, key_index: int = 0) -> L2Key:
    """Sign the derivation message with the Ethereum key and hash the signature into an L2 key."""
    account = Account.from_key(eth_private_key)
    typed = derivation_typed_data(account.address, chain_id, rollup, key_index)
    signed = Account.sign_typed_data(account.key, full_message=typed)
    prv = l2_private_key_from_signature(bytes(signed.signature))
    return L2Key(prv, account.address, chain_id, to_checksum_address(rollup), key_index)
