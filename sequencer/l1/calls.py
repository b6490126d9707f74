"""What a proven batch row becomes on L1: submitBatch's arguments (the proof in the contract's
word order) and, in validium mode, the committee's signatures (`Committee`, implemented by the
node's committee client)."""

from __future__ import annotations

from typing import Any, Protocol

from sequencer.journal.store import BatchRow


class Committee(Protocol):
    """The data-availability committee (validium): signs a proven batch's state diff."""

    async def signatures(self, row: BatchRow) -> tuple[bytes, bytes]:
        """(state_diff_hash, the quorum's packed signatures: 65 bytes each, ascending signer)."""
        ...


def proof_words(proof: dict[str, Any]) -> list[int]:
    """snarkjs proof.json -> the contract's uint256[8] (a, b in EIP-197 order, c)."""
    a, b, c = proof["pi_a"], proof["pi_b"], proof["pi_c"]
    return [
        int(a[0]),
        int(a[1]),
        int(b[0][1]),
        int(b[0][0]),
        int(b[1][1]),
        int(b[1][0]),
        int(c[0]),
        int(c[1]),
    ]


def batch_args(row: BatchRow) -> tuple[bytes, int, int, bytes, list[int]]:
    """submitBatch's arguments from a proven row: new root, queue end and time end (the closed
    row's), public data and proof (the prover stage's, protocol.md 11)."""
    info = row.info
    data = bytes.fromhex(str(info["public_data"])[2:])
    return (
        int(row.new_root).to_bytes(32, "big"),
        int(info["queue_end"]),
        int(info["time_end"]),
        data,
        proof_words(info["proof"]),
    )
