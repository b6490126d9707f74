// SPDX-License-Identifier: Apache-2.0
// GENERATED FILE - DO NOT EDIT.
// Made by `zkclear groth16 export-solidity` (prover/solidity.py from the template
// prover/templates/Groth16Verifier.sol.tmpl) for the verification key with
// sha256 09c3f31b193a745dd8d460c0d82ece67cec921430372aab68fc5815d3a1a48f7.
pragma solidity ^0.8.20;

/// @title Groth16 verifier over BN254 for one circuit (1 public signals).
/// @notice `verifyProof` is true iff the proof is valid for the public signals. It is false, and
/// never reverts, for a public signal not below the scalar field order r, a proof coordinate not
/// below the base field order q, a point off the curve or outside the subgroup (rejected by the
/// EIP-196/197 precompiles), or a proof that does not satisfy the pairing equation.
/// `vkPoints` returns the key's points (for an aggregated check of several proofs elsewhere).
/// @dev Calldata layout is snarkjs's: b = [[x.c1, x.c0], [y.c1, y.c0]] (EIP-197 order).
contract BatchVerifier8_validium {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    uint256 internal constant ALPHA_X = 19191571101769927416107304513741628215974988675439092603747918307107028321759;
    uint256 internal constant ALPHA_Y = 7861453155387118225122539451779193125333384214787384030986057505925297968459;
    uint256 internal constant BETA_X1 = 2779959029786749549244328552676210741244959932894344476945277386583254269484;
    uint256 internal constant BETA_X0 = 19280032474155094669525142281037014050744759444592689256519649686058405107163;
    uint256 internal constant BETA_Y1 = 17328051133903551070866942217410587273781009706882787170579813376189562686169;
    uint256 internal constant BETA_Y0 = 8935649910192793259006192021145721261456390721680751372514966832754107242238;
    uint256 internal constant GAMMA_X1 = 5054937253449112111009847749434076198034241656147218732973524607519624061416;
    uint256 internal constant GAMMA_X0 = 21103887731255628006695358090871223015879585164503806607244926889377249610439;
    uint256 internal constant GAMMA_Y1 = 4725214473591768497619798051134357887066196766827481884775250982524630217941;
    uint256 internal constant GAMMA_Y0 = 14508947048441197430142323800445598792480394035602091579117595638415026575269;
    uint256 internal constant DELTA_X1 = 10223766278040296092234197116563702649940671618529307889718607811458141097947;
    uint256 internal constant DELTA_X0 = 1581335637313589664722202091116799589080933828548583257186201877303562526015;
    uint256 internal constant DELTA_Y1 = 18686604204352704546368654558126951528506465652771763210580238535336539904186;
    uint256 internal constant DELTA_Y0 = 13215223979716332244252177644067548308865729869855056773955805905259504998488;

    uint256 internal constant IC0_X = 14664123376873607634927602317242766891642850079549418188818508528430637936098;
    uint256 internal constant IC0_Y = 13022178560113532672814378544406611997862271840317362932422994489102186105132;
    uint256 internal constant IC1_X = 19041926506105402450567362081915444697227073669969760940116115161847140022990;
    uint256 internal constant IC1_Y = 6872497267804030604415533234666615830871552462353185660747020587155875426172;

    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[1] calldata pubSignals
    ) external view returns (bool) {
        bool ok;
        assembly ("memory-safe") {
            // acc (64 bytes at p) += s * (x, y); clears ok on a precompile failure.
            function mulAcc(p, x, y, s) -> good {
                let m := mload(0x40)
                mstore(m, x)
                mstore(add(m, 0x20), y)
                mstore(add(m, 0x40), s)
                // (Yul evaluates arguments right to left: keep each call in its own statement.)
                good := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
                good := and(good, eq(returndatasize(), 0x40))
                mstore(add(m, 0x40), mload(p))
                mstore(add(m, 0x60), mload(add(p, 0x20)))
                let added := staticcall(gas(), 0x06, m, 0x80, p, 0x40)
                good := and(good, and(added, eq(returndatasize(), 0x40)))
            }

            ok := 1
            // Every public signal must be a field element; every proof coordinate below q.
            ok := and(ok, lt(calldataload(add(pubSignals, 0x0)), R))
            ok := and(ok, and(lt(calldataload(a), Q), lt(calldataload(add(a, 0x20)), Q)))
            ok := and(ok, and(lt(calldataload(c), Q), lt(calldataload(add(c, 0x20)), Q)))
            ok := and(ok, and(lt(calldataload(b), Q), lt(calldataload(add(b, 0x20)), Q)))
            ok := and(ok, and(lt(calldataload(add(b, 0x40)), Q), lt(calldataload(add(b, 0x60)), Q)))

            // vk_x = IC0 + sum pubSignals[i] * IC[i+1], kept in the 64 bytes at acc.
            let acc := mload(0x40)
            mstore(0x40, add(acc, 0x40))
            mstore(acc, IC0_X)
            mstore(add(acc, 0x20), IC0_Y)
            if ok {
                ok := and(ok, mulAcc(acc, IC1_X, IC1_Y, calldataload(add(pubSignals, 0x0))))
            }

            // e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1
            if ok {
                let p := mload(0x40)
                mstore(p, calldataload(a))
                mstore(add(p, 0x20), mod(sub(Q, calldataload(add(a, 0x20))), Q))
                calldatacopy(add(p, 0x40), b, 0x80)
                mstore(add(p, 0xc0), ALPHA_X)
                mstore(add(p, 0xe0), ALPHA_Y)
                mstore(add(p, 0x100), BETA_X1)
                mstore(add(p, 0x120), BETA_X0)
                mstore(add(p, 0x140), BETA_Y1)
                mstore(add(p, 0x160), BETA_Y0)
                mstore(add(p, 0x180), mload(acc))
                mstore(add(p, 0x1a0), mload(add(acc, 0x20)))
                mstore(add(p, 0x1c0), GAMMA_X1)
                mstore(add(p, 0x1e0), GAMMA_X0)
                mstore(add(p, 0x200), GAMMA_Y1)
                mstore(add(p, 0x220), GAMMA_Y0)
                calldatacopy(add(p, 0x240), c, 0x40)
                mstore(add(p, 0x280), DELTA_X1)
                mstore(add(p, 0x2a0), DELTA_X0)
                mstore(add(p, 0x2c0), DELTA_Y1)
                mstore(add(p, 0x2e0), DELTA_Y0)
                let success := staticcall(gas(), 0x08, p, 0x300, p, 0x20)
                ok := and(success, and(eq(returndatasize(), 0x20), eq(mload(p), 1)))
            }
        }
        return ok;
    }

    /// @notice The verification key's points, for a caller that checks several proofs of this
    /// circuit in one pairing product (zkclear's Rollup.submitBatches): alpha and IC in G1
    /// (x, y); beta, gamma and delta in G2 in EIP-197 order (x.c1, x.c0, y.c1, y.c0).
    function vkPoints()
        external
        pure
        returns (
            uint256[2] memory alpha,
            uint256[4] memory beta,
            uint256[4] memory gamma,
            uint256[4] memory delta,
            uint256[2][2] memory ic
        )
    {
        alpha = [ALPHA_X, ALPHA_Y];
        beta = [BETA_X1, BETA_X0, BETA_Y1, BETA_Y0];
        gamma = [GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0];
        delta = [DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0];
        ic[0] = [IC0_X, IC0_Y];
        ic[1] = [IC1_X, IC1_Y];
    }
}
