/* Scalar helpers shared by the MSM and fixed-base code: bit lengths, window
 * extraction, signed digits and the window-size cost model. */
#ifndef ZKA_SCALAR_H
#define ZKA_SCALAR_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define ZKA_MAX_WINDOW 15   /* signed digits up to 2^14 fit the bucket indexing comfortably */

ZKA_INLINE void scalar_load(uint64_t s[4], const unsigned char *b) { memcpy(s, b, 32); }

/* The group order r and floor(r / 2), little-endian limbs. */
static const uint64_t ORDER_R[4] = {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL,
                                    0xb85045b68181585dULL, 0x30644e72e131a029ULL};
static const uint64_t HALF_R[4] = {0xa1f0fac9f8000000ULL, 0x9419f4243cdcb848ULL,
                                   0xdc2822db40c0ac2eULL, 0x183227397098d014ULL};

ZKA_INLINE int u256_gt(const uint64_t a[4], const uint64_t b[4]) {
    for (int i = 3; i >= 0; i--)
        if (a[i] != b[i]) return a[i] > b[i];
    return 0;
}

ZKA_INLINE void u256_sub(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    unsigned __int128 d;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        d = (unsigned __int128)a[i] - b[i] - borrow;
        r[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
}

/* Reduce s mod r, then replace s by r - s when s > r/2, returning 1 if it did
 * (the caller negates the point).  Fixed-point witnesses encode -v as r - v:
 * this makes them as cheap as v instead of full 254-bit scalars. */
ZKA_INLINE int scalar_signed(uint64_t s[4]) {
    while (!u256_gt(ORDER_R, s)) u256_sub(s, s, ORDER_R);   /* s < 2^256 < 6r: at most 5 rounds */
    if (!u256_gt(s, HALF_R)) return 0;
    u256_sub(s, ORDER_R, s);
    return 1;
}

ZKA_INLINE unsigned scalar_bits(const uint64_t s[4]) {
    for (int i = 3; i >= 0; i--)
        if (s[i]) return (unsigned)(64 * i + 64 - __builtin_clzll(s[i]));
    return 0;
}

/* c bits of s starting at bit offset o (0 past the top). */
ZKA_INLINE uint32_t scalar_window(const uint64_t s[4], unsigned o, unsigned c) {
    unsigned li = o >> 6, bi = o & 63;
    if (li >= 4) return 0;
    uint64_t v = s[li] >> bi;
    if (bi + c > 64 && li < 3) v |= s[li + 1] << (64 - bi);
    return (uint32_t)(v & ((1u << c) - 1));
}

/* Signed-digit recoding step: window value plus incoming carry -> digit in
 * (-2^(c-1), 2^(c-1)] and outgoing carry.  Halves the bucket count; negating
 * an affine point is free. */
ZKA_INLINE int32_t signed_digit(uint32_t v, unsigned c, uint8_t *carry) {
    v += *carry;
    uint32_t half = 1u << (c - 1);
    if (v > half) { *carry = 1; return (int32_t)v - (int32_t)(half << 1); }
    *carry = 0;
    return (int32_t)v;
}

/* Windows needed so the final carry never spills: the top window holds fewer
 * than c bits, so its value plus a carry stays <= 2^(c-1). */
ZKA_INLINE unsigned window_count(unsigned maxbits, unsigned c) { return maxbits / c + 1; }

/* Pick the window width minimising estimated field multiplications:
 * add_cost per nonzero digit (scalars of bit length bl touch about bl/c + 1
 * windows), bucket_cost per bucket per window for the running-sum
 * aggregation, and a per-window fixed cost (inversions, passes). */
static unsigned choose_window(const size_t hist[257], unsigned maxbits, unsigned cmax,
                              double add_cost, double bucket_cost, double window_cost) {
    unsigned best = 1;
    double best_cost = -1;
    for (unsigned c = 1; c <= cmax; c++) {
        unsigned nw = window_count(maxbits, c);
        double adds = 0;
        for (unsigned bl = 1; bl <= maxbits && bl <= 256; bl++)
            if (hist[bl]) {
                unsigned touched = bl / c + 1;
                if (touched > nw) touched = nw;
                adds += (double)hist[bl] * touched;
            }
        double cost = adds * add_cost + nw * ((double)(1u << (c - 1)) * bucket_cost + window_cost);
        if (best_cost < 0 || cost < best_cost) { best_cost = cost; best = c; }
    }
    return best;
}

/* Rough cost of one scalar in affine additions (about one per 16 bits), used
 * to decide whether threads pay off and where to split the input. */
ZKA_INLINE unsigned scalar_work(unsigned bits) { return bits ? 1 + bits / 16 : 0; }

/* Work a thread must get before spawning it beats its start-up and the risk
 * of waiting on a descheduled core: ~8k affine additions, a millisecond. */
#define ZKA_MIN_THREAD_WORK 8192u

#endif
