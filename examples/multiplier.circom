pragma circom 2.0.0;

// One public output, two private inputs, one constraint: c = a * b.
template Multiplier() {
    signal input a;
    signal input b;
    signal output c;
    c <== a * b;
}

component main = Multiplier();
