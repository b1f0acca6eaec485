/* Fp2 = Fp[u]/(u^2 + 1), the field of G2 coordinates; element c0 + c1*u. */
#ifndef ZKA_FP2_H
#define ZKA_FP2_H

#include "field.h"

typedef struct { fe c0, c1; } fe2;

ZKA_INLINE int fp2_is_zero(const fe2 *a) { return mf_is_zero(&a->c0) && mf_is_zero(&a->c1); }
ZKA_INLINE int fp2_eq(const fe2 *a, const fe2 *b) { return mf_eq(&a->c0, &b->c0) && mf_eq(&a->c1, &b->c1); }

ZKA_INLINE void fp2_add(fe2 *r, const fe2 *a, const fe2 *b) {
    fp_add(&r->c0, &a->c0, &b->c0);
    fp_add(&r->c1, &a->c1, &b->c1);
}

ZKA_INLINE void fp2_sub(fe2 *r, const fe2 *a, const fe2 *b) {
    fp_sub(&r->c0, &a->c0, &b->c0);
    fp_sub(&r->c1, &a->c1, &b->c1);
}

ZKA_INLINE void fp2_dbl(fe2 *r, const fe2 *a) { fp2_add(r, a, a); }

ZKA_INLINE void fp2_neg(fe2 *r, const fe2 *a) {
    fp_neg(&r->c0, &a->c0);
    fp_neg(&r->c1, &a->c1);
}

#if defined(ZKA_ADX) && defined(__x86_64__)
/* Karatsuba: three base-field products instead of four.  The sums enter the
 * multiplication unreduced (below 2p, which mf_mul accepts). */
ZKA_INLINE void fp2_mul(fe2 *r, const fe2 *a, const fe2 *b) {
    fe v0, v1, s, t;
    fp_mul(&v0, &a->c0, &b->c0);
    fp_mul(&v1, &a->c1, &b->c1);
    mf_add_lazy(&s, &a->c0, &a->c1);
    mf_add_lazy(&t, &b->c0, &b->c1);
    fp_mul(&s, &s, &t);
    fp_sub(&s, &s, &v0);
    fp_sub(&r->c1, &s, &v1);
    fp_sub(&r->c0, &v0, &v1);
}
#else
/* Karatsuba on unreduced 512-bit products: three wide products and only two
 * Montgomery reductions (instead of three full multiplications).
 * Bounds: c1 = (a0+a1)(b0+b1) - a0b0 - a1b1 = a0b1 + a1b0 < 2p^2, and
 * c0 = a0b0 - a1b1 (+ p 2^256 if negative) < p 2^256, both valid REDC inputs. */
ZKA_INLINE void fp2_mul(fe2 *r, const fe2 *a, const fe2 *b) {
    wide v0, v1, v2, c0;
    fe sa, sb;
    mf_mul_wide(&v0, &a->c0, &b->c0);
    mf_mul_wide(&v1, &a->c1, &b->c1);
    /* plain sums (< 2p < 2^255): no reduction needed before a wide product */
    u128 ca = 0, cb = 0;
    for (int i = 0; i < 4; i++) {
        ca += (u128)a->c0.v[i] + a->c1.v[i];
        sa.v[i] = (uint64_t)ca;
        ca >>= 64;
        cb += (u128)b->c0.v[i] + b->c1.v[i];
        sb.v[i] = (uint64_t)cb;
        cb >>= 64;
    }
    mf_mul_wide(&v2, &sa, &sb);
    uint64_t neg = wide_sub(&c0, &v0, &v1);
    wide_add_m_high(&c0, 0 - neg, &FP_MOD);
    wide_add(&v0, &v0, &v1);
    wide_sub(&v2, &v2, &v0);
    mf_redc(&r->c0, &c0, &FP_MOD);
    mf_redc(&r->c1, &v2, &FP_MOD);
}
#endif

/* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u; the sum unreduced (< 2p) */
ZKA_INLINE void fp2_sqr(fe2 *r, const fe2 *a) {
    fe s, d, m;
    mf_add_lazy(&s, &a->c0, &a->c1);
    fp_sub(&d, &a->c0, &a->c1);
    fp_mul(&m, &a->c0, &a->c1);
    fp_mul(&r->c0, &s, &d);
    fp_dbl(&r->c1, &m);
}

/* 1/(a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2) */
static inline void fp2_inv(fe2 *r, const fe2 *a) {
    fe n0, n1, t;
    fp_sqr(&n0, &a->c0);
    fp_sqr(&n1, &a->c1);
    fp_add(&t, &n0, &n1);
    fp_inv(&t, &t);
    fp_mul(&r->c0, &a->c0, &t);
    fp_mul(&t, &a->c1, &t);
    fp_neg(&r->c1, &t);
}

#endif
