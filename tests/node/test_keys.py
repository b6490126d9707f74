"""L2 key derivation from an Ethereum key (EIP-712) and the keystore file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from circuits.primitives import eddsa
from client.keys import (
    KeystoreError,
    derivation_typed_data,
    derive_l2_key,
    l2_private_key_from_signature,
    load_keystore,
    save_keystore,
)
from client.keys.derive import SECP256K1_N
from tests.conftest import run_node_json

ETH_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ROLLUP = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
FAST_SCRYPT = 1 << 10


def test_same_eth_key_same_l2_key() -> None:
    a = derive_l2_key(ETH_KEY, 1337, ROLLUP)
    b = derive_l2_key("0x" + ETH_KEY.hex(), 1337, ROLLUP.lower())
    assert a.private_key == b.private_key and len(a.private_key) == 32
    assert a.public_key == b.public_key
    assert a.owner == Account.from_key(ETH_KEY).address


@pytest.mark.parametrize(
    ("chain_id", "rollup", "key_index"),
    [(1, ROLLUP, 0), (1337, "0x" + "11" * 20, 0), (1337, ROLLUP, 1)],
)
def test_other_domain_or_index_gives_another_key(chain_id: int, rollup: str, key_index: int) -> None:
    base = derive_l2_key(ETH_KEY, 1337, ROLLUP)
    other = derive_l2_key(ETH_KEY, chain_id, rollup, key_index)
    assert other.private_key != base.private_key
    assert other.public_key != base.public_key


def test_other_eth_key_gives_another_key() -> None:
    assert (
        derive_l2_key(ETH_KEY, 1337, ROLLUP).private_key
        != derive_l2_key(b"\x02" * 32, 1337, ROLLUP).private_key
    )


def test_derived_key_signs_and_verifies() -> None:
    key = derive_l2_key(ETH_KEY, 1337, ROLLUP)
    sig = eddsa.sign(key.private_key, 42)
    assert eddsa.verify(key.public_key, 42, sig)


def test_signature_encoding_is_normalised() -> None:
    """v's encoding is ignored and a high-s twin of a signature derives the same key."""
    typed = derivation_typed_data(Account.from_key(ETH_KEY).address, 1337, ROLLUP)
    sig = bytes(Account.sign_typed_data(ETH_KEY, full_message=typed).signature)
    r, s, v = sig[:32], int.from_bytes(sig[32:64], "big"), sig[64]
    k = l2_private_key_from_signature(sig)
    assert l2_private_key_from_signature(r + s.to_bytes(32, "big") + bytes([v - 27])) == k
    assert l2_private_key_from_signature(r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([v])) == k
    with pytest.raises(ValueError):
        l2_private_key_from_signature(sig[:64])
    with pytest.raises(ValueError):
        l2_private_key_from_signature(b"\x00" * 65)


def test_typed_message_validation() -> None:
    with pytest.raises(ValueError):
        derivation_typed_data(ROLLUP, 0, ROLLUP)
    with pytest.raises(ValueError):
        derivation_typed_data(ROLLUP, 1, ROLLUP, key_index=2**32)


@pytest.mark.node
def test_ethers_derives_the_same_key() -> None:
    """An independent EIP-712 signer (ethers v5, as a browser wallet would) yields the same L2 key,
    and circomlibjs computes the same public key from it."""
    typed = derivation_typed_data(Account.from_key(ETH_KEY).address, 1337, ROLLUP)
    types = {k: v for k, v in typed["types"].items() if k != "EIP712Domain"}
    script = """
import { ethers } from 'ethers';
import { buildEddsa } from 'circomlibjs';
const [key, domain, types, message] = process.argv.slice(1).map((a, i) => i ? JSON.parse(a) : a);
const wallet = new ethers.Wallet(key);
const sig = await wallet._signTypedData(domain, types, message);
console.log(JSON.stringify({ sig }));
"""
    out = run_node_json(
        script,
        "0x" + ETH_KEY.hex(),
        json.dumps(typed["domain"]),
        json.dumps(types),
        json.dumps(typed["message"]),
    )
    js_key = l2_private_key_from_signature(bytes.fromhex(out["sig"][2:]))  # type: ignore[index]
    py_key = derive_l2_key(ETH_KEY, 1337, ROLLUP)
    assert js_key == py_key.private_key
    pub = run_node_json(
        """
import { buildEddsa } from 'circomlibjs';
const eddsa = await buildEddsa();
const pub = eddsa.prv2pub(Buffer.from(process.argv[1], 'hex'));
console.log(JSON.stringify(pub.map((p) => eddsa.F.toObject(p).toString())));
""",
        js_key.hex(),
    )
    assert tuple(int(x) for x in pub) == py_key.public_key  # type: ignore[union-attr]


def test_encoded_message_is_pinned() -> None:
    """The EIP-712 digest parts of the derivation message (docs/protocol.md section 6)."""
    typed = derivation_typed_data("0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1", 1337, "0x" + "00" * 19 + "01")
    m = encode_typed_data(full_message=typed)
    assert m.header.hex() == "56bf2eeabad02a07b92b576b8732f681b9397cb2981e174716612a7e69e1a138"
    assert m.body.hex() == "419f7efadbe6d3472ea264fcfa1844e0f440d79443c6632daae9e5b1e9ff8a7f"
    key = derive_l2_key(b"\x01" * 32, 1337, "0x" + "00" * 19 + "01")
    assert key.owner == "0x1a642f0E3c3aF545E7AcBD38b07251B3990914F1"
    assert key.private_key.hex() == "8e876d6ebb4f4d9d78b5a196b604aa2a68d4cee81411aa405acb1ddb816f2501"


def test_keystore_roundtrip(tmp_path: Path) -> None:
    key = derive_l2_key(ETH_KEY, 1337, ROLLUP)
    path = tmp_path / "k" / "alice.json"
    save_keystore(key, path, "pw", scrypt_n=FAST_SCRYPT)
    assert path.stat().st_mode & 0o777 == 0o600
    raw = json.loads(path.read_text())
    assert key.private_key.hex() not in path.read_text()
    assert raw["public_key"] == [str(key.public_key[0]), str(key.public_key[1])]
    ks = load_keystore(path)
    assert ks.unlock("pw").private_key == key.private_key
    with pytest.raises(KeystoreError, match="unlock"):
        ks.unlock("wrong")
    ks.account_id = 7
    ks.save()
    assert load_keystore(path).account_id == 7


def test_keystore_errors(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match="no keystore"):
        load_keystore(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(KeystoreError):
        load_keystore(bad)
    bad.write_text(json.dumps({"zkclear_keystore": 1, "owner": "x"}))
    with pytest.raises(KeystoreError, match="malformed"):
        load_keystore(bad)
    key = derive_l2_key(ETH_KEY, 1337, ROLLUP)
    good = tmp_path / "good.json"
    save_keystore(key, good, "pw", scrypt_n=FAST_SCRYPT)
    data = json.loads(good.read_text())
    data["public_key"] = ["1", "2"]
    good.write_text(json.dumps(data))
    with pytest.raises(KeystoreError, match="corrupt"):
        load_keystore(good).unlock("pw")


@pytest.mark.parametrize("msg", [0, 1, 2**253 + 12345, eddsa.R - 1])
def test_derived_key_with_the_native_signer(msg: int) -> None:
    """Clients sign with protocol.signing.Signer (native); the derived key's signatures equal the
    circomlibjs twin's."""
    from protocol.signing import Signer

    key = derive_l2_key(ETH_KEY, 1337, ROLLUP)
    signer = Signer(key.private_key)
    assert signer.pub == key.public_key
    sig = signer.sign(msg)
    assert sig == eddsa.sign(key.private_key, msg)
    assert eddsa.verify(key.public_key, msg, sig)
