// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IBatchVerifier} from "./IBatchVerifier.sol";

/// k Groth16 proofs of one circuit (one public signal each) checked with ONE pairing product
/// (protocol.md 7.12, Rollup.submitBatches). Each proof i satisfies
///     e(A_i, B_i) = e(alpha, beta) e(vk_x_i, gamma) e(C_i, delta),  vk_x_i = IC0 + pub_i IC1;
/// with weights r_i (r_0 = 1, the others from Fiat-Shamir over all k proofs and public inputs)
/// the k equations are checked at once as
///     prod_i e(-r_i A_i, B_i) * e(S alpha, beta) * e(S IC0 + T IC1, gamma) * e(sum_i r_i C_i, delta) == 1,
///     S = sum_i r_i, T = sum_i r_i pub_i (mod r):
/// k + 3 pairings and 2(k - 1) + 3 ecMuls instead of 4k pairings and k ecMuls. If some proof j is
/// bad, its equation's quotient g_j in GT (prime order r) is not 1, and given the other terms
/// the product is 1 for at most one value of r_j (for j = 0 the product is g_0 != 1 itself
/// when the others hold): a prover who cannot predict keccak wins with probability ~1/r per
/// attempt. The weights hash the proofs and public inputs, so they are fixed only after them.
///
/// The verification key's points come from the circuit's generated verifier (`vkPoints()`,
/// prover/templates/Groth16Verifier.sol.tmpl), so one verifier contract serves both the single
/// and the aggregated check and the key is written in one place.
library AggregateGroth16 {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// Words per proof in `items`: the public input, then the proof in snarkjs's calldata order
    /// (a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y).
    uint256 internal constant ITEM = 9;

    /// The weights of the k proofs in `items` (k = items.length / 9): r_0 = 1 (one weight may be
    /// fixed: it saves two ecMuls), r_i = keccak256(seed, i) mod r, seed = keccak256(items) (the
    /// items' words, 32 bytes each). A zero weight (probability ~k/r) would drop its proof from
    /// the check: the call reverts.
    function weights(uint256[] memory items) internal pure returns (uint256[] memory r) {
        uint256 k = items.length / ITEM;
        r = new uint256[](k);
        assembly ("memory-safe") {
            let seed := keccak256(add(items, 0x20), mul(mload(items), 0x20))
            mstore(0x00, seed)
            let ok := 1
            for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                let ri := 1
                if i {
                    mstore(0x20, i)
                    ri := mod(keccak256(0x00, 0x40), R)
                    ok := and(ok, iszero(iszero(ri)))
                }
                mstore(add(add(r, 0x20), mul(i, 0x20)), ri)
            }
            if iszero(ok) { revert(0, 0) }
        }
    }

    /// True iff every proof in `items` (9 words each, see ITEM) holds for its public input under
    /// `verifier`'s key. False for a public input not below r or a proof coordinate not below q
    /// (as verifyProof); a point off the curve or (B) outside the subgroup makes a precompile
    /// fail, hence false.
    function verify(IBatchVerifier verifier, uint256[] memory items) internal view returns (bool) {
        uint256 k = items.length / ITEM;
        require(k > 0 && items.length == k * ITEM, "items");
        uint256[] memory r = weights(items);
        (bool ok, uint256 s, uint256 t) = _scalars(items, r);
        if (!ok) return false;
        // the pairing input: k pairs (-r_i A_i, B_i), then (S alpha, beta), (vk_x, gamma), (C, delta)
        uint256[] memory p = new uint256[](6 * (k + 3));
        return _pairs(p, items, r, _vk(verifier), s, t) && _pairing(p);
    }

    /// Whether every public input is below r and every proof coordinate below q; S = sum r_i
    /// and T = sum r_i pub_i (mod r).
    function _scalars(uint256[] memory items, uint256[] memory r)
        private
        pure
        returns (bool ok, uint256 s, uint256 t)
    {
        assembly ("memory-safe") {
            ok := 1
            let item := add(items, 0x20)
            for { let i := 0 } lt(i, mload(r)) { i := add(i, 1) } {
                let ri := mload(add(add(r, 0x20), mul(i, 0x20)))
                let pub := mload(item)
                ok := and(ok, lt(pub, R))
                for { let j := 1 } lt(j, ITEM) { j := add(j, 1) } {
                    ok := and(ok, lt(mload(add(item, mul(j, 0x20))), Q))
                }
                s := addmod(s, ri, R)
                t := addmod(t, mulmod(ri, pub, R), R)
                item := add(item, mul(ITEM, 0x20))
            }
        }
    }

    /// The key's 18 words as vkPoints returns them: alpha (2), beta, gamma, delta (4 each), IC0,
    /// IC1 (2 each).
    function _vk(IBatchVerifier verifier) private view returns (uint256[18] memory vk) {
        bytes4 selector = IBatchVerifier.vkPoints.selector;
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            ok := staticcall(gas(), verifier, 0x00, 0x04, vk, 0x240)
            ok := and(ok, eq(returndatasize(), 0x240))
        }
        require(ok, "vkPoints");
    }

    /// Writes the pairing input into `p`: the k pairs (-r_i A_i, B_i), then (S alpha, beta),
    /// (S IC0 + T IC1, gamma) and (sum r_i C_i, delta); false on a precompile failure.
    function _pairs(
        uint256[] memory p,
        uint256[] memory items,
        uint256[] memory r,
        uint256[18] memory vk,
        uint256 s,
        uint256 t
    ) private view returns (bool ok) {
        ok = true;
        assembly ("memory-safe") {
            // out (64 bytes) = sc * (x, y)
            function ecMul(out, x, y, sc) -> good {
                let m := mload(0x40)
                mstore(m, x)
                mstore(add(m, 0x20), y)
                mstore(add(m, 0x40), sc)
                good := staticcall(gas(), 0x07, m, 0x60, out, 0x40)
                good := and(good, eq(returndatasize(), 0x40))
            }
            // acc (64 bytes) += (x, y)
            function ecAdd(acc, x, y) -> good {
                let m := mload(0x40)
                mstore(m, mload(acc))
                mstore(add(m, 0x20), mload(add(acc, 0x20)))
                mstore(add(m, 0x40), x)
                mstore(add(m, 0x60), y)
                good := staticcall(gas(), 0x06, m, 0x80, acc, 0x40)
                good := and(good, eq(returndatasize(), 0x40))
            }

            let k := mload(r)
            let pairs := add(p, 0x20)
            let cAcc := add(pairs, mul(0xc0, add(k, 2))) // sum r_i C_i, in the (C, delta) pair
            // 64 bytes of scratch for r_i C_i, below what ecMul / ecAdd use past the free pointer
            let rc := mload(0x40)
            mstore(0x40, add(rc, 0x40))
            for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                let item := add(add(items, 0x20), mul(i, 0x120))
                let pair := add(pairs, mul(i, 0xc0))
                switch i
                case 0 {
                    // r_0 = 1
                    mstore(pair, mload(add(item, 0x20)))
                    mstore(add(pair, 0x20), mload(add(item, 0x40)))
                    mstore(cAcc, mload(add(item, 0xe0)))
                    mstore(add(cAcc, 0x20), mload(add(item, 0x100)))
                }
                default {
                    let ri := mload(add(add(r, 0x20), mul(i, 0x20)))
                    ok := and(ok, ecMul(pair, mload(add(item, 0x20)), mload(add(item, 0x40)), ri))
                    ok := and(ok, ecMul(rc, mload(add(item, 0xe0)), mload(add(item, 0x100)), ri))
                    ok := and(ok, ecAdd(cAcc, mload(rc), mload(add(rc, 0x20))))
                }
                // -P = (x, q - y) (the point at infinity (0, 0) stays itself)
                mstore(add(pair, 0x20), mod(sub(Q, mload(add(pair, 0x20))), Q))
                // B: b.x.c1, b.x.c0, b.y.c1, b.y.c0
                mstore(add(pair, 0x40), mload(add(item, 0x60)))
                mstore(add(pair, 0x60), mload(add(item, 0x80)))
                mstore(add(pair, 0x80), mload(add(item, 0xa0)))
                mstore(add(pair, 0xa0), mload(add(item, 0xc0)))
            }
            function copy4(dst, src) {
                mstore(dst, mload(src))
                mstore(add(dst, 0x20), mload(add(src, 0x20)))
                mstore(add(dst, 0x40), mload(add(src, 0x40)))
                mstore(add(dst, 0x60), mload(add(src, 0x60)))
            }
            let pa := add(pairs, mul(0xc0, k)) // (S alpha, beta)
            ok := and(ok, ecMul(pa, mload(vk), mload(add(vk, 0x20)), s))
            copy4(add(pa, 0x40), add(vk, 0x40))
            let pg := add(pa, 0xc0) // (S IC0 + T IC1, gamma)
            ok := and(ok, ecMul(pg, mload(add(vk, 0x1c0)), mload(add(vk, 0x1e0)), s))
            ok := and(ok, ecMul(rc, mload(add(vk, 0x200)), mload(add(vk, 0x220)), t))
            ok := and(ok, ecAdd(pg, mload(rc), mload(add(rc, 0x20))))
            copy4(add(pg, 0x40), add(vk, 0xc0))
            copy4(add(pg, 0x100), add(vk, 0x140)) // delta, next to sum r_i C_i
            mstore(0x40, rc)
        }
    }

    /// The pairing check over the pairs in `p` (6 words each): their product is 1.
    function _pairing(uint256[] memory p) private view returns (bool ok) {
        assembly ("memory-safe") {
            let out := mload(0x40)
            let success := staticcall(gas(), 0x08, add(p, 0x20), mul(mload(p), 0x20), out, 0x20)
            ok := and(success, and(eq(returndatasize(), 0x20), eq(mload(out), 1)))
        }
    }
}
