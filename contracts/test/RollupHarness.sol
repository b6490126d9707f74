// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Rollup} from "../src/Rollup.sol";
import {PublicInput} from "../src/PublicInput.sol";

/// TEST HARNESS ONLY, never deployed outside tests: the rollup with its batch-side internals
/// (what submitBatch will call once the batch circuit exists) exposed to anyone.
contract RollupHarness is Rollup {
    constructor(Params memory p) Rollup(p) {}

    function testCreditWithdrawal(address recipient, uint256 amount) external {
        _creditWithdrawal(recipient, amount);
    }

    function testConsumeQueue(uint64 end, uint256 depositTotal) external {
        _consumeQueue(end, depositTotal);
    }

    function testPublicInput(uint8 mode_, PublicInput.Header calldata h, bytes calldata data)
        external
        pure
        returns (uint256)
    {
        return PublicInput.compute(mode_, h, data);
    }
}
