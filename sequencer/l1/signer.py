"""The submitter key: an encrypted keystore (eth-account's JSON keystore, its password from a file
or ZKCLEAR_SEQUENCER_PASSWORD), or a remote signer that holds the key and takes
`eth_sendTransaction` over JSON-RPC (a clef-like signer, anvil's unlocked accounts).  Never a bare
key file.  Also the EIP-1559 fee fields, raised on each re-send of a stuck transaction."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from eth_account import Account
from eth_utils import is_address, to_checksum_address
from web3 import HTTPProvider, Web3

from sequencer.l1.errors import L1Error
from sequencer.node.config import NodeConfig

PASSWORD_ENV = "ZKCLEAR_SEQUENCER_PASSWORD"
DEFAULT_TIP = 10**9  # 1 gwei, where the node does not suggest one (eth_maxPriorityFeePerGas)
BUMP_PERCENT = 25  # per re-send: above the 10% most nodes require to replace a pending transaction


class TxSender(Protocol):
    """Signs and sends a complete transaction (to, data, gas, nonce, fees, chainId); returns its hash."""

    address: str

    def send(self, w3: Any, tx: dict[str, Any]) -> bytes: ...


class KeystoreSender:
    def __init__(self, account: Any) -> None:
        self.account = account
        self.address = str(account.address)

    def send(self, w3: Any, tx: dict[str, Any]) -> bytes:
        signed = self.account.sign_transaction({k: v for k, v in tx.items() if k != "from"})
        return bytes(w3.eth.send_raw_transaction(signed.raw_transaction))


class RemoteSender:
    def __init__(self, url: str, address: str) -> None:
        self.url = url
        self.address: str = to_checksum_address(address)
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 30}))

    def send(self, w3: Any, tx: dict[str, Any]) -> bytes:
        try:
            params: Any = {**tx, "from": self.address}
            return bytes(self.w3.eth.send_transaction(params))
        except OSError as exc:
            raise L1Error("l1_unreachable", f"signer {self.url}: {exc}") from exc


def open_sender(cfg: NodeConfig) -> TxSender:
    """The configured submitter: exactly one of --sequencer-key or --sequencer-signer-rpc."""
    if cfg.sequencer_key is not None and cfg.sequencer_signer_rpc is not None:
        raise L1Error("l1_config", "give --sequencer-key or --sequencer-signer-rpc, not both")
    if cfg.sequencer_signer_rpc is not None:
        if cfg.sequencer_address is None or not is_address(cfg.sequencer_address):
            raise L1Error(
                "l1_config", "--sequencer-signer-rpc needs --sequencer-address 0x.. (the key it holds)"
            )
        return RemoteSender(cfg.sequencer_signer_rpc, cfg.sequencer_address)
    if cfg.sequencer_key is None:
        raise L1Error(
            "l1_config", "submitting batches needs --sequencer-key FILE or --sequencer-signer-rpc URL"
        )
    return KeystoreSender(load_keystore(cfg.sequencer_key, cfg.sequencer_password_file))


def load_keystore(path: Path, password_file: Path | None) -> Any:
    """Decrypt an eth-account keystore; a file that is not one (a bare key) is refused."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise L1Error(
            "l1_signer", f"{path} is not an encrypted keystore (JSON): {exc}; a bare key file is refused"
        ) from None
    if not isinstance(data, dict) or "crypto" not in {k.lower() for k in data}:
        raise L1Error("l1_signer", f"{path} is not an encrypted keystore; a bare key file is refused")
    if password_file is not None:
        try:
            password = Path(password_file).read_text().rstrip("\r\n")
        except OSError as exc:
            raise L1Error("l1_signer", f"cannot read the password file {password_file}: {exc}") from None
    elif PASSWORD_ENV in os.environ:
        password = os.environ[PASSWORD_ENV]
    else:
        raise L1Error(
            "l1_signer", f"the keystore's password: --sequencer-password-file FILE or {PASSWORD_ENV}"
        )
    try:
        key = Account.decrypt(data, password)
    except ValueError as exc:
        raise L1Error("l1_signer", f"cannot decrypt {path}: {exc}") from None
    return Account.from_key(key)


def fee_fields(w3: Any, sends: int) -> dict[str, int]:
    """EIP-1559 fees: a tip (the node's suggestion, else 1 gwei) and a cap of twice the latest base
    fee plus the tip, both raised BUMP_PERCENT per earlier send of the same batch, so a re-sent
    transaction replaces a stuck one."""
    base = int(w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0)
    try:
        tip = int(w3.eth.max_priority_fee)
    except Exception:  # not every node has eth_maxPriorityFeePerGas (eth-tester has not)
        tip = DEFAULT_TIP
    tip = max(tip, 1)
    factor_num, factor_den = (100 + BUMP_PERCENT) ** sends, 100**sends
    tip = tip * factor_num // factor_den
    cap = (2 * base) * factor_num // factor_den + tip
    return {"maxPriorityFeePerGas": tip, "maxFeePerGas": cap}
