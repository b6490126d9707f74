// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// circomlib's Poseidon (protocol.md 2) for the widths circomlibjs's contract builder cannot
/// emit (it keeps the state on the stack and fails from 7 inputs): circomlibjs's poseidon_opt
/// (the neptune partial-round optimisation: a full matrix only in the 8 full rounds, 2t - 1
/// products per partial round), looped, its tables read from data contracts (code = 0x00 |
/// tables, written by scripts/gen_poseidon_wide.py from the circomlibjs 0.1.7 tables) since for
/// t >= 10 they exceed one contract's 24,576 bytes.
/// Layout of the concatenated data: C (8t + rp words) | S ((2t - 1) rp) | M (t * t) | P (t * t),
/// M and P indexed [j][i] = word j * t + i (state'[i] = sum_j M[j][i] state[j]).
contract PoseidonWide {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 public immutable t;
    uint256 public immutable roundsP;
    address internal immutable data0;
    address internal immutable data1;
    address internal immutable data2;
    address internal immutable data3;
    address internal immutable data4;

    constructor(uint256 t_, uint256 roundsP_, address[] memory data) {
        require(t_ >= 2 && t_ <= 17 && data.length >= 1 && data.length <= 5, "params");
        uint256 total;
        for (uint256 i = 0; i < data.length; i++) {
            total += data[i].code.length - 1;
        }
        require(total == 32 * (8 * t_ + roundsP_ + (2 * t_ - 1) * roundsP_ + 2 * t_ * t_), "constants size");
        t = t_;
        roundsP = roundsP_;
        data0 = data[0];
        data1 = data.length > 1 ? data[1] : address(0);
        data2 = data.length > 2 ? data[2] : address(0);
        data3 = data.length > 3 ? data[3] : address(0);
        data4 = data.length > 4 ? data[4] : address(0);
    }

    /// Poseidon of t - 1 canonical inputs (refused: another count, an input >= R).
    function hash(uint256[] calldata inputs) external view returns (uint256 out) {
        uint256 t_ = t;
        uint256 rp = roundsP;
        require(inputs.length == t_ - 1, "input count");
        for (uint256 i = 0; i < inputs.length; i++) {
            require(inputs[i] < R, "input not canonical");
        }
        address[5] memory data = [data0, data1, data2, data3, data4];
        assembly {
            function pow5(x) -> y {
                let x2 := mulmod(x, x, R)
                y := mulmod(mulmod(x2, x2, R), x, R)
            }
            // s[i] := pow5(s[i]) + c[i] (c = 0: no constant)
            function sboxAdd(s, c, n) {
                let end := add(s, mul(32, n))
                for {} lt(s, end) { s := add(s, 32) } {
                    let x := pow5(mload(s))
                    if c {
                        x := addmod(x, mload(c), R)
                        c := add(c, 32)
                    }
                    mstore(s, x)
                }
            }
            // u[i] := sum_j mat[j * n + i] * s[j]; then s := u
            function mix(s, u, mat, n) {
                let rowStep := mul(32, n)
                let send := add(s, rowStep)
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    let acc := 0
                    let q := add(mat, mul(32, i))
                    for { let p := s } lt(p, send) { p := add(p, 32) } {
                        acc := addmod(acc, mulmod(mload(q), mload(p), R), R)
                        q := add(q, rowStep)
                    }
                    mstore(add(u, mul(32, i)), acc)
                }
                mcopy(s, u, rowStep)
            }

            let k := mload(0x40) // the tables
            let p := k
            for { let i := 0 } lt(i, 5) { i := add(i, 1) } {
                let a := mload(add(data, mul(i, 32)))
                if a {
                    let n := sub(extcodesize(a), 1)
                    extcodecopy(a, p, 1, n)
                    p := add(p, n)
                }
            }
            let C := k
            let S := add(C, mul(32, add(mul(8, t_), rp)))
            let M := add(S, mul(32, mul(sub(mul(2, t_), 1), rp)))
            let P := add(M, mul(32, mul(t_, t_)))
            let s := p // state, t words
            let u := add(s, mul(32, t_)) // scratch, t words
            mstore(0x40, add(u, mul(32, t_)))

            mstore(s, mload(C))
            for { let i := 1 } lt(i, t_) { i := add(i, 1) } {
                mstore(add(s, mul(32, i)), addmod(calldataload(add(inputs.offset, mul(32, sub(i, 1)))), mload(add(C, mul(32, i))), R))
            }
            for { let r := 0 } lt(r, 3) { r := add(r, 1) } {
                sboxAdd(s, add(C, mul(32, mul(add(r, 1), t_))), t_)
                mix(s, u, M, t_)
            }
            sboxAdd(s, add(C, mul(32, mul(4, t_))), t_)
            mix(s, u, P, t_)
            let cp := add(C, mul(32, mul(5, t_)))
            let tw := sub(mul(2, t_), 1)
            for { let r := 0 } lt(r, rp) { r := add(r, 1) } {
                let x0 := addmod(pow5(mload(s)), mload(add(cp, mul(32, r))), R)
                mstore(s, x0)
                let row := add(S, mul(32, mul(tw, r)))
                let acc := 0
                for { let j := 0 } lt(j, t_) { j := add(j, 1) } {
                    acc := addmod(acc, mulmod(mload(add(row, mul(32, j))), mload(add(s, mul(32, j))), R), R)
                }
                let col := add(row, mul(32, t_))
                for { let j := 1 } lt(j, t_) { j := add(j, 1) } {
                    let q := add(s, mul(32, j))
                    mstore(q, addmod(mload(q), mulmod(x0, mload(add(col, mul(32, sub(j, 1)))), R), R))
                }
                mstore(s, acc)
            }
            let cf := add(cp, mul(32, rp))
            for { let r := 0 } lt(r, 3) { r := add(r, 1) } {
                sboxAdd(s, add(cf, mul(32, mul(r, t_))), t_)
                mix(s, u, M, t_)
            }
            sboxAdd(s, 0, t_)
            mix(s, u, M, t_)
            out := mload(s)
        }
    }
}
