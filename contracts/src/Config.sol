// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// Constants of the rollup (protocol.md sections 1, 3, 7).
abstract contract Config {
    /// BN254's scalar field (protocol.md 1): every field element and L2 key coordinate is below it.
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint8 internal constant MODE_ROLLUP = 0;
    uint8 internal constant MODE_VALIDIUM = 1;
    uint8 internal constant KIND_DEPOSIT = 1;
    uint8 internal constant KIND_FORCED_WITHDRAWAL = 2;
    /// Account ids are 3 bytes (protocol.md 3: 4^12 = 2^24 leaves); 0 is reserved.
    uint256 internal constant ACCOUNT_ID_LIMIT = 1 << 24;
    /// How far a batch's time_end may lie after the block that proves it (protocol.md 7.1). The
    /// node stamps operations with its own clock and a batch is proven after its last operation,
    /// so time_end is normally in the past; the allowance only absorbs the drift between the
    /// node's clock and block timestamps (validators' clocks, the slot rounding). Without a bound
    /// a prover could stamp a batch hours ahead (making live orders expired, prices stale, auction
    /// clocks run out) and every later batch would have to start there.
    uint64 internal constant MAX_FUTURE = 15 minutes;
}
