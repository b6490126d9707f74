// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// circomlibjs's generated Poseidon contracts (scripts/gen_poseidon_contracts.py).
interface IPoseidon2 {
    function poseidon(uint256[2] memory input) external pure returns (uint256);
}

interface IPoseidon3 {
    function poseidon(uint256[3] memory input) external pure returns (uint256);
}

interface IPoseidon4 {
    function poseidon(uint256[4] memory input) external pure returns (uint256);
}

interface IPoseidon6 {
    function poseidon(uint256[6] memory input) external pure returns (uint256);
}

/// PoseidonWide.sol (9, 14 and 16 inputs).
interface IPoseidonWide {
    function hash(uint256[] memory inputs) external view returns (uint256);
}
