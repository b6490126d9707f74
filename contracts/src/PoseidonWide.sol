// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// circomlib's Poseidon (protocol.md 2) for the widths circomlibjs's contract builder cannot
/// emit (it keeps the state on the stack and fails from 7 inputs): the same permutation as
/// circomlibjs's poseidon_reference, looped, with its round constants and matrix read from
/// data contracts (code = 0x00 | constants, written by scripts/gen_poseidon_wide.py from the
/// circomlibjs 0.1.7 constants) since for t >= 10 they exceed one contract's 24,576 bytes.
/// Layout of the concatenated data: C (t * (8 + rp) words), then M (t * t words, row-major).
contract PoseidonWide {
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 public immutable t;
    uint256 public immutable roundsP;
    address internal immutable data0;
    address internal immutable data1;
    address internal immutable data2;

    constructor(uint256 t_, uint256 roundsP_, address[] memory data) {
        require(t_ >= 2 && t_ <= 17 && data.length >= 1 && data.length <= 3, "params");
        uint256 total;
        for (uint256 i = 0; i < data.length; i++) {
            total += data[i].code.length - 1;
        }
        require(total == 32 * (t_ * (8 + roundsP_) + t_ * t_), "constants size");
        t = t_;
        roundsP = roundsP_;
        data0 = data[0];
        data1 = data.length > 1 ? data[1] : address(0);
        data2 = data.length > 2 ? data[2] : address(0);
    }

    /// Poseidon of t - 1 canonical inputs (refused: another count, an input >= R).
    function hash(uint256[] calldata inputs) external view returns (uint256 out) {
        uint256 t_ = t;
        uint256 rp = roundsP;
        require(inputs.length == t_ - 1, "input count");
        for (uint256 i = 0; i < inputs.length; i++) {
            require(inputs[i] < R, "input not canonical");
        }
        address[3] memory data = [data0, data1, data2];
        assembly {
            let k := mload(0x40) // constants
            let p := k
            for { let i := 0 } lt(i, 3) { i := add(i, 1) } {
                let a := mload(add(data, mul(i, 32)))
                if a {
                    let n := sub(extcodesize(a), 1)
                    extcodecopy(a, p, 1, n)
                    p := add(p, n)
                }
            }
            let m := add(k, mul(32, mul(t_, add(8, rp)))) // the matrix
            let s := p // state, t words
            let u := add(s, mul(32, t_)) // scratch, t words
            mstore(0x40, add(u, mul(32, t_)))
            mstore(s, 0)
            calldatacopy(add(s, 32), inputs.offset, mul(32, sub(t_, 1)))
            let rounds := add(8, rp)
            for { let r := 0 } lt(r, rounds) { r := add(r, 1) } {
                let c := add(k, mul(32, mul(r, t_)))
                let full := or(lt(r, 4), iszero(lt(r, add(4, rp))))
                for { let i := 0 } lt(i, t_) { i := add(i, 1) } {
                    let x := addmod(mload(add(s, mul(32, i))), mload(add(c, mul(32, i))), R)
                    if or(full, iszero(i)) {
                        let x2 := mulmod(x, x, R)
                        x := mulmod(mulmod(x2, x2, R), x, R)
                    }
                    mstore(add(s, mul(32, i)), x)
                }
                for { let i := 0 } lt(i, t_) { i := add(i, 1) } {
                    let row := add(m, mul(32, mul(i, t_)))
                    let acc := 0
                    for { let j := 0 } lt(j, t_) { j := add(j, 1) } {
                        acc := addmod(acc, mulmod(mload(add(row, mul(32, j))), mload(add(s, mul(32, j))), R), R)
                    }
                    mstore(add(u, mul(32, i)), acc)
                }
                let tmp := s
                s := u
                u := tmp
            }
            out := mload(s)
        }
    }
}
