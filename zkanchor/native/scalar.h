/* Scalar helpers shared by the MSM and fixed-base code: bit lengths, window
 * extraction, signed digits and the window-size cost model. */
#ifndef ZKA_SCALAR_H
#define ZKA_SCALAR_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define ZKA_MAX_WINDOW 15   /* signed digits up to 2^14 fit the bucket indexing comfortably */

/* MSM scalars longer than this (after the signed reduction) are split by GLV
 * into two halves below 2^128: every full-size scalar, no small one. */
#define ZKA_GLV_BITS 128

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

/* ---- GLV: s = k1 + k2 lambda (mod r) with |k1|, |k2| < 2^128 ----
 *
 * lambda is a cube root of unity mod r; on G1 and on G2 (both of order r)
 * multiplication by lambda is an endomorphism costing one Fp multiplication
 * ((x, y) -> (beta x, y), beta from the including file).  The short lattice
 * basis of {(a, b) : a + b lambda = 0 mod r} is v1 = (b2, -|b1|) and
 * v2 = (|b1| + b2, b2); with c1 = floor(s b2 / r), c2 = floor(s |b1| / r)
 * (both via 2^256-scaled constants, so possibly one too small),
 * (k1, k2) = (s, 0) - c1 v1 - c2 v2:
 *   k1 = s - c1 b2 - c2 (|b1| + b2),   k2 = c1 |b1| - c2 b2.
 * Rounding leaves (k1, k2) within a few basis vectors' length of the lattice's
 * fundamental domain, so |k1|, |k2| < 2^129; everything is plain integer
 * arithmetic on two's complement 256-bit values, no modular reduction. */
static const uint64_t GLV_G1[4] = {0xd91d232ec7e0b3d7ULL, 0x0000000000000002ULL, 0, 0};   /* 2^256 b2 / r */
static const uint64_t GLV_G2[4] = {0x7a7bd9d4391eb18dULL, 0x4ccef014a773d2cfULL, 0x2ULL, 0};   /* 2^256 |b1| / r */
static const uint64_t GLV_B1ABS[4] = {0x8211bbeb7d4f1128ULL, 0x6f4d8248eeb859fcULL, 0, 0};
static const uint64_t GLV_B2[4] = {0x89d3256894d213e3ULL, 0, 0, 0};
static const uint64_t GLV_A2[4] = {0x0be4e1541221250bULL, 0x6f4d8248eeb859fdULL, 0, 0};   /* |b1| + b2 */
static const uint64_t GLV_LAMBDA[4] = {0x8b17ea66b99c90ddULL, 0x5bfc41088d8daaa7ULL, 0xb3c4d79d41a91758ULL, 0};

/* floor(k g / 2^256) */
ZKA_INLINE void glv_mulhi(uint64_t r[4], const uint64_t k[4], const uint64_t g[4]) {
    uint64_t t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        unsigned __int128 c = 0;
        for (int j = 0; j < 4; j++) {
            c += (unsigned __int128)k[i] * g[j] + t[i + j];
            t[i + j] = (uint64_t)c;
            c >>= 64;
        }
        t[i + 4] = (uint64_t)c;
    }
    memcpy(r, t + 4, 32);
}

/* a * b mod 2^256 */
ZKA_INLINE void u256_mullo(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    uint64_t t[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        if (!a[i]) continue;
        unsigned __int128 c = 0;
        for (int j = 0; i + j < 4; j++) {
            c += (unsigned __int128)a[i] * b[j] + t[i + j];
            t[i + j] = (uint64_t)c;
            c >>= 64;
        }
    }
    memcpy(r, t, 32);
}

ZKA_INLINE void u256_add(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]) {
    unsigned __int128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (unsigned __int128)a[i] + b[i];
        r[i] = (uint64_t)c;
        c >>= 64;
    }
}

/* two's complement 256-bit value -> magnitude, returning 1 if it was negative */
ZKA_INLINE int u256_abs(uint64_t v[4]) {
    if (!(v[3] >> 63)) return 0;
    static const uint64_t zero[4] = {0, 0, 0, 0};
    u256_sub(v, zero, v);
    return 1;
}

/* s (any 256-bit value, reduced mod r first) -> |k1|, |k2| and their signs. */
static void glv_split(const uint64_t s_in[4], uint64_t k1[4], uint8_t *neg1, uint64_t k2[4], uint8_t *neg2) {
    uint64_t s[4] = {s_in[0], s_in[1], s_in[2], s_in[3]}, c1[4], c2[4], t[4], u[4];
    while (!u256_gt(ORDER_R, s)) u256_sub(s, s, ORDER_R);
    glv_mulhi(c1, s, GLV_G1);   /* < 2^64 */
    glv_mulhi(c2, s, GLV_G2);   /* < 2^128 */
    u256_mullo(t, c1, GLV_B2);
    u256_mullo(u, c2, GLV_A2);
    u256_add(t, t, u);
    u256_sub(k1, s, t);
    u256_mullo(t, c1, GLV_B1ABS);
    u256_mullo(u, c2, GLV_B2);
    u256_sub(k2, t, u);
    *neg1 = (uint8_t)u256_abs(k1);
    *neg2 = (uint8_t)u256_abs(k2);
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

/* Estimated field multiplications of a Pippenger with c-bit windows:
 * add_cost per nonzero digit (scalars of bit length bl touch about bl/c + 1
 * windows), bucket_cost per bucket per window for the running-sum
 * aggregation, and a per-window fixed cost (inversions, passes). */
static double window_cost_at(const size_t hist[257], unsigned maxbits, unsigned c,
                             double add_cost, double bucket_cost, double window_cost) {
    unsigned nw = window_count(maxbits, c);
    double adds = 0;
    for (unsigned bl = 1; bl <= maxbits && bl <= 256; bl++)
        if (hist[bl]) {
            unsigned touched = bl / c + 1;
            if (touched > nw) touched = nw;
            adds += (double)hist[bl] * touched;
        }
    return adds * add_cost + nw * ((double)(1u << (c - 1)) * bucket_cost + window_cost);
}

/* The window width in [1, cmax] minimising window_cost_at. */
static unsigned choose_window(const size_t hist[257], unsigned maxbits, unsigned cmax,
                              double add_cost, double bucket_cost, double window_cost) {
    unsigned best = 1;
    double best_cost = -1;
    for (unsigned c = 1; c <= cmax; c++) {
        double cost = window_cost_at(hist, maxbits, c, add_cost, bucket_cost, window_cost);
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
