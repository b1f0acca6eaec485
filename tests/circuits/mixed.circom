pragma circom 2.0.0;

// Two public inputs (x, y), two public outputs (sum, prod) and four private inputs
// (s[0..2], t), with linear constraints, constants, negative coefficients and a hint
// (inv) so that the .r1cs exercises empty A/B combinations and every section.
template Mixed(n) {
    signal input x;
    signal input y;
    signal input s[n];
    signal input t;
    signal output sum;
    signal output prod;

    signal acc[n + 1];
    signal sq[n];
    signal inv;

    acc[0] <== x;
    for (var i = 0; i < n; i++) {
        sq[i] <== s[i] * s[i];
        acc[i + 1] <== acc[i] + 3 * sq[i] - 7;
    }
    sum <== acc[n] + y;
    prod <== (t - 5) * (sum + 2 * y);

    // t != 0, proved with a prover-computed inverse.
    inv <-- 1 / t;
    inv * t === 1;
}

component main {public [x, y]} = Mixed(3);
