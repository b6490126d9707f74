// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title The Groth16 check over BN254 that every zkclear verifier runs (one public signal or more).
/// @notice Internal functions only: each verifier compiles them in (no library to deploy or link).
/// The generated verifiers (prover/solidity.py) carry a copy of this file below their header, so an
/// exported verifier stays one self-contained file; contracts/src/Groth16Pairing.sol is the copy
/// that GenericBatchVerifier imports (scripts/gen_batch_verifiers.py writes both).
/// The caller lays its key out in the 24-word input of the pairing precompile (EIP-197: six words
/// per pair), `p[6..11]` alpha and beta, `p[12..13]` IC0 (where `addScaled` accumulates
/// vk_x = IC0 + sum s_i IC_i), `p[14..17]` gamma, `p[20..23]` delta, G2 points in EIP-197 order
/// (x.c1, x.c0, y.c1, y.c0); `check` writes -A, B and C into the other slots and tests
/// e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1. Nothing reverts: a bad input is false.
/// @dev Proof calldata is snarkjs's: b = [[x.c1, x.c0], [y.c1, y.c0]].
library Groth16Pairing {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// Whether every coordinate of the proof is below q (a point off the curve or, for B, outside
    /// the subgroup is left to the precompiles, which then fail).
    function proofInRange(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c)
        internal
        pure
        returns (bool ok)
    {
        assembly ("memory-safe") {
            ok := and(lt(calldataload(a), Q), lt(calldataload(add(a, 0x20)), Q))
            ok := and(ok, and(lt(calldataload(c), Q), lt(calldataload(add(c, 0x20)), Q)))
            ok := and(ok, and(lt(calldataload(b), Q), lt(calldataload(add(b, 0x20)), Q)))
            ok := and(ok, and(lt(calldataload(add(b, 0x40)), Q), lt(calldataload(add(b, 0x60)), Q)))
        }
    }

    /// vk_x (p[12..13]) += s * (x, y) by ecMul and ecAdd; false when a precompile fails.
    function addScaled(uint256[24] memory p, uint256 x, uint256 y, uint256 s) internal view returns (bool good) {
        assembly ("memory-safe") {
            let acc := add(p, 0x180)
            let m := mload(0x40) // scratch past the free memory pointer
            mstore(m, x)
            mstore(add(m, 0x20), y)
            mstore(add(m, 0x40), s)
            // (Yul evaluates arguments right to left: keep each call in its own statement.)
            good := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
            good := and(good, eq(returndatasize(), 0x40))
            mstore(add(m, 0x40), mload(acc))
            mstore(add(m, 0x60), mload(add(acc, 0x20)))
            let added := staticcall(gas(), 0x06, m, 0x80, acc, 0x40)
            good := and(good, and(added, eq(returndatasize(), 0x40)))
        }
    }

    /// e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1, the key's points and vk_x already
    /// in `p` (see above); its proof slots are overwritten.
    function check(uint256[24] memory p, uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c)
        internal
        view
        returns (bool ok)
    {
        assembly ("memory-safe") {
            mstore(p, calldataload(a))
            mstore(add(p, 0x20), mod(sub(Q, calldataload(add(a, 0x20))), Q))
            calldatacopy(add(p, 0x40), b, 0x80)
            calldatacopy(add(p, 0x240), c, 0x40)
            let success := staticcall(gas(), 0x08, p, 0x300, p, 0x20)
            ok := and(success, and(eq(returndatasize(), 0x20), eq(mload(p), 1)))
        }
    }
}
