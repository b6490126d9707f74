pragma circom 2.0.0;

// A different circuit with the same public shape as hash.circom (one public signal): its proofs
// must not verify under hash.circom's key.
template Square() {
    signal input x;
    signal input y;
    signal output out;
    signal t;
    t <== x * x;
    out <== t * y;
}

component main = Square();
