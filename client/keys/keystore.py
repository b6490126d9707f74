"""The L2 keystore file: the L2 private key encrypted with a password (Ethereum keystore v3 cipher:
scrypt + AES-128-CTR + keccak MAC, via eth-keyfile) beside its public metadata.

File layout (JSON):
    {"zkclear_keystore": 1, "owner": "0x..", "chain_id": 1337, "rollup": "0x..", "key_index": 0,
     "public_key": ["x", "y"], "account_id": null | int, "crypto": {...keystore v3 crypto...},
     "eth_crypto": {...keystore v3 crypto...}}   (optional)
`crypto` (the L2 key) and `eth_crypto` (the owner's 32-byte Ethereum key, for the trader's L1
transactions: deposit, claim, forced withdrawal, exit) are secret, both under the one password;
`account_id` is filled in once the node has assigned one. A keystore without `eth_crypto` still
trades on L2; its L1 commands then take the Ethereum key from `--eth-key` or `--eth-keystore`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import eth_keyfile
from eth_account import Account

from client.keys.derive import L2Key

KEYSTORE_VERSION = 1
# eth-keyfile's default scrypt cost (n = 2^18); tests pass a lower one.
DEFAULT_SCRYPT_N = 1 << 18


class KeystoreError(ValueError):
    """The keystore file is missing, malformed, or the password is wrong."""


@dataclass
class Keystore:
    owner: str
    chain_id: int
    rollup: str
    key_index: int
    public_key: tuple[int, int]
    crypto: dict[str, Any]
    account_id: int | None = None
    path: Path | None = field(default=None, compare=False)
    eth_crypto: dict[str, Any] | None = None

    def unlock(self, password: str) -> L2Key:
        try:
            prv = eth_keyfile.decode_keyfile_json({"version": 3, "crypto": self.crypto}, password.encode())
        except Exception as exc:  # eth-keyfile raises its own ValueError subclasses
            raise KeystoreError(f"cannot unlock keystore: {exc}") from exc
        key = L2Key(prv, self.owner, self.chain_id, self.rollup, self.key_index)
        if key.public_key != self.public_key:
            raise KeystoreError("keystore is corrupt: the decrypted key does not match its public key")
        return key

    def unlock_eth(self, password: str) -> bytes:
        """The owner's Ethereum private key; KeystoreError when the keystore holds none, the
        password is wrong or the key is not the owner's."""
        if self.eth_crypto is None:
            raise KeystoreError(
                "this keystore holds no Ethereum key: pass --eth-key or --eth-keystore "
                "(or recreate it with `zkclear account create --eth-key ...`)"
            )
        try:
            prv = bytes(
                eth_keyfile.decode_keyfile_json({"version": 3, "crypto": self.eth_crypto}, password.encode())
            )
        except Exception as exc:  # eth-keyfile raises its own ValueError subclasses
            raise KeystoreError(f"cannot unlock the keystore's Ethereum key: {exc}") from exc
        if Account.from_key(prv).address.lower() != self.owner.lower():
            raise KeystoreError("keystore is corrupt: its Ethereum key is not the owner's")
        return prv

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "zkclear_keystore": KEYSTORE_VERSION,
            "owner": self.owner,
            "chain_id": self.chain_id,
            "rollup": self.rollup,
            "key_index": self.key_index,
            "public_key": [str(self.public_key[0]), str(self.public_key[1])],
            "account_id": self.account_id,
            "crypto": self.crypto,
        }
        if self.eth_crypto is not None:
            out["eth_crypto"] = self.eth_crypto
        return out

    def save(self, path: Path | None = None) -> Path:
        target = Path(path or self.path or "")
        if not str(target):
            raise KeystoreError("no keystore path given")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        # Written then renamed, so a crash never leaves a half-written keystore; 0600 like geth's.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(self.to_json(), fh, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        self.path = target
        return target


def save_keystore(
    key: L2Key,
    path: Path,
    password: str,
    *,
    scrypt_n: int = DEFAULT_SCRYPT_N,
    eth_private_key: bytes | None = None,
) -> Keystore:
    """Encrypt the L2 key (and, given, the owner's Ethereum key) under `password` into `path`."""
    v3 = eth_keyfile.create_keyfile_json(
        key.private_key, password.encode(), kdf="scrypt", iterations=scrypt_n
    )
    eth_crypto = None
    if eth_private_key is not None:
        if Account.from_key(eth_private_key).address.lower() != key.owner.lower():
            raise KeystoreError("the Ethereum key is not the L2 key's owner")
        eth_crypto = eth_keyfile.create_keyfile_json(
            eth_private_key, password.encode(), kdf="scrypt", iterations=scrypt_n
        )["crypto"]
    ks = Keystore(
        key.owner,
        key.chain_id,
        key.rollup,
        key.key_index,
        key.public_key,
        v3["crypto"],
        eth_crypto=eth_crypto,
    )
    ks.save(path)
    return ks


def load_keystore(path: Path) -> Keystore:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise KeystoreError(f"no keystore at {path} (create one with `zkclear account create`)") from exc
    except (OSError, ValueError) as exc:
        raise KeystoreError(f"cannot read keystore {path}: {exc}") from exc
    try:
        if data.get("zkclear_keystore") != KEYSTORE_VERSION:
            raise KeystoreError(
                f"{path} is not a zkclear keystore (version {data.get('zkclear_keystore')!r})"
            )
        pub = data["public_key"]
        return Keystore(
            owner=str(data["owner"]),
            chain_id=int(data["chain_id"]),
            rollup=str(data["rollup"]),
            key_index=int(data["key_index"]),
            public_key=(int(pub[0]), int(pub[1])),
            crypto=dict(data["crypto"]),
            account_id=None if data.get("account_id") is None else int(data["account_id"]),
            path=Path(path),
            eth_crypto=None if data.get("eth_crypto") is None else dict(data["eth_crypto"]),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, KeystoreError):
            raise
        raise KeystoreError(f"{path}: malformed keystore ({exc})") from exc
