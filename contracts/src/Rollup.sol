// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Config} from "./Config.sol";
import {Storage} from "./Storage.sol";
import {Events} from "./Events.sol";
import {IERC20} from "./IERC20.sol";
import {BabyJubJub} from "./BabyJubJub.sol";
import {Operations} from "./Operations.sol";
import {Exodus} from "./Exodus.sol";
import {Committee} from "./Committee.sol";
import {PublicInput} from "./PublicInput.sol";
import {IBatchVerifier} from "./IBatchVerifier.sol";
import {AggregateGroth16} from "./AggregateGroth16.sol";
import {IPoseidon2, IPoseidon3, IPoseidon4, IPoseidon6, IPoseidonWide} from "./IPoseidon.sol";

/// The zkclear rollup's L1 side (protocol.md 7.12): the priority queue, batches proven by the
/// batch circuit's Groth16 verifiers (submitBatch / submitValidiumBatch; submitBatches: k batches,
/// one aggregated pairing check), claims, freeze and escape.
contract Rollup is Config, Storage, Events, Exodus, Committee {
    modifier nonReentrant() {
        require(reentrancyLock == 1, "reentrant call");
        reentrancyLock = 2;
        _;
        reentrancyLock = 1;
    }

    modifier notFrozen() {
        require(!frozen, "frozen");
        _;
    }

    modifier onlySelf() {
        require(msg.sender == address(this), "only through the delayed admin path");
        _;
    }

    /// Constructor parameters (one struct: the ABI decoder of ten loose ones runs out of stack).
    struct Params {
        IERC20 token;
        uint64 chainId;
        uint8 mode;
        address sequencer;
        address admin;
        bytes32 genesisRoot;
        uint64 forcedDeadline;
        uint64 upgradeDelay;
        address[] dacMembers;
        uint8 dacQuorum;
        /// Poseidon with 2, 3, 4, 6 (circomlibjs's contracts), 9, 14, 16 inputs (PoseidonWide)
        address[7] hashers;
        /// the batch verifiers at deployment: verifierAddresses[i] proves batches of
        /// verifierSlots[i] slots (later ones through the delayed admin path, setVerifier)
        uint32[] verifierSlots;
        address[] verifierAddresses;
    }

    constructor(Params memory p) {
        require(p.mode == MODE_ROLLUP || p.mode == MODE_VALIDIUM, "mode");
        require(uint256(p.genesisRoot) < R, "root");
        require(p.upgradeDelay > p.forcedDeadline, "upgrade delay must exceed the forced deadline");
        token = p.token;
        chainId = p.chainId;
        mode = p.mode;
        sequencer = p.sequencer;
        admin = p.admin;
        stateRoot = p.genesisRoot;
        forcedDeadline = p.forcedDeadline;
        upgradeDelay = p.upgradeDelay;
        _setDac(p.dacMembers, p.dacQuorum);
        poseidon2 = IPoseidon2(p.hashers[0]);
        poseidon3 = IPoseidon3(p.hashers[1]);
        poseidon4 = IPoseidon4(p.hashers[2]);
        poseidon6 = IPoseidon6(p.hashers[3]);
        poseidon9 = IPoseidonWide(p.hashers[4]);
        poseidon14 = IPoseidonWide(p.hashers[5]);
        poseidon16 = IPoseidonWide(p.hashers[6]);
        require(p.verifierSlots.length == p.verifierAddresses.length, "verifiers");
        for (uint256 i = 0; i < p.verifierSlots.length; i++) {
            verifiers[p.verifierSlots[i]] = p.verifierAddresses[i];
        }
        reentrancyLock = 1;
    }

    // ---- batches (protocol.md 7.12) ----

    /// A rollup-mode batch: the state goes from stateRoot to `newRoot` by the steps that the
    /// public data (protocol.md 7.2-7.5) publishes, consuming the queue up to `queueEnd_`; the
    /// batch's last operation is at `timeEnd`. `proof` is the Groth16 proof (a, b, c) in
    /// snarkjs's calldata order: a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y. The batch
    /// size (slot count) is the accounts section's length / 84, its verifier verifiers[slots].
    function submitBatch(
        bytes32 newRoot,
        uint64 queueEnd_,
        uint64 timeEnd,
        bytes calldata publicData,
        uint256[8] calldata proof
    ) external {
        require(mode == MODE_ROLLUP, "rollup mode only");
        (PublicInput.Header memory h, uint256 publicInput) =
            _batchInput(MODE_ROLLUP, newRoot, queueEnd_, timeEnd, publicData);
        _verifyOne(PublicInput.rollupSlots(publicData), publicInput, proof);
        _applyBatch(h, publicData);
    }

    /// A validium-mode batch: as submitBatch, with the batch size given (the data publishes no
    /// slots) and the committee's signatures over the header and `stateDiffHash` (7.8), which
    /// the proof does not involve. A size with no configured verifier is refused, so naming
    /// another size than the proof's only fails.
    function submitValidiumBatch(
        bytes32 newRoot,
        uint64 queueEnd_,
        uint64 timeEnd,
        bytes calldata publicData,
        uint256[8] calldata proof,
        uint32 slots,
        bytes32 stateDiffHash,
        bytes calldata signatures
    ) external {
        require(mode == MODE_VALIDIUM, "validium mode only");
        (PublicInput.Header memory h, uint256 publicInput) =
            _batchInput(MODE_VALIDIUM, newRoot, queueEnd_, timeEnd, publicData);
        _checkCommittee(h, stateDiffHash, signatures);
        _verifyOne(slots, publicInput, proof);
        _applyBatch(h, publicData);
    }

    /// One rollup-mode batch of submitBatches: submitBatch's arguments.
    struct Batch {
        bytes32 newRoot;
        uint64 queueEnd;
        uint64 timeEnd;
        bytes publicData;
        uint256[8] proof;
    }

    /// k consecutive rollup-mode batches of one size in one call (issue 16): each is built and
    /// applied as submitBatch does (its header from the state the previous one left), and their
    /// k proofs are checked together with one pairing product of k + 3 pairs (AggregateGroth16:
    /// random linear combination, weights by Fiat-Shamir over all proofs and public inputs).
    /// The batches are applied before the check; any bad proof reverts the whole call.
    function submitBatches(Batch[] calldata batches) external {
        require(mode == MODE_ROLLUP, "rollup mode only");
        uint256 k = batches.length;
        require(k > 0, "no batches");
        uint256 slots = PublicInput.rollupSlots(batches[0].publicData);
        address verifier = _verifierFor(slots);
        uint256[] memory items = new uint256[](AggregateGroth16.ITEM * k);
        for (uint256 i = 0; i < k; i++) {
            Batch calldata b = batches[i];
            require(PublicInput.rollupSlots(b.publicData) == slots, "batches of different sizes");
            (PublicInput.Header memory h, uint256 publicInput) =
                _batchInput(MODE_ROLLUP, b.newRoot, b.queueEnd, b.timeEnd, b.publicData);
            uint256 at = AggregateGroth16.ITEM * i;
            items[at] = publicInput;
            for (uint256 j = 0; j < 8; j++) {
                items[at + 1 + j] = b.proof[j];
            }
            _applyBatch(h, b.publicData);
        }
        require(AggregateGroth16.verify(IBatchVerifier(verifier), items), "invalid proof");
    }

    /// Both modes: the header of the next batch (_batchHeader) and the public input (7.7) of a
    /// submission; the new root must be a field element. The batch number and old root in the
    /// header come from storage, so a proof is accepted once: after it the header (hence the
    /// public input) of the next batch differs.
    function _batchInput(uint8 mode_, bytes32 newRoot, uint64 queueEnd_, uint64 timeEnd, bytes calldata publicData)
        internal
        view
        returns (PublicInput.Header memory h, uint256 publicInput)
    {
        require(uint256(newRoot) < R, "root");
        h = _batchHeader(newRoot, queueEnd_, timeEnd);
        publicInput = PublicInput.compute(mode_, h, publicData);
        require(publicInput < R, "public input"); // true by construction (the 253-bit mask)
    }

    /// Who may submit batches (only the sequencer, never once frozen) and the verifier of their
    /// size.
    function _verifierFor(uint256 slots) internal view notFrozen returns (address verifier) {
        require(msg.sender == sequencer, "only the sequencer");
        verifier = slots <= type(uint32).max ? verifiers[uint32(slots)] : address(0);
        require(verifier != address(0), "no verifier for this batch size");
    }

    /// One batch's proof under its size's verifier.
    function _verifyOne(uint256 slots, uint256 publicInput, uint256[8] calldata proof) internal view {
        bool ok = IBatchVerifier(_verifierFor(slots)).verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], [publicInput]
        );
        require(ok, "invalid proof");
    }

    /// A batch whose proof holds (or, in submitBatches, will be checked before the call ends):
    /// its public data is applied (queue consumed, withdrawals credited) and it is recorded.
    function _applyBatch(PublicInput.Header memory h, bytes calldata publicData) internal {
        _applyPublicData(h.queueEnd, publicData);
        _recordBatch(h);
        emit BatchProven(h.batchNumber, h.newRoot, h.queueEnd, h.timeEnd);
    }

    // ---- priority queue ----

    /// Queues a deposit of `amount` collateral units to the L2 key (x, y), owned by the sender.
    /// Refuses a key off the curve, non-canonical or of small order (protocol.md 4.9).
    function deposit(uint256 x, uint256 y, uint64 amount) external notFrozen nonReentrant {
        require(amount > 0, "amount");
        require(BabyJubJub.onCurve(x, y), "key not on the curve");
        require(!BabyJubJub.smallOrder(x, y), "key of small order");
        _pull(msg.sender, amount);
        unconsumedDeposits += amount;
        _enqueue(Operations.depositEntry(msg.sender, BabyJubJub.pack(x, y), amount));
    }

    /// Queues a forced withdrawal of up to `amount` from `accountId` (paid only if the sender
    /// owns it, protocol.md 4.9). Unserved after forcedDeadline, it lets anyone freeze the rollup.
    function requestForcedWithdrawal(uint24 accountId, uint64 amount) external notFrozen {
        require(accountId != 0, "account");
        require(amount > 0, "amount");
        forcedRequestTime[queueEnd] = uint64(block.timestamp);
        _enqueue(Operations.forcedWithdrawalEntry(msg.sender, accountId, amount));
    }

    function _enqueue(bytes memory entry) internal {
        uint64 i = queueEnd;
        bytes32 h = Operations.chain(queueHash[i], entry);
        queueHash[i + 1] = h;
        queueEnd = i + 1;
        emit QueueEntry(i, entry, h);
    }

    /// Marks [queueConsumed, end) consumed; `depositTotal` is the sum of the deposit amounts in
    /// that range. submitBatch calls it after checking the batch's queue records against the
    /// chain (queueHash[end] == the chain over the records' entries from queueHash[queueConsumed]).
    function _consumeQueue(uint64 end, uint256 depositTotal) internal {
        require(end >= queueConsumed && end <= queueEnd, "queue range");
        unconsumedDeposits -= depositTotal;
        queueConsumed = end;
    }

    /// What submitBatch does with a proven batch's public data (protocol.md 7.2-7.4) besides the
    /// proof: the queue records' entries must continue the queue's hash chain from queueConsumed
    /// to queueEnd_ (no entry skipped, reordered or invented); forced withdrawals' `paid` and the
    /// withdrawals section are credited for claim. The framing is checked by PublicInput.compute,
    /// which submitBatch runs on the same calldata first.
    function _applyPublicData(uint64 queueEnd_, bytes calldata data) internal {
        uint256 nQueue = uint24(bytes3(data[1:4]));
        uint256 nWithdrawals = uint24(bytes3(data[4:7]));
        uint256 q = 7; // both modes: mode byte and two counts
        uint256 w = q + 64 * nQueue;
        require(queueEnd_ >= queueConsumed && queueEnd_ - queueConsumed == nQueue, "queue range");
        bytes32 h = queueHash[queueConsumed];
        uint256 depositTotal;
        for (uint256 at = q; at < w; at += 64) {
            uint8 kind = uint8(data[at]);
            if (kind == KIND_DEPOSIT) {
                h = keccak256(abi.encodePacked(h, data[at:at + 61]));
                depositTotal += uint64(bytes8(data[at + 53:at + 61]));
            } else {
                require(kind == KIND_FORCED_WITHDRAWAL, "queue record kind");
                h = keccak256(abi.encodePacked(h, data[at:at + 32]));
                uint64 requested = uint64(bytes8(data[at + 24:at + 32]));
                uint64 paid = uint64(bytes8(data[at + 32:at + 40]));
                require(paid <= requested, "paid above the request");
                if (paid > 0) _creditWithdrawal(address(bytes20(data[at + 1:at + 21])), paid);
            }
        }
        require(h == queueHash[queueEnd_], "queue records do not match the queue");
        _consumeQueue(queueEnd_, depositTotal);
        for (uint256 at = w; at < w + 31 * nWithdrawals; at += 31) {
            _creditWithdrawal(address(bytes20(data[at + 3:at + 23])), uint64(bytes8(data[at + 23:at + 31])));
        }
    }

    // ---- withdrawals (pull pattern) ----

    /// The header of the next batch (protocol.md 7.1) for a submission of `newRoot`, `queueEnd_`
    /// and `timeEnd`: old root, batch number, chain id, queue start and time start come from
    /// storage. time_start is the last proven batch's time_end, so the circuit (which starts the
    /// slots' clock there) proves no operation earlier than the previous batch's last one; the
    /// time end is checked against the block time so that batch times follow L1 time.
    /// _batchInput builds the public input from it; _applyBatch (once the proof holds, or in
    /// submitBatches before the aggregated check that reverts the call) calls _recordBatch.
    function _batchHeader(bytes32 newRoot, uint64 queueEnd_, uint64 timeEnd)
        internal
        view
        returns (PublicInput.Header memory)
    {
        uint64 timeStart = batchTimeEnd;
        require(timeEnd >= timeStart, "time range");
        require(timeEnd <= block.timestamp + MAX_FUTURE, "time_end in the future");
        return PublicInput.Header(
            stateRoot, newRoot, batchNumber, chainId, queueConsumed, queueEnd_, timeStart, timeEnd
        );
    }

    /// A proven batch (its header from _batchHeader) becomes the state the next one starts from.
    function _recordBatch(PublicInput.Header memory h) internal {
        stateRoot = h.newRoot;
        batchNumber = h.batchNumber + 1;
        batchTimeEnd = h.timeEnd;
    }

    /// Credits a withdrawal a proven batch executed; submitBatch calls it.
    function _creditWithdrawal(address recipient, uint256 amount) internal {
        claimable[recipient] += amount;
        totalClaimable += amount;
        emit WithdrawalCredited(recipient, amount);
    }

    /// Pays the sender's credited withdrawals to itself.
    function claim() external {
        claimTo(msg.sender);
    }

    /// Pays the sender's credited withdrawals to `to` (for a sender the token refuses to pay).
    /// The credit is cleared before the transfer, under a reentrancy lock; a failing transfer
    /// reverts the whole call and leaves the credit in place.
    function claimTo(address to) public nonReentrant {
        uint256 amount = claimable[msg.sender];
        require(amount > 0, "nothing to claim");
        claimable[msg.sender] = 0;
        totalClaimable -= amount;
        _push(to, amount);
        emit Claimed(msg.sender, to, amount);
    }

    // ---- exodus ----

    /// Freezes the rollup for good once the forced request at `index` is unserved past the deadline.
    function freeze(uint64 index) external notFrozen {
        uint64 t = forcedRequestTime[index];
        require(t != 0 && index >= queueConsumed && index < queueEnd, "not a pending forced request");
        require(block.timestamp > uint256(t) + forcedDeadline, "deadline not passed");
        frozen = true;
        emit Frozen(index);
    }

    /// Once frozen, the deposit at queue `index` that no batch consumed is paid back to its
    /// owner, once; the caller gives the entry's fields, checked against the queue's hash chain.
    function reclaimDeposit(uint64 index, address owner, uint256 packedKey, uint64 amount) external nonReentrant {
        require(frozen, "not frozen");
        require(index >= queueConsumed && index < queueEnd, "not an unconsumed entry");
        require(!depositReclaimed[index], "already reclaimed");
        bytes memory entry = Operations.depositEntry(owner, packedKey, amount);
        require(Operations.chain(queueHash[index], entry) == queueHash[index + 1], "not this entry");
        depositReclaimed[index] = true;
        unconsumedDeposits -= amount;
        _push(owner, amount);
        emit DepositReclaimed(index, owner, amount);
    }

    function _exitTransfer(address to, uint256 amount) internal override {
        require(reentrancyLock == 1, "reentrant call");
        reentrancyLock = 2;
        _push(to, amount);
        reentrancyLock = 1;
    }

    // ---- delayed admin path ----

    /// Schedules a call of this contract's onlySelf setters; executable after upgradeDelay,
    /// which exceeds forcedDeadline: users see it coming and can leave (or freeze) first.
    function schedule(bytes calldata data) external {
        require(msg.sender == admin, "admin");
        bytes32 id = keccak256(data);
        uint256 eta = block.timestamp + upgradeDelay;
        scheduled[id] = eta;
        emit CallScheduled(id, data, eta);
    }

    function execute(bytes calldata data) external notFrozen {
        require(msg.sender == admin, "admin");
        bytes32 id = keccak256(data);
        uint256 eta = scheduled[id];
        require(eta != 0 && block.timestamp >= eta, "not yet");
        delete scheduled[id];
        (bool ok, bytes memory ret) = address(this).call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        emit CallExecuted(id, data);
    }

    function setVerifier(uint32 batchSize, address verifier) external onlySelf {
        verifiers[batchSize] = verifier;
    }

    function setSequencer(address sequencer_) external onlySelf {
        sequencer = sequencer_;
    }

    function setAdmin(address admin_) external onlySelf {
        admin = admin_;
    }

    function setDac(address[] calldata members, uint8 quorum) external onlySelf {
        _setDac(members, quorum);
    }

    function getDacMembers() external view returns (address[] memory) {
        return dacMembers;
    }

    function _setDac(address[] memory members, uint8 quorum) internal {
        for (uint256 i = 0; i < dacMembers.length; i++) {
            isDacMember[dacMembers[i]] = false;
        }
        delete dacMembers;
        for (uint256 i = 0; i < members.length; i++) {
            require(members[i] != address(0) && !isDacMember[members[i]], "dac member");
            isDacMember[members[i]] = true;
            dacMembers.push(members[i]);
        }
        require(mode == MODE_ROLLUP || (quorum > 0 && quorum <= members.length), "dac quorum");
        dacQuorum = quorum;
    }

    // ---- token transfers (tokens that return nothing are accepted, false or a revert fails) ----

    function _pull(address from, uint256 amount) internal {
        (bool ok, bytes memory ret) =
            address(token).call(abi.encodeCall(IERC20.transferFrom, (from, address(this), amount)));
        require(ok && (ret.length == 0 || abi.decode(ret, (bool))), "token transferFrom failed");
    }

    function _push(address to, uint256 amount) internal {
        (bool ok, bytes memory ret) = address(token).call(abi.encodeCall(IERC20.transfer, (to, amount)));
        require(ok && (ret.length == 0 || abi.decode(ret, (bool))), "token transfer failed");
    }
}
