"""Users' L2 keys: deterministic derivation from an Ethereum key (EIP-712) and the keystore file."""

from client.keys.derive import L2Key, derivation_typed_data, derive_l2_key, l2_private_key_from_signature
from client.keys.keystore import Keystore, KeystoreError, load_keystore, save_keystore

__all__ = [
    "Keystore",
    "KeystoreError",
    "L2Key",
    "derivation_typed_data",
    "derive_l2_key",
    "l2_private_key_from_signature",
    "load_keystore",
    "save_keystore",
]
