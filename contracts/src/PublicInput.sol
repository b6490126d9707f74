// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// A batch proof's public input, rebuilt from calldata (protocol.md 7.2, 7.7):
///   commitment = sha256(header | sha256(queue) | sha256(withdrawals) [| sha256(global)
///                       | sha256(accounts)])   (the bracket: rollup mode only; the accounts
///                       section is the rest of the data, 84 bytes per slot of the batch shape)
///   public input = commitment AND (2^253 - 1)
/// The header (112 bytes, protocol.md 7.1): old root, batch number, chain id, queue start and time
/// start come from the caller's storage (Rollup._batchHeader), the rest from the submission.
library PublicInput {
    uint256 internal constant MASK = (1 << 253) - 1;
    uint256 internal constant QUEUE_RECORD = 64;
    uint256 internal constant WITHDRAWAL_RECORD = 31;
    uint256 internal constant GLOBAL_BYTES = 546;
    uint256 internal constant SLOT_RECORD = 84;

    struct Header {
        bytes32 oldRoot;
        bytes32 newRoot;
        uint64 batchNumber;
        uint64 chainId;
        uint64 queueStart;
        uint64 queueEnd;
        uint64 timeStart; // the previous batch's timeEnd (0 before the first batch)
        uint64 timeEnd; // the time of the batch's last operation
    }

    /// The header's 112 bytes as the commitment and the committee's hash take them.
    function encodeHeader(Header memory h) internal pure returns (bytes memory) {
        return abi.encodePacked(
            h.oldRoot, h.newRoot, h.batchNumber, h.chainId, h.queueStart, h.queueEnd, h.timeStart, h.timeEnd
        );
    }

    function _count(bytes calldata data, uint256 at) private pure returns (uint256) {
        return uint256(uint24(bytes3(data[at:at + 3])));
    }

    /// Checks the framing (mode byte, counts, lengths, n_queue = queue range) and the time range
    /// and returns the public input.
    function compute(uint8 mode, Header memory h, bytes calldata data) internal pure returns (uint256) {
        require(data.length >= 1 && uint8(data[0]) == mode, "pubdata mode");
        (uint256 nQueue, bytes memory digests) = mode == 0 ? _rollupDigests(data) : _validiumDigests(data);
        require(h.queueEnd >= h.queueStart && nQueue == h.queueEnd - h.queueStart, "queue range");
        require(h.timeEnd >= h.timeStart, "time range");
        return uint256(sha256(abi.encodePacked(encodeHeader(h), digests))) & MASK;
    }

    /// A rollup batch's slot count: the accounts section's length / 84 (PublicInput.compute has
    /// checked the framing on the same data).
    function rollupSlots(bytes calldata data) internal pure returns (uint256) {
        uint256 g = 7 + _count(data, 1) * QUEUE_RECORD + _count(data, 4) * WITHDRAWAL_RECORD + GLOBAL_BYTES;
        return (data.length - g) / SLOT_RECORD;
    }

    function _validiumDigests(bytes calldata data) private pure returns (uint256 nQueue, bytes memory) {
        require(data.length >= 7, "pubdata length");
        nQueue = _count(data, 1);
        uint256 q = 7 + nQueue * QUEUE_RECORD;
        uint256 w = q + _count(data, 4) * WITHDRAWAL_RECORD;
        require(data.length == w, "pubdata length");
        return (nQueue, abi.encodePacked(sha256(data[7:q]), sha256(data[q:w])));
    }

    function _rollupDigests(bytes calldata data) private pure returns (uint256 nQueue, bytes memory) {
        require(data.length >= 7, "pubdata length");
        nQueue = _count(data, 1);
        uint256 q = 7 + nQueue * QUEUE_RECORD;
        uint256 w = q + _count(data, 4) * WITHDRAWAL_RECORD;
        uint256 g = w + GLOBAL_BYTES;
        require(data.length >= g && (data.length - g) % SLOT_RECORD == 0, "pubdata length");
        bytes memory d = abi.encodePacked(sha256(data[7:q]), sha256(data[q:w]), sha256(data[w:g]));
        return (nQueue, abi.encodePacked(d, sha256(data[g:])));
    }
}
