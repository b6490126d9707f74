// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IERC20} from "./IERC20.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4, IPoseidon6, IPoseidonWide} from "./IPoseidon.sol";

/// Every storage variable of the rollup, in one place (zkSync Lite's Storage).
abstract contract Storage {
    // ---- configuration (changed only through the delayed admin path) ----
    IERC20 public token;
    uint64 public chainId;
    uint8 public mode; // Config.MODE_ROLLUP or MODE_VALIDIUM
    address public sequencer;
    address public admin;
    /// batch size -> Groth16 verifier generated from that size's verification key
    mapping(uint32 => address) public verifiers;
    address[] internal dacMembers;
    mapping(address => bool) public isDacMember;
    uint8 public dacQuorum;
    /// seconds a forced request may stay unserved before anyone may freeze the rollup
    uint64 public forcedDeadline;
    /// seconds between scheduling and executing an admin call; > forcedDeadline
    uint64 public upgradeDelay;
    /// call id (keccak256 of its data) -> earliest execution time, 0 if not scheduled
    mapping(bytes32 => uint256) public scheduled;

    // ---- proven state ----
    bytes32 public stateRoot;
    /// the next batch's number (batches proven so far)
    uint64 public batchNumber;
    /// the last proven batch's time_end (0 before the first batch): the next batch's time_start
    /// (protocol.md 7.1), so batch time ranges chain and never go back
    uint64 public batchTimeEnd;

    // ---- priority queue (protocol.md 7.3) ----
    /// entries [0, queueEnd) were queued; [0, queueConsumed) consumed by proven batches
    uint64 public queueEnd;
    uint64 public queueConsumed;
    /// queueHash[i + 1] = keccak256(queueHash[i] | entry_i), queueHash[0] = 0
    mapping(uint64 => bytes32) public queueHash;
    /// index of a forced withdrawal request -> the time it was queued
    mapping(uint64 => uint64) public forcedRequestTime;
    /// sum of the amounts of queued deposits not yet consumed by a batch (what reclaims may pay)
    uint256 public unconsumedDeposits;
    mapping(uint64 => bool) public depositReclaimed;

    // ---- withdrawals ----
    mapping(address => uint256) public claimable;
    uint256 public totalClaimable;

    // ---- exodus ----
    bool public frozen;
    IPoseidon2 internal poseidon2;
    IPoseidon3 internal poseidon3;
    IPoseidon4 internal poseidon4;
    IPoseidon6 internal poseidon6;
    IPoseidonWide internal poseidon9;
    IPoseidonWide internal poseidon14;
    IPoseidonWide internal poseidon16;

    /// What an escape needs of a market, from the last proven root (protocol.md 7.12)
    struct ExitMarket {
        bool configured;
        int256 price; // oracle_price
        int256 fundingIndex;
        int256 mult; // 10^(6 - size_decimals - price_decimals)
        int256 stepSize;
    }

    bool public exitPublished;
    uint256 public exitAccountsRoot;
    uint256 internal emptyPositionHash;
    ExitMarket[8] public exitMarkets;
    /// what escapes may still pay: at publication, the balance less claims and unconsumed deposits
    uint256 public exitPool;
    mapping(uint24 => bool) public escaped;

    uint256 internal reentrancyLock; // 1 unlocked, 2 locked
}
