// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// Events of the rollup.
abstract contract Events {
    /// A priority-queue entry (protocol.md 7.3) at `index`; `entry` is its exact queue encoding.
    event QueueEntry(uint64 indexed index, bytes entry, bytes32 hashAfter);
    /// Batch `batchNumber` was proven: the state root is now `newRoot`.
    event BatchProven(uint64 indexed batchNumber, bytes32 newRoot, uint64 queueEnd, uint64 timeEnd);
    event WithdrawalCredited(address indexed recipient, uint256 amount);
    event Claimed(address indexed owner, address indexed to, uint256 amount);
    event Frozen(uint64 indexed overdueIndex);
    event DepositReclaimed(uint64 indexed index, address indexed owner, uint256 amount);
    event CallScheduled(bytes32 indexed id, bytes data, uint256 eta);
    event CallExecuted(bytes32 indexed id, bytes data);
}
