pragma circom 2.0.0;

// Three inputs, one public; small enough for the pure-Python reference prover.
template Mul() {
    signal input a;
    signal input b;
    signal input c;
    signal output out;
    signal t;
    t <== a * b;
    out <== t * c + 3;
}

component main {public [a]} = Mul();
