"""The validium committee check (Committee.sol, protocol.md 7.8) with real secp256k1 signatures
(eth-account) over protocol.pubdata.dac's hash: a quorum of distinct members passes; too few,
a repeated or unordered signer, a non-member, a malleable (high-s) signature and a signature
over another header are refused."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_tester.exceptions import TransactionFailed
from web3.exceptions import ContractLogicError

from contracts.deploy import MODE_VALIDIUM, deploy_rollup
from protocol.pubdata.dac import dac_hash
from protocol.pubdata.header import BatchHeader
from tests.contracts.conftest import Chain
from tests.protocol.test_pubdata_vector import HEADER, STATE_DIFF_HASH

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MEMBERS = sorted((Account.from_key(bytes([i + 1]) * 32) for i in range(3)), key=lambda a: int(a.address, 16))
OUTSIDER = Account.from_key(b"\x09" * 32)


def hdr(h: BatchHeader) -> tuple[Any, ...]:
    return (
        h.old_root.to_bytes(32, "big"),
        h.new_root.to_bytes(32, "big"),
        h.batch_number,
        h.chain_id,
        h.queue_start,
        h.queue_end,
        h.time_start,
        h.time_end,
    )


def sign(acct: Any, digest: bytes, *, high_s: bool = False) -> bytes:
    sig = acct.unsafe_sign_hash(digest)
    r, s, v = sig.r, sig.s, sig.v
    if high_s:
        s, v = N - s, 55 - v  # the other valid signature of the same key and message
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def test_committee_quorum(chain: Chain) -> None:
    ch = chain
    params = ch.params(1)
    params.mode, params.dac_members, params.dac_quorum = MODE_VALIDIUM, [a.address for a in MEMBERS], 2
    rollup = deploy_rollup(ch.w3, params, name="RollupHarness", sender=ch.admin)
    diff = bytes.fromhex(STATE_DIFF_HASH)
    digest = dac_hash(int(rollup.address, 16), HEADER, diff)
    a, b, c = MEMBERS

    def check(sigs: list[bytes], h: BatchHeader = HEADER) -> bytes:
        return bytes(rollup.functions.testCheckCommittee(hdr(h), diff, b"".join(sigs)).call())

    def refused(sigs: list[bytes], reason: str, h: BatchHeader = HEADER) -> None:
        with pytest.raises((ContractLogicError, TransactionFailed), match=reason):
            check(sigs, h)

    assert check([sign(a, digest), sign(b, digest)]) == digest  # the contract's dac_hash is 7.8's
    assert check([sign(a, digest), sign(c, digest)]) == digest
    assert check([sign(a, digest), sign(b, digest), sign(c, digest)]) == digest
    refused([], "no committee quorum")
    refused([sign(b, digest)], "no committee quorum")
    refused([sign(a, digest), sign(a, digest)], "signers not ascending")
    refused([sign(b, digest), sign(a, digest)], "signers not ascending")
    refused([sign(a, digest), sign(OUTSIDER, digest)], "not a committee member")
    refused([sign(a, digest), sign(b, digest, high_s=True)], "malleable signature")
    refused([sign(a, digest), sign(b, digest)[:64]], "signatures length")
    refused(
        [sign(a, digest), sign(b, digest)],
        "not a committee member",
        HEADER._replace(time_end=HEADER.time_end + 1),
    )
    other = HEADER._replace(new_root=HEADER.new_root + 1)
    refused([sign(a, digest), sign(b, digest)], "not a committee member", other)  # recovers another address
    d2 = dac_hash(int(rollup.address, 16), other, diff)
    assert check([sign(a, d2), sign(b, d2)], other) == d2
