// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Groth16Pairing} from "./Groth16Pairing.sol";
import {IBatchVerifier} from "./IBatchVerifier.sol";

/// @title Groth16 verifier over BN254 for one public signal, its key given at deploy time.
/// @notice The generated verifiers (contracts/src/verifiers/) carry their key as constants, so a
/// new key needs solc; a devnet makes its own proving key at first start and has no compiler, so
/// it deploys this contract with the key as constructor arguments, kept as immutables (the
/// runtime code is the committed artifact's with the key's 18 words at solc's
/// immutableReferences: client/verify.py rebuilds and compares it). Same answers and the same
/// gas class as a generated verifier: `verifyProof` is false, never reverts, for a public signal
/// not below r, a proof coordinate not below q, a point off the curve or outside the subgroup, or
/// a proof that does not satisfy the pairing equation: the check is the generated verifiers'
/// (Groth16Pairing, contracts/src/Groth16Pairing.sol).
/// @dev Calldata layout is snarkjs's: b = [[x.c1, x.c0], [y.c1, y.c0]] (EIP-197 order); the
/// constructor takes the key as `vkPoints` returns it.
contract GenericBatchVerifier is IBatchVerifier {
    uint256 internal constant Q = Groth16Pairing.Q;

    uint256 internal immutable ALPHA_X;
    uint256 internal immutable ALPHA_Y;
    uint256 internal immutable BETA_X1;
    uint256 internal immutable BETA_X0;
    uint256 internal immutable BETA_Y1;
    uint256 internal immutable BETA_Y0;
    uint256 internal immutable GAMMA_X1;
    uint256 internal immutable GAMMA_X0;
    uint256 internal immutable GAMMA_Y1;
    uint256 internal immutable GAMMA_Y0;
    uint256 internal immutable DELTA_X1;
    uint256 internal immutable DELTA_X0;
    uint256 internal immutable DELTA_Y1;
    uint256 internal immutable DELTA_Y0;
    uint256 internal immutable IC0_X;
    uint256 internal immutable IC0_Y;
    uint256 internal immutable IC1_X;
    uint256 internal immutable IC1_Y;

    /// A key with a coordinate not below q is refused here rather than making every proof fail.
    constructor(
        uint256[2] memory alpha,
        uint256[4] memory beta,
        uint256[4] memory gamma,
        uint256[4] memory delta,
        uint256[2][2] memory ic
    ) {
        for (uint256 i = 0; i < 4; i++) {
            require(beta[i] < Q && gamma[i] < Q && delta[i] < Q, "vk coordinate not below q");
        }
        require(alpha[0] < Q && alpha[1] < Q, "vk coordinate not below q");
        require(ic[0][0] < Q && ic[0][1] < Q && ic[1][0] < Q && ic[1][1] < Q, "vk coordinate not below q");
        (ALPHA_X, ALPHA_Y) = (alpha[0], alpha[1]);
        (BETA_X1, BETA_X0, BETA_Y1, BETA_Y0) = (beta[0], beta[1], beta[2], beta[3]);
        (GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0) = (gamma[0], gamma[1], gamma[2], gamma[3]);
        (DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0) = (delta[0], delta[1], delta[2], delta[3]);
        (IC0_X, IC0_Y, IC1_X, IC1_Y) = (ic[0][0], ic[0][1], ic[1][0], ic[1][1]);
    }

    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[1] calldata pubSignals
    ) external view returns (bool) {
        if (!(pubSignals[0] < Groth16Pairing.R && Groth16Pairing.proofInRange(a, b, c))) return false;
        // The key's points in their pairing-input slots (Groth16Pairing); vk_x accumulates in place.
        uint256[24] memory p;
        (p[6], p[7]) = (ALPHA_X, ALPHA_Y);
        (p[8], p[9], p[10], p[11]) = (BETA_X1, BETA_X0, BETA_Y1, BETA_Y0);
        (p[12], p[13]) = (IC0_X, IC0_Y);
        (p[14], p[15], p[16], p[17]) = (GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0);
        (p[20], p[21], p[22], p[23]) = (DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0);
        return Groth16Pairing.addScaled(p, IC1_X, IC1_Y, pubSignals[0]) && Groth16Pairing.check(p, a, b, c);
    }

    /// @notice The verification key's points (for the aggregated check of several proofs,
    /// Rollup.submitBatches): alpha and IC in G1 (x, y); beta, gamma and delta in G2 in EIP-197
    /// order (x.c1, x.c0, y.c1, y.c0).
    function vkPoints()
        external
        view
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
