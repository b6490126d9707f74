// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// Priority-queue entries exactly as protocol.md 7.3 encodes them, and the queue's hash chain.
library Operations {
    /// deposit entry (61 bytes): 0x01 | owner (20) | packed L2 key (32) | amount (8)
    function depositEntry(address owner, uint256 packedKey, uint64 amount) internal pure returns (bytes memory) {
        return abi.encodePacked(uint8(1), owner, packedKey, amount);
    }

    /// forced withdrawal entry (32 bytes): 0x02 | owner (20) | account_id (3) | amount (8)
    function forcedWithdrawalEntry(address owner, uint24 accountId, uint64 amount)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(uint8(2), owner, accountId, amount);
    }

    /// q[i + 1] = keccak256(q[i] | entry_i)
    function chain(bytes32 previous, bytes memory entry) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(previous, entry));
    }
}
