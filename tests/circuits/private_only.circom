pragma circom 2.0.0;

// No public signals at all: proves knowledge of an 8-bit value through its bits.
template Bits(n) {
    signal input in;
    signal bits[n];
    var acc = 0;
    for (var i = 0; i < n; i++) {
        bits[i] <-- (in >> i) & 1;
        bits[i] * (bits[i] - 1) === 0;
        acc += bits[i] * (1 << i);
    }
    acc === in;
}

component main = Bits(8);
