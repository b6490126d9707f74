// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {TestToken} from "../src/TestToken.sol";

/// TEST ONLY: a token whose transfer calls back into a target (a reentrancy attempt), or
/// reverts, as the test configures it.
contract ReentrantToken is TestToken {
    address public target;
    bytes public callback;
    bool public failTransfers;
    bool public lastCallbackOk;
    bytes public lastCallbackReturn;

    constructor() TestToken("Reentrant", "RE", type(uint256).max) {}

    function setCallback(address target_, bytes calldata callback_) external {
        target = target_;
        callback = callback_;
    }

    function setFailTransfers(bool fail) external {
        failTransfers = fail;
    }

    function transfer(address to, uint256 value) external override returns (bool) {
        require(!failTransfers, "token refuses");
        if (target != address(0)) {
            address t = target;
            target = address(0); // one attempt
            (bool ok, bytes memory ret) = t.call(callback);
            lastCallbackOk = ok;
            lastCallbackReturn = ret;
        }
        _move(msg.sender, to, value);
        return true;
    }
}
