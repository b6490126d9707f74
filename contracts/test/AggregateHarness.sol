// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AggregateGroth16} from "../src/AggregateGroth16.sol";
import {IBatchVerifier} from "../src/IBatchVerifier.sol";

/// TEST HARNESS ONLY: AggregateGroth16 on its own (the weights, and the aggregated check of any
/// k proofs of one verifier, repeats included), for tests and gas measurements.
contract AggregateHarness {
    function weights(uint256[] calldata items) external pure returns (uint256[] memory) {
        return AggregateGroth16.weights(items);
    }

    function verify(IBatchVerifier verifier, uint256[] calldata items) external view returns (bool) {
        return AggregateGroth16.verify(verifier, items);
    }

    /// as verify, as a transaction (for its gas)
    function verifyTx(IBatchVerifier verifier, uint256[] calldata items) external returns (bool) {
        return AggregateGroth16.verify(verifier, items);
    }
}
