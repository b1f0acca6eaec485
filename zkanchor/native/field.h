/* 4x64-bit Montgomery arithmetic for the two BN254 prime fields.
 *
 * Fp (coordinates) and Fr (scalars, NTT values) share one generic implementation;
 * each modulus is a compile-time constant struct so the compiler folds it into
 * the inlined code.  Values are kept in Montgomery form a*2^256 mod m, fully
 * reduced (< m), so equality is limb equality.  Both moduli are < 2^254, which
 * keeps a + b below 2^256 and lets add/sub avoid a fifth limb.
 */
#ifndef ZKA_FIELD_H
#define ZKA_FIELD_H

#include <stdint.h>
#include <string.h>

#define ZKA_INLINE static inline __attribute__((always_inline))

typedef unsigned __int128 u128;

typedef struct { uint64_t v[4]; } fe;

typedef struct {
    uint64_t m[4];      /* modulus */
    uint64_t minv;      /* -m^-1 mod 2^64 */
    uint64_t r2[4];     /* 2^512 mod m, to enter Montgomery form */
    uint64_t one[4];    /* 2^256 mod m, Montgomery form of 1 */
} modulus;

static const modulus FP_MOD = {
    {0x3c208c16d87cfd47ULL, 0x97816a916871ca8dULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL},
    0x87d20782e4866389ULL,
    {0xf32cfc5b538afa89ULL, 0xb5e71911d44501fbULL, 0x47ab1eff0a417ff6ULL, 0x06d89f71cab8351fULL},
    {0xd35d438dc58f0d9dULL, 0x0a78eb28f5c70b3dULL, 0x666ea36f7879462cULL, 0x0e0a77c19a07df2fULL},
};

static const modulus FR_MOD = {
    {0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL, 0x30644e72e131a029ULL},
    0xc2e1f593efffffffULL,
    {0x1bb8e645ae216da7ULL, 0x53fe3ab1e35c59e3ULL, 0x8c49833d53bb8085ULL, 0x0216d0b17f4e44a5ULL},
    {0xac96341c4ffffffbULL, 0x36fc76959f60cd29ULL, 0x666ea36f7879462eULL, 0x0e0a77c19a07df2fULL},
};

ZKA_INLINE int mf_is_zero(const fe *a) {
    return (a->v[0] | a->v[1] | a->v[2] | a->v[3]) == 0;
}

ZKA_INLINE int mf_eq(const fe *a, const fe *b) {
    return ((a->v[0] ^ b->v[0]) | (a->v[1] ^ b->v[1]) | (a->v[2] ^ b->v[2]) | (a->v[3] ^ b->v[3])) == 0;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* Add, subtract and the final conditional subtraction as straight adc/sbb
 * chains: written with unsigned __int128 the compilers turn each limb's carry
 * into several instructions, and these three were as costly as the
 * multiplications in the MSM's affine additions.  Plain x86-64 (no BMI2/ADX),
 * so both builds of the kernel use them. */

/* r = t - m if t >= m, else t; t < 2m.  Branch-free: the outcome is data
 * dependent and a mispredicted branch costs as much as the subtraction. */
ZKA_INLINE void mf_reduce_once(fe *r, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3, const modulus *M) {
    uint64_t s0 = t0, s1 = t1, s2 = t2, s3 = t3;
    __asm__("subq %[m0], %[s0]\n\t"
            "sbbq %[m1], %[s1]\n\t"
            "sbbq %[m2], %[s2]\n\t"
            "sbbq %[m3], %[s3]\n\t"
            "cmovcq %[t0], %[s0]\n\t"   /* borrow: t < m, keep t */
            "cmovcq %[t1], %[s1]\n\t"
            "cmovcq %[t2], %[s2]\n\t"
            "cmovcq %[t3], %[s3]\n\t"
            : [s0] "+&r"(s0), [s1] "+&r"(s1), [s2] "+&r"(s2), [s3] "+&r"(s3)
            : [t0] "r"(t0), [t1] "r"(t1), [t2] "r"(t2), [t3] "r"(t3),
              [m0] "m"(M->m[0]), [m1] "m"(M->m[1]), [m2] "m"(M->m[2]), [m3] "m"(M->m[3])
            : "cc");
    r->v[0] = s0; r->v[1] = s1; r->v[2] = s2; r->v[3] = s3;
}

ZKA_INLINE void mf_add(fe *r, const fe *a, const fe *b, const modulus *M) {
    uint64_t t0 = a->v[0], t1 = a->v[1], t2 = a->v[2], t3 = a->v[3];
    __asm__("addq %[b0], %[t0]\n\t"
            "adcq %[b1], %[t1]\n\t"
            "adcq %[b2], %[t2]\n\t"
            "adcq %[b3], %[t3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3)
            : [b0] "rm"(b->v[0]), [b1] "rm"(b->v[1]), [b2] "rm"(b->v[2]), [b3] "rm"(b->v[3])
            : "cc");
    mf_reduce_once(r, t0, t1, t2, t3, M);   /* a + b < 2m < 2^255: no fifth limb */
}

/* r = a + b as integers, not reduced: for a multiplication's input, which may
 * be below 2m (see mf_mul); both moduli are < 2^254, so nothing overflows. */
ZKA_INLINE void mf_add_lazy(fe *r, const fe *a, const fe *b) {
    uint64_t t0 = a->v[0], t1 = a->v[1], t2 = a->v[2], t3 = a->v[3];
    __asm__("addq %[b0], %[t0]\n\t"
            "adcq %[b1], %[t1]\n\t"
            "adcq %[b2], %[t2]\n\t"
            "adcq %[b3], %[t3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3)
            : [b0] "rm"(b->v[0]), [b1] "rm"(b->v[1]), [b2] "rm"(b->v[2]), [b3] "rm"(b->v[3])
            : "cc");
    r->v[0] = t0; r->v[1] = t1; r->v[2] = t2; r->v[3] = t3;
}

ZKA_INLINE void mf_sub(fe *r, const fe *a, const fe *b, const modulus *M) {
    uint64_t t0 = a->v[0], t1 = a->v[1], t2 = a->v[2], t3 = a->v[3], u0, u1, u2, u3, mask;
    /* wrapped below zero: add the modulus back (masked, not branched: the
     * sign of a - b is a coin flip the predictor cannot learn) */
    __asm__("subq %[b0], %[t0]\n\t"
            "sbbq %[b1], %[t1]\n\t"
            "sbbq %[b2], %[t2]\n\t"
            "sbbq %[b3], %[t3]\n\t"
            "sbbq %[mask], %[mask]\n\t"
            "movq %[m0], %[u0]\n\t"
            "movq %[m1], %[u1]\n\t"
            "movq %[m2], %[u2]\n\t"
            "movq %[m3], %[u3]\n\t"
            "andq %[mask], %[u0]\n\t"
            "andq %[mask], %[u1]\n\t"
            "andq %[mask], %[u2]\n\t"
            "andq %[mask], %[u3]\n\t"
            "addq %[u0], %[t0]\n\t"
            "adcq %[u1], %[t1]\n\t"
            "adcq %[u2], %[t2]\n\t"
            "adcq %[u3], %[t3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3),
              [u0] "=&r"(u0), [u1] "=&r"(u1), [u2] "=&r"(u2), [u3] "=&r"(u3), [mask] "=&r"(mask)
            : [b0] "rm"(b->v[0]), [b1] "rm"(b->v[1]), [b2] "rm"(b->v[2]), [b3] "rm"(b->v[3]),
              [m0] "m"(M->m[0]), [m1] "m"(M->m[1]), [m2] "m"(M->m[2]), [m3] "m"(M->m[3])
            : "cc");
    r->v[0] = t0; r->v[1] = t1; r->v[2] = t2; r->v[3] = t3;
}
#else
/* r = t - m if t >= m, else t; t < 2m.  Branch-free: the outcome is data
 * dependent and a mispredicted branch costs as much as the subtraction. */
ZKA_INLINE void mf_reduce_once(fe *r, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3, const modulus *M) {
    uint64_t s[4], t[4] = {t0, t1, t2, t3};
    u128 d;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        d = (u128)t[i] - M->m[i] - borrow;
        s[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    uint64_t keep = 0 - borrow;   /* all ones when t < m */
    for (int i = 0; i < 4; i++) r->v[i] = (t[i] & keep) | (s[i] & ~keep);
}

ZKA_INLINE void mf_add(fe *r, const fe *a, const fe *b, const modulus *M) {
    uint64_t t[4];
    u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (u128)a->v[i] + b->v[i];
        t[i] = (uint64_t)c;
        c >>= 64;
    }
    mf_reduce_once(r, t[0], t[1], t[2], t[3], M);   /* a + b < 2m < 2^255: no fifth limb */
}

ZKA_INLINE void mf_sub(fe *r, const fe *a, const fe *b, const modulus *M) {
    uint64_t t[4];
    u128 d;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        d = (u128)a->v[i] - b->v[i] - borrow;
        t[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    /* wrapped below zero: add the modulus back (masked, not branched: the
     * sign of a - b is a coin flip the predictor cannot learn) */
    uint64_t mask = 0 - borrow;
    u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (u128)t[i] + (M->m[i] & mask);
        r->v[i] = (uint64_t)c;
        c >>= 64;
    }
}

ZKA_INLINE void mf_add_lazy(fe *r, const fe *a, const fe *b) {
    u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (u128)a->v[i] + b->v[i];
        r->v[i] = (uint64_t)c;
        c >>= 64;
    }
}
#endif

ZKA_INLINE void mf_neg(fe *r, const fe *a, const modulus *M) {
    if (mf_is_zero(a)) { *r = *a; return; }
    fe mod;
    memcpy(mod.v, M->m, 32);
    mf_sub(r, &mod, a, M);
}

ZKA_INLINE void mf_dbl(fe *r, const fe *a, const modulus *M) { mf_add(r, a, a, M); }

/* mf_mul(r, a, b): r = a b / 2^256 mod m, fully reduced.  Inputs may be any
 * values below 2m (unreduced sums, mf_add_lazy): with m < 2^254 every row's
 * partial result stays below 2^256 and the last one below
 * a b / 2^256 + m < 4m^2 / 2^256 + m < 2m, so one conditional subtraction
 * still suffices. */
#if defined(ZKA_ADX) && defined(__x86_64__)
#include "mont_adx.h"
#else
/* CIOS Montgomery multiplication: r = a*b/2^256 mod m, portable C. */
ZKA_INLINE void mf_mul(fe *r, const fe *a, const fe *b, const modulus *M) {
    uint64_t t[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        u128 c = 0;
        for (int j = 0; j < 4; j++) {
            c += (u128)a->v[j] * b->v[i] + t[j];
            t[j] = (uint64_t)c;
            c >>= 64;
        }
        c += t[4];
        t[4] = (uint64_t)c;
        t[5] = (uint64_t)(c >> 64);
        uint64_t q = t[0] * M->minv;
        c = (u128)q * M->m[0] + t[0];
        c >>= 64;
        for (int j = 1; j < 4; j++) {
            c += (u128)q * M->m[j] + t[j];
            t[j - 1] = (uint64_t)c;
            c >>= 64;
        }
        c += t[4];
        t[3] = (uint64_t)c;
        t[4] = t[5] + (uint64_t)(c >> 64);
    }
    mf_reduce_once(r, t[0], t[1], t[2], t[3], M);   /* t[4] = 0: result < 2m < 2^256 */
}

#endif

ZKA_INLINE void mf_sqr(fe *r, const fe *a, const modulus *M) { mf_mul(r, a, a, M); }

#if !(defined(ZKA_ADX) && defined(__x86_64__))
/* ---- lazy reduction: wide products (mf_mul_wide) combined, then one mf_redc.
 * Used by the portable Fp2 multiplication only: with the ADX multiplication the
 * extra 512-bit additions in C cost more than the reduction they save. ---- */

typedef struct { uint64_t v[8]; } wide;   /* an unreduced 512-bit product */

/* r = a * b, full 512-bit product (inputs any 256-bit values). */
ZKA_INLINE void mf_mul_wide(wide *r, const fe *a, const fe *b) {
    uint64_t t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        u128 c = 0;
        for (int j = 0; j < 4; j++) {
            c += (u128)a->v[j] * b->v[i] + t[i + j];
            t[i + j] = (uint64_t)c;
            c >>= 64;
        }
        t[i + 4] = (uint64_t)c;
    }
    memcpy(r->v, t, 64);
}

/* Montgomery reduction: r = t / 2^256 mod m for t < m * 2^256. */
ZKA_INLINE void mf_redc(fe *r, const wide *w, const modulus *M) {
    uint64_t t[8];
    memcpy(t, w->v, 64);
    for (int i = 0; i < 4; i++) {
        uint64_t q = t[i] * M->minv;
        u128 c = 0;
        for (int j = 0; j < 4; j++) {
            c += (u128)q * M->m[j] + t[i + j];
            t[i + j] = (uint64_t)c;
            c >>= 64;
        }
        /* ripple the carry upward; t < m 2^256 keeps the total below
         * 2m 2^256 < 2^512, so nothing leaves limb 7 */
        for (int k = i + 4; k < 8 && c; k++) {
            c += t[k];
            t[k] = (uint64_t)c;
            c >>= 64;
        }
    }
    mf_reduce_once(r, t[4], t[5], t[6], t[7], M);
}

ZKA_INLINE void wide_add(wide *r, const wide *a, const wide *b) {
    u128 c = 0;
    for (int i = 0; i < 8; i++) {
        c += (u128)a->v[i] + b->v[i];
        r->v[i] = (uint64_t)c;
        c >>= 64;
    }
}

/* r = a - b; returns the borrow (1 when a < b, r then wrapped mod 2^512). */
ZKA_INLINE uint64_t wide_sub(wide *r, const wide *a, const wide *b) {
    uint64_t borrow = 0;
    for (int i = 0; i < 8; i++) {
        u128 d = (u128)a->v[i] - b->v[i] - borrow;
        r->v[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow;
}

/* r += m * 2^256 when mask is all ones (a masked add, not a branch). */
ZKA_INLINE void wide_add_m_high(wide *r, uint64_t mask, const modulus *M) {
    u128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (u128)r->v[4 + i] + (M->m[i] & mask);
        r->v[4 + i] = (uint64_t)c;
        c >>= 64;
    }
}
#endif

/* a^e for a little-endian 4-limb exponent (variable time: inputs are public). */
static inline void mf_pow(fe *r, const fe *a, const uint64_t e[4], const modulus *M) {
    fe acc, base = *a;
    memcpy(acc.v, M->one, 32);
    for (int i = 0; i < 4; i++) {
        uint64_t w = e[i];
        for (int b = 0; b < 64; b++) {
            if (w & 1) mf_mul(&acc, &acc, &base, M);
            mf_sqr(&base, &base, M);
            w >>= 1;
        }
    }
    *r = acc;
}

/* Inverse by Fermat (a^(m-2)); the callers batch inversions, so it is rare. */
static inline void mf_inv(fe *r, const fe *a, const modulus *M) {
    uint64_t e[4];
    memcpy(e, M->m, 32);
    e[0] -= 2;   /* low limbs of both moduli are > 2: no borrow */
    mf_pow(r, a, e, M);
}

/* Standard little-endian 32 bytes <-> Montgomery form.  Input must be < m. */
ZKA_INLINE void mf_from_bytes(fe *r, const unsigned char *b, const modulus *M) {
    fe t, r2;
    memcpy(t.v, b, 32);     /* x86_64/aarch64 are little-endian */
    memcpy(r2.v, M->r2, 32);
    mf_mul(r, &t, &r2, M);
}

ZKA_INLINE void mf_to_bytes(unsigned char *b, const fe *a, const modulus *M) {
    fe one = {{1, 0, 0, 0}}, t;
    mf_mul(&t, a, &one, M);
    memcpy(b, t.v, 32);
}

ZKA_INLINE int bytes_lt_modulus(const unsigned char *b, const modulus *M) {
    uint64_t t[4];
    memcpy(t, b, 32);
    for (int i = 3; i >= 0; i--) {
        if (t[i] != M->m[i]) return t[i] < M->m[i];
    }
    return 0;
}

/* Fp and Fr front ends. */
#define FP_DEF1(name) ZKA_INLINE void fp_##name(fe *r, const fe *a) { mf_##name(r, a, &FP_MOD); }
#define FP_DEF2(name) ZKA_INLINE void fp_##name(fe *r, const fe *a, const fe *b) { mf_##name(r, a, b, &FP_MOD); }
#define FR_DEF2(name) ZKA_INLINE void fr_##name(fe *r, const fe *a, const fe *b) { mf_##name(r, a, b, &FR_MOD); }
FP_DEF2(add) FP_DEF2(sub) FP_DEF2(mul) FP_DEF1(sqr) FP_DEF1(neg) FP_DEF1(dbl)
FR_DEF2(add) FR_DEF2(sub) FR_DEF2(mul)
static inline void fp_inv(fe *r, const fe *a) { mf_inv(r, a, &FP_MOD); }
static inline void fr_inv(fe *r, const fe *a) { mf_inv(r, a, &FR_MOD); }

#endif
