// SPDX-License-Identifier: Apache-2.0
// GENERATED FILE - DO NOT EDIT.
// Made by `zkclear groth16 export-solidity` (prover/solidity.py from the template
// prover/templates/Groth16Verifier.sol.tmpl) for the verification key with
// sha256 afaabfdeaa2d36c0b336f74b9a282a57f50a713a68f76ab78f500e02ef91dcb7.
pragma solidity ^0.8.20;

/// @title Groth16 verifier over BN254 for one circuit (1 public signals).
/// @notice `verifyProof` is true iff the proof is valid for the public signals. It is false, and
/// never reverts, for a public signal not below the scalar field order r, a proof coordinate not
/// below the base field order q, a point off the curve or outside the subgroup (rejected by the
/// EIP-196/197 precompiles), or a proof that does not satisfy the pairing equation.
/// `vkPoints` returns the key's points (for an aggregated check of several proofs elsewhere).
/// @dev Calldata layout is snarkjs's: b = [[x.c1, x.c0], [y.c1, y.c0]] (EIP-197 order).
contract BatchVerifier8_rollup {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

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
