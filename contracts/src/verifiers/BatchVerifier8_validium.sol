// SPDX-License-Identifier: Apache-2.0
// GENERATED FILE - DO NOT EDIT.
// Made by `zkclear groth16 export-solidity` (prover/solidity.py from the template
// prover/templates/Groth16Verifier.sol.tmpl and the library prover/templates/Groth16Pairing.sol)
// for the verification key with sha256 09c3f31b193a745dd8d460c0d82ece67cec921430372aab68fc5815d3a1a48f7.
pragma solidity ^0.8.20;

/// @title The Groth16 check over BN254 that every zkclear verifier runs (one public signal or more).
/// @notice Internal functions only: each verifier compiles them in (no library to deploy or link).
/// The generated verifiers (prover/solidity.py) carry a copy of this file below their header, so an
/// exported verifier stays one self-contained file; contracts/src/Groth16Pairing.sol is the copy
/// that GenericBatchVerifier imports (scripts/gen_batch_verifiers.py writes both).
/// The caller lays its key out in the 24-word input of the pairing precompile (EIP-197: six words
/// per pair), `p[6..11]` alpha and beta, `p[12..13]` IC0 (where `addScaled` accumulates
/// vk_x = IC0 + sum s_i IC_i), `p[14..17]` gamma, `p[20..23]` delta, G2 points in EIP-197 order
/// (x.c1, x.c0, y.c1, y.c0); `check` writes -A, B and C into the other slots and tests
/// e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1. Nothing reverts: a bad input is false.
/// @dev Proof calldata is snarkjs's: b = [[x.c1, x.c0], [y.c1, y.c0]].
library Groth16Pairing {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// Whether every coordinate of the proof is below q (a point off the curve or, for B, outside
    /// the subgroup is left to the precompiles, which then fail).
    function proofInRange(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c)
        internal
        pure
        returns (bool ok)
    {
        assembly ("memory-safe") {
            ok := and(lt(calldataload(a), Q), lt(calldataload(add(a, 0x20)), Q))
            ok := and(ok, and(lt(calldataload(c), Q), lt(calldataload(add(c, 0x20)), Q)))
            ok := and(ok, and(lt(calldataload(b), Q), lt(calldataload(add(b, 0x20)), Q)))
            ok := and(ok, and(lt(calldataload(add(b, 0x40)), Q), lt(calldataload(add(b, 0x60)), Q)))
        }
    }

    /// vk_x (p[12..13]) += s * (x, y) by ecMul and ecAdd; false when a precompile fails.
    function addScaled(uint256[24] memory p, uint256 x, uint256 y, uint256 s) internal view returns (bool good) {
        assembly ("memory-safe") {
            let acc := add(p, 0x180)
            let m := mload(0x40) // scratch past the free memory pointer
            mstore(m, x)
            mstore(add(m, 0x20), y)
            mstore(add(m, 0x40), s)
            // (Yul evaluates arguments right to left: keep each call in its own statement.)
            good := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
            good := and(good, eq(returndatasize(), 0x40))
            mstore(add(m, 0x40), mload(acc))
            mstore(add(m, 0x60), mload(add(acc, 0x20)))
            let added := staticcall(gas(), 0x06, m, 0x80, acc, 0x40)
            good := and(good, and(added, eq(returndatasize(), 0x40)))
        }
    }

    /// e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1, the key's points and vk_x already
    /// in `p` (see above); its proof slots are overwritten.
    function check(uint256[24] memory p, uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c)
        internal
        view
        returns (bool ok)
    {
        assembly ("memory-safe") {
            mstore(p, calldataload(a))
            mstore(add(p, 0x20), mod(sub(Q, calldataload(add(a, 0x20))), Q))
            calldatacopy(add(p, 0x40), b, 0x80)
            calldatacopy(add(p, 0x240), c, 0x40)
            let success := staticcall(gas(), 0x08, p, 0x300, p, 0x20)
            ok := and(success, and(eq(returndatasize(), 0x20), eq(mload(p), 1)))
        }
    }
}

/// @title Groth16 verifier over BN254 for one circuit (1 public signals).
/// @notice `verifyProof` is true iff the proof is valid for the public signals. It is false, and
/// never reverts, for a public signal not below the scalar field order r, a proof coordinate not
/// below the base field order q, a point off the curve or outside the subgroup (rejected by the
/// EIP-196/197 precompiles), or a proof that does not satisfy the pairing equation.
/// `vkPoints` returns the key's points (for an aggregated check of several proofs elsewhere).
/// @dev Calldata layout is snarkjs's: b = [[x.c1, x.c0], [y.c1, y.c0]] (EIP-197 order).
contract BatchVerifier8_validium {
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
        // Every public signal must be a field element; every proof coordinate below q.
        bool ok = Groth16Pairing.proofInRange(a, b, c);
        ok = ok && pubSignals[0] < Groth16Pairing.R;
        if (!ok) return false;
        // The key's points in their pairing-input slots (Groth16Pairing); vk_x = IC0 + sum
        // pubSignals[i] * IC[i+1] accumulates in place.
        uint256[24] memory p;
        (p[6], p[7]) = (ALPHA_X, ALPHA_Y);
        (p[8], p[9], p[10], p[11]) = (BETA_X1, BETA_X0, BETA_Y1, BETA_Y0);
        (p[12], p[13]) = (IC0_X, IC0_Y);
        (p[14], p[15], p[16], p[17]) = (GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0);
        (p[20], p[21], p[22], p[23]) = (DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0);
        ok = ok && Groth16Pairing.addScaled(p, IC1_X, IC1_Y, pubSignals[0]);
        return ok && Groth16Pairing.check(p, a, b, c);
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
