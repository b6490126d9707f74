"""The L2 keystore file: the L2 private key encrypted with a password (Ethereum keystore v3 cipher:
scrypt + AES-128-CTR + keccak MAC, via eth-keyfile) beside its public metadata.

File layout (JSON):
    {"zkclear_keystore": 1, "owner": "0x..", "chain_id": 1337, "rollup": "0x..", "key_index": 0,
     "public_key": ["x", "y"], "account_id": null | int, "crypto": {...keystore v3 crypto...}}
Only `crypto` is secret; `account_id` is filled in once the node has assigned one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import eth_keyfile

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

    def unlock(self, password: str) -> L2Key:
        try:
            prv = eth_keyfile.decode_keyfile_json({"version": 3, "crypto": self.crypto}, password.encode())
        except Exception as exc:  # eth-keyfile raises its own ValueError subclasses
            raise KeystoreError(f"cannot unlock keystore: {exc}") from exc
        key = L2Key(prv, self.owner, self.chain_id, self.rollup, self.key_index)
        if key.public_key != self.public_key:
            raise KeystoreError("keystore is corrupt: the decrypted key does not match its public key")
        return key

    def to_json(self) -> dict[str, Any]:
        return {
            "zkclear_keystore": KEYSTORE_VERSION,
            "owner": self.owner,
            "chain_id": self.chain_id,
            "rollup": self.rollup,
            "key_index": self.key_index,
            "public_key": [str(self.public_key[0]), str(self.public_key[1])],
            "account_id": self.account_id,
            "crypto": self.crypto,
        }

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


def save_keystore(key: L2Key, path: Path, password: str, *, scrypt_n: int = DEFAULT_SCRYPT_N) -> Keystore:
    v3 = eth_keyfile.create_keyfile_json(
        key.private_key, password.encode(), kdf="scrypt", iterations=scrypt_n
    )
    ks = Keystore(key.owner, key.chain_id, key.rollup, key.key_index, key.public_key, v3["crypto"])
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
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, KeystoreError):
            raise
        raise KeystoreError(f"{path}: malformed keystore ({exc})") from exc
