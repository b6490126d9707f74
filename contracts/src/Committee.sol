// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Config} from "./Config.sol";
import {Storage} from "./Storage.sol";
import {PublicInput} from "./PublicInput.sol";

/// The validium data-availability committee's check (protocol.md 7.8): a quorum of distinct
/// configured members signed dac_hash = sha256("zkclear/dac/v1" | this contract (20) | header (112)
/// | state_diff_hash) with secp256k1, over the raw 32-byte hash (no EIP-191 prefix). Signatures
/// are 65 bytes each (r | s | v, v = 27 or 28, s <= n/2), ordered by strictly ascending signer
/// address so that distinctness costs one comparison each. Rollup.submitValidiumBatch calls
/// _checkCommittee on every validium batch.
abstract contract Committee is Config, Storage {
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    function _dacHash(PublicInput.Header memory h, bytes32 stateDiffHash) internal view returns (bytes32) {
        return sha256(abi.encodePacked("zkclear/dac/v1", address(this), PublicInput.encodeHeader(h), stateDiffHash));
    }

    function _checkCommittee(PublicInput.Header memory h, bytes32 stateDiffHash, bytes calldata signatures)
        internal
        view
    {
        require(signatures.length % 65 == 0, "signatures length");
        uint256 n = signatures.length / 65;
        require(n >= dacQuorum && n > 0, "no committee quorum");
        bytes32 digest = _dacHash(h, stateDiffHash);
        address last = address(0);
        for (uint256 i = 0; i < n; i++) {
            bytes calldata sig = signatures[65 * i:65 * (i + 1)];
            bytes32 r = bytes32(sig[0:32]);
            bytes32 s = bytes32(sig[32:64]);
            uint8 v = uint8(sig[64]);
            require(uint256(s) <= HALF_N && (v == 27 || v == 28), "malleable signature");
            address signer = ecrecover(digest, v, r, s);
            require(signer != address(0) && isDacMember[signer], "not a committee member");
            require(signer > last, "signers not ascending");
            last = signer;
        }
    }
}
