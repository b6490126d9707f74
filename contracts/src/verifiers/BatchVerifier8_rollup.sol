// SPDX-License-Identifier: Apache-2.0
// GENERATED FILE - DO NOT EDIT.
// Made by `zkclear groth16 export-solidity` (prover/solidity.py from the template
// prover/templates/Groth16Verifier.sol.tmpl and the library prover/templates/Groth16Pairing.sol)
// for the verification key with sha256 afaabfdeaa2d36c0b336f74b9a282a57f50a713a68f76ab78f500e02ef91dcb7.
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
contract BatchVerifier8_rollup {
    uint256 internal constant ALPHA_X = 8135528262361675867073219019139609195688572912572720767730159842130831034856;
    uint256 internal constant ALPHA_Y = 17240262324639610265159781479184568391952791378563259962979167423595907802589;
    uint256 internal constant BETA_X1 = 13226955105157107466161586239020910064484994043706300634237967332974558708241;
    uint256 internal constant BETA_X0 = 7031843736540147237819121001714596569968319479409730057842847035589394534408;
    uint256 internal constant BETA_Y1 = 16060389139113067860754537586969232103455515489482783184640310137663073300257;
    uint256 internal constant BETA_Y0 = 6601295883879679288774087623680405301433096971614400609965722163359141872785;
    uint256 internal constant GAMMA_X1 = 11315168416369443567537729492180940870616688856492764966290543384823871421908;
    uint256 internal constant GAMMA_X0 = 17319301784338006371806514844764326113586903944350482351749656346817485129841;
    uint256 internal constant GAMMA_Y1 = 528050812125142286974675240275591326818262036973289485799370507494192065331;
    uint256 internal constant GAMMA_Y0 = 9853709057401841420836196758761424346550407843090941526713116059999286233553;
    uint256 internal constant DELTA_X1 = 16136201013120316883940318616986524025557558306311722574461676066779894326773;
    uint256 internal constant DELTA_X0 = 11788208732146884904797146994810799805331946954969118470162265839319417390644;
    uint256 internal constant DELTA_Y1 = 20353905003920237963260230349748047062495552782757806305950435122878693332118;
    uint256 internal constant DELTA_Y0 = 4186680839078457032673489032054399948964271868993930594494132335872397696583;

    uint256 internal constant IC0_X = 5386851566416345967585275469442797140572941249839834549126603551852085901746;
    uint256 internal constant IC0_Y = 3274501228413391117392116575969345374236755561949650429452986464140554378069;
    uint256 internal constant IC1_X = 10842078414426190181882896439826890131471695394393724267339372235005782750096;
    uint256 internal constant IC1_Y = 15307846502002111486314280701528104502723573206592502968166010961917572155304;

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
