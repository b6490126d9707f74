pragma circom 2.0.0;

include "circomlib/circuits/poseidon.circom";

// A Poseidon preimage proof (a few hundred constraints, one public signal: the digest).
template HashPreimage() {
    signal input x;
    signal input y;
    signal input salt;
    signal output digest;
    component h = Poseidon(3);
    h.inputs[0] <== x;
    h.inputs[1] <== y;
    h.inputs[2] <== salt;
    digest <== h.out;
}

component main = HashPreimage();
