"""The data-availability committee's message in validium mode (protocol.md section 7.8).

A member signs only once it holds the batch's state diff (the global, accounts and positions
sections, exactly as rollup mode would publish them) and has checked that applying it to the
previous state gives the header's new root.
"""

from __future__ import annotations

from protocol.constants import ADDRESS_BITS
from protocol.pubdata.fields import PubdataError, put_uint, sha256
from protocol.pubdata.header import BatchHeader, encode_header

DAC_DOMAIN = b"zkclear/dac/v1"  # 14 ASCII bytes


def dac_hash(rollup_address: int, header: BatchHeader, diff_hash: bytes) -> bytes:
    """sha256("zkclear/dac/v1" | rollup address (20) | header (112) | state diff hash (32))."""
    if not isinstance(diff_hash, bytes) or len(diff_hash) != 32:
        raise PubdataError("the state diff hash is 32 bytes")
    return sha256(
        DAC_DOMAIN
        + put_uint(rollup_address, 20, ADDRESS_BITS, "rollup_address")
        + encode_header(header)
        + diff_hash
    )
