// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// BabyJubJub checks on L2 public keys (protocol.md 4.9, 7.3): twisted Edwards
/// a x^2 + y^2 = 1 + d x^2 y^2 over BN254's scalar field, a = 168700, d = 168696.
library BabyJubJub {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant A = 168700;
    uint256 internal constant D = 168696;

    /// True if (x, y) is a canonical point of the curve.
    function onCurve(uint256 x, uint256 y) internal pure returns (bool) {
        if (x >= R || y >= R) return false;
        uint256 x2 = mulmod(x, x, R);
        uint256 y2 = mulmod(y, y, R);
        uint256 lhs = addmod(mulmod(A, x2, R), y2, R);
        uint256 rhs = addmod(1, mulmod(D, mulmod(x2, y2, R), R), R);
        return lhs == rhs;
    }

    /// True if 8 * (x, y) is the identity (0, 1): the point has small order. Three doublings in
    /// projective coordinates (complete formulas: a is a square and d is not), no inversion.
    function smallOrder(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 X = x;
        uint256 Y = y;
        uint256 Z = 1;
        for (uint256 i = 0; i < 3; i++) {
            (X, Y, Z) = _double(X, Y, Z);
        }
        return X == 0 && Y == Z;
    }

    function _double(uint256 X, uint256 Y, uint256 Z) private pure returns (uint256, uint256, uint256) {
        // dbl-2008-bbjlp: B = (X+Y)^2, C = X^2, D = Y^2, E = aC, F = E + D, H = Z^2, J = F - 2H
        uint256 b = mulmod(addmod(X, Y, R), addmod(X, Y, R), R);
        uint256 c = mulmod(X, X, R);
        uint256 d_ = mulmod(Y, Y, R);
        uint256 e = mulmod(A, c, R);
        uint256 f = addmod(e, d_, R);
        uint256 h = mulmod(Z, Z, R);
        uint256 j = addmod(f, R - addmod(h, h, R), R);
        uint256 x3 = mulmod(addmod(b, R - addmod(c, d_, R), R), j, R);
        uint256 y3 = mulmod(f, addmod(e, R - d_, R), R);
        uint256 z3 = mulmod(f, j, R);
        return (x3, y3, z3);
    }

    /// circomlibjs packPoint as a big-endian integer: y + 2^255 * (x > (R - 1) / 2).
    function pack(uint256 x, uint256 y) internal pure returns (uint256) {
        return x > (R - 1) / 2 ? y | (1 << 255) : y;
    }
}
