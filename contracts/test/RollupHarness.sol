// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Rollup} from "../src/Rollup.sol";
import {PublicInput} from "../src/PublicInput.sol";

/// TEST HARNESS ONLY, never deployed outside tests: the rollup with its batch-side internals
/// (what submitBatch calls once the proof holds) exposed to anyone.
contract RollupHarness is Rollup {
    constructor(Params memory p) Rollup(p) {}

    function testCreditWithdrawal(address recipient, uint256 amount) external {
        _creditWithdrawal(recipient, amount);
    }

    /// stands in for a proven batch's new root
    function testSetStateRoot(bytes32 root) external {
        stateRoot = root;
    }

    function testApplyPublicData(uint64 queueEnd_, bytes calldata data) external {
        _applyPublicData(queueEnd_, data);
    }

    function testConsumeQueue(uint64 end, uint256 depositTotal) external {
        _consumeQueue(end, depositTotal);
    }

    function testCheckCommittee(PublicInput.Header calldata h, bytes32 stateDiffHash, bytes calldata signatures)
        external
        view
        returns (bytes32)
    {
        _checkCommittee(h, stateDiffHash, signatures);
        return _dacHash(h, stateDiffHash);
    }

    function testBatchHeader(bytes32 newRoot, uint64 queueEnd_, uint64 timeEnd)
        external
        view
        returns (PublicInput.Header memory)
    {
        return _batchHeader(newRoot, queueEnd_, timeEnd);
    }

    function testRecordBatch(PublicInput.Header calldata h) external {
        _recordBatch(h);
    }

    function testPublicInput(uint8 mode_, PublicInput.Header calldata h, bytes calldata data)
        external
        pure
        returns (uint256)
    {
        return PublicInput.compute(mode_, h, data);
    }
}
