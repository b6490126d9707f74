"""What goes wrong between the node and L1, each with a stable code (logged, kept in a batch's
`l1_error`, and `zkclear node`'s message when it refuses to start)."""

from __future__ import annotations


class L1Error(RuntimeError):
    """`code`: l1_config (options missing or contradictory), l1_unreachable (the RPC or signer
    does not answer), l1_mismatch (the contract is not this node's: chain id, rollup address,
    genesis, mode, sequencer, verifier), l1_reorg (the contract's queue or batches differ from what
    the node consumed or submitted), l1_bad_entry (a queue entry the node cannot apply),
    l1_signer (the submitter key cannot be loaded), l1_tx (a transaction failed or reverted)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
